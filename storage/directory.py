"""Who is who: departments and their chats, operators and responsible officials (cl. 5), invites, and small
key-value settings."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.domain.model import Department
from bot.domain.orgs import Scope
from storage.codec import dt, ts
from storage.db import Conn, Row, fetch_all, fetch_one, sha256_hex
from storage.scoping import org_clause

#: An invite is named (in a button) by the first hex digits of its stored hash: 48 bits, an int.
INVITE_KEY_HEX = 12
_OPEN = "used_by IS NULL AND revoked_at IS NULL AND expires_at > ?"


@dataclass
class OperatorRecord:
    user_id: int
    full_name: str
    added_at: datetime | None
    active: bool
    org_id: int = 1


@dataclass(frozen=True)
class InviteRecord:
    key: int
    role: str
    created_by: int
    created_at: datetime | None
    expires_at: datetime | None
    org_id: int = 1


def _department(r: Row) -> Department:
    return Department(id=r["id"], name=r["name"], chat_id=r["chat_id"], keywords=json.loads(r["keywords"]),
                      archived=bool(r["archived"]), org_id=r["org_id"])


def _people(table: Literal["operators", "officials"]) -> tuple[
        Callable[..., Awaitable[list[OperatorRecord]]],
        Callable[[Any, Conn, int], Awaitable[bool]],
        Callable[..., Awaitable[None]],
        Callable[..., Awaitable[bool]]]:
    """List (of the scope's organisations), check (anyone's: who is this person), add (or re-activate, for
    the organisation) and deactivate (within the organisation) the people of one table."""

    async def listed(self: Any, conn: Conn, *, scope: Scope) -> list[OperatorRecord]:
        where, params = org_clause(scope)
        async with conn.execute(f"SELECT * FROM {table} WHERE active = 1 AND {where} ORDER BY full_name, user_id",  # noqa: S608  table is a Literal (operators, officials); the clause binds its values
                                params) as cur:
            return [OperatorRecord(r["user_id"], r["full_name"], dt(r["added_at"]), bool(r["active"]), r["org_id"])
                    for r in await cur.fetchall()]

    async def present(self: Any, conn: Conn, user_id: int) -> bool:
        where, params = org_clause(Scope.all())
        return await fetch_one(conn, f"SELECT 1 FROM {table} WHERE user_id = ? AND active = 1 AND {where}",  # noqa: S608  table is a Literal (operators, officials); the id is bound
                               (user_id, *params)) is not None

    async def add(self: Any, conn: Conn, user_id: int, full_name: str, added_by: int | None,
                  now: datetime, *, org_id: int) -> None:
        """An operator (official) works for one organisation: an invite of another one moves them there."""
        await conn.execute(
            f"INSERT INTO {table} (user_id, full_name, added_by, added_at, active, org_id) VALUES (?, ?, ?, ?, 1, ?) "  # noqa: S608  table is a Literal (operators, officials); values are bound
            "ON CONFLICT(user_id) DO UPDATE SET active = 1, full_name = excluded.full_name, org_id = excluded.org_id",
            (user_id, full_name, added_by, ts(now), org_id),
        )

    async def remove(self: Any, conn: Conn, user_id: int, *, org_id: int) -> bool:
        cur = await conn.execute(f"UPDATE {table} SET active = 0 WHERE user_id = ? AND active = 1 AND org_id = ?",  # noqa: S608  table is a Literal (operators, officials); the ids are bound
                                 (user_id, org_id))
        return cur.rowcount == 1

    return listed, present, add, remove


class DirectoryRepository:
    # ---- departments (a name is unique within its organisation) ----------------------------------
    async def departments(self, conn: Conn, *, scope: Scope,
                          include_archived: bool = False) -> list[Department]:
        where, params = org_clause(scope)
        sql = f"SELECT * FROM departments WHERE {where}" + ("" if include_archived else " AND archived = 0") + " ORDER BY name, id"  # noqa: S608  the clause binds its values; constant fragments
        return [_department(r) for r in await fetch_all(conn, sql, params)]

    async def department(self, conn: Conn, department_id: int, *, scope: Scope) -> Department | None:
        where, params = org_clause(scope)
        row = await fetch_one(conn, f"SELECT * FROM departments WHERE id = ? AND {where}", (department_id, *params))  # noqa: S608  the clause binds its values
        return _department(row) if row else None

    async def department_by_chat(self, conn: Conn, chat_id: int) -> Department | None:
        """The department a group serves, of whichever organisation (a chat serves one department)."""
        where, params = org_clause(Scope.all())
        row = await fetch_one(conn, f"SELECT * FROM departments WHERE chat_id = ? AND archived = 0 AND {where}",  # noqa: S608  the clause binds its values
                              (chat_id, *params))
        return _department(row) if row else None

    async def department_by_name(self, conn: Conn, name: str, *, org_id: int) -> Department | None:
        row = await fetch_one(conn, "SELECT * FROM departments WHERE name = ? COLLATE NOCASE AND org_id = ?",
                              (name, org_id))
        return _department(row) if row else None

    async def bind_department(self, conn: Conn, name: str, chat_id: int, now: datetime, *,
                              org_id: int) -> Department:
        """Bind `chat_id` to the organisation's department called `name` (created if new); a chat serves one
        department, of one organisation."""
        where, params = org_clause(Scope.all())
        await conn.execute(f"UPDATE departments SET chat_id = NULL WHERE chat_id = ? AND {where} "  # noqa: S608  the clause binds its values
                           "AND NOT (org_id = ? AND name = ? COLLATE NOCASE)", (chat_id, *params, org_id, name))
        existing = await self.department_by_name(conn, name, org_id=org_id)
        if existing is None:
            await conn.execute("INSERT INTO departments (org_id, name, chat_id, created_at) VALUES (?, ?, ?, ?)",
                               (org_id, name, chat_id, ts(now)))
        else:
            await conn.execute("UPDATE departments SET chat_id = ?, archived = 0 WHERE id = ? AND org_id = ?",
                               (chat_id, existing.id, org_id))
        found = await self.department_by_name(conn, name, org_id=org_id)
        assert found is not None
        return found

    async def rename_department(self, conn: Conn, department_id: int, name: str, *,
                                org_id: int) -> None:
        await conn.execute("UPDATE departments SET name = ? WHERE id = ? AND org_id = ?", (name, department_id, org_id))

    async def archive_department(self, conn: Conn, department_id: int, archived: bool, *,
                                 org_id: int) -> None:
        await conn.execute("UPDATE departments SET archived = ? WHERE id = ? AND org_id = ?",
                           (int(archived), department_id, org_id))

    async def set_keywords(self, conn: Conn, department_id: int, keywords: list[str], *,
                           org_id: int) -> None:
        await conn.execute("UPDATE departments SET keywords = ? WHERE id = ? AND org_id = ?",
                           (json.dumps(keywords, ensure_ascii=False), department_id, org_id))

    # ---- operators and responsible officials (cl. 5): two tables of one shape ---------------------
    operators, is_operator, add_operator, remove_operator = _people("operators")
    officials, is_official, add_official, remove_official = _people("officials")

    # ---- invites: only the sha256 of a token is stored (migration 0011); each for one organisation ---------
    async def add_invite(self, conn: Conn, token: str, created_by: int, now: datetime,
                         expires_at: datetime, role: str = "operator", *, org_id: int) -> None:
        await conn.execute("INSERT INTO invites (token, created_by, created_at, expires_at, role, org_id) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           (sha256_hex(token), created_by, ts(now), ts(expires_at), role, org_id))

    async def invite_role(self, conn: Conn, token: str) -> tuple[str, int] | None:
        """Whom the invite makes ("operator", "official" or "org_admin") and for which organisation."""
        where, params = org_clause(Scope.all())
        row = await fetch_one(conn, f"SELECT role, org_id FROM invites WHERE token = ? AND {where}",  # noqa: S608  the clause binds its values
                              (sha256_hex(token), *params))
        return (str(row[0]), int(row[1])) if row else None

    async def use_invite(self, conn: Conn, token: str, user_id: int, now: datetime) -> bool:
        """Mark a valid, unused, unrevoked, unexpired invite used; False when it is none of those."""
        where, params = org_clause(Scope.all())
        cur = await conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL AND revoked_at IS NULL "  # noqa: S608  the clause binds its values
            f"AND expires_at > ? AND {where}", (user_id, ts(now), sha256_hex(token), ts(now), *params),
        )
        return cur.rowcount == 1

    async def open_invites(self, conn: Conn, now: datetime, *, scope: Scope) -> list[InviteRecord]:
        """Invites of the scope's organisations that can still be used, oldest first."""
        where, params = org_clause(scope)
        sql = f"SELECT * FROM invites WHERE {_OPEN} AND {where} ORDER BY created_at"  # noqa: S608 - constants; the clause binds its values
        rows = await fetch_all(conn, sql, (ts(now), *params))
        return [InviteRecord(int(r["token"][:INVITE_KEY_HEX], 16), r["role"], r["created_by"], dt(r["created_at"]),
                             dt(r["expires_at"]), r["org_id"]) for r in rows]

    async def revoke_invite(self, conn: Conn, key: int, by: int, now: datetime, *,
                            scope: Scope) -> str | None:
        """Revoke the open invite ``key`` (InviteRecord.key) of the scope's organisations; its role, or None when
        no such open invite has it."""
        prefix = f"{key:0{INVITE_KEY_HEX}x}"
        where, params = org_clause(scope)
        sql = f"SELECT token, role, org_id FROM invites WHERE substr(token, 1, {INVITE_KEY_HEX}) = ? AND {_OPEN} AND {where}"  # noqa: S608 - constants; the clause binds its values
        rows = await fetch_all(conn, sql, (prefix, ts(now), *params))
        if len(rows) != 1:
            return None
        await conn.execute("UPDATE invites SET revoked_at = ?, revoked_by = ? WHERE token = ? AND org_id = ?",
                           (ts(now), by, rows[0]["token"], rows[0]["org_id"]))
        return str(rows[0]["role"])

    async def invite_org(self, conn: Conn, key: int, now: datetime) -> tuple[int, str] | None:
        """The organisation and the role of the open invite ``key`` (to check who may revoke it), or None."""
        prefix = f"{key:0{INVITE_KEY_HEX}x}"
        where, params = org_clause(Scope.all())
        sql = f"SELECT org_id, role FROM invites WHERE substr(token, 1, {INVITE_KEY_HEX}) = ? AND {_OPEN} AND {where}"  # noqa: S608 - constants; the clause binds its values
        rows = await fetch_all(conn, sql, (prefix, ts(now), *params))
        return (int(rows[0][0]), str(rows[0][1])) if len(rows) == 1 else None

    # ---- key-value ------------------------------------------------------------------------------
    async def get_value(self, conn: Conn, key: str) -> str | None:
        row = await fetch_one(conn, "SELECT value FROM kv WHERE key = ?", (key,))
        return row[0] if row else None

    async def set_value(self, conn: Conn, key: str, value: str) -> None:
        await conn.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           (key, value))
