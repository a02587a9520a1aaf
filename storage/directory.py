"""Who is who: departments and their chats, operators and responsible officials (cl. 5), invites, and small
key-value settings."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import aiosqlite

from bot.domain.model import Department
from storage.codec import dt, ts
from storage.db import fetch_all, fetch_one, sha256_hex

#: An invite is named (in a button) by the first hex digits of its stored hash: 48 bits, an int.
INVITE_KEY_HEX = 12
_OPEN = "used_by IS NULL AND revoked_at IS NULL AND expires_at > ?"


@dataclass
class OperatorRecord:
    user_id: int
    full_name: str
    added_at: datetime | None
    active: bool


@dataclass(frozen=True)
class InviteRecord:
    key: int
    role: str
    created_by: int
    created_at: datetime | None
    expires_at: datetime | None


def _department(r: aiosqlite.Row) -> Department:
    return Department(id=r["id"], name=r["name"], chat_id=r["chat_id"], keywords=json.loads(r["keywords"]),
                      archived=bool(r["archived"]), org_id=r["org_id"])


def _people(table: Literal["operators", "officials"]) -> tuple[
        Callable[[Any, aiosqlite.Connection], Awaitable[list[OperatorRecord]]],
        Callable[[Any, aiosqlite.Connection, int], Awaitable[bool]],
        Callable[[Any, aiosqlite.Connection, int, str, int | None, datetime], Awaitable[None]],
        Callable[[Any, aiosqlite.Connection, int], Awaitable[bool]]]:
    """List, check, add (or re-activate) and deactivate the people of one table."""

    async def listed(self: Any, conn: aiosqlite.Connection) -> list[OperatorRecord]:
        async with conn.execute(f"SELECT * FROM {table} WHERE active = 1 ORDER BY full_name, user_id") as cur:  # noqa: S608  table is a Literal (operators, officials)
            return [OperatorRecord(r["user_id"], r["full_name"], dt(r["added_at"]), bool(r["active"]))
                    for r in await cur.fetchall()]

    async def present(self: Any, conn: aiosqlite.Connection, user_id: int) -> bool:
        return await fetch_one(conn, f"SELECT 1 FROM {table} WHERE user_id = ? AND active = 1", (user_id,)) is not None  # noqa: S608  table is a Literal (operators, officials); the id is bound

    async def add(self: Any, conn: aiosqlite.Connection, user_id: int, full_name: str, added_by: int | None,
                  now: datetime) -> None:
        await conn.execute(
            f"INSERT INTO {table} (user_id, full_name, added_by, added_at, active) VALUES (?, ?, ?, ?, 1) "  # noqa: S608  table is a Literal (operators, officials); values are bound
            "ON CONFLICT(user_id) DO UPDATE SET active = 1, full_name = excluded.full_name",
            (user_id, full_name, added_by, ts(now)),
        )

    async def remove(self: Any, conn: aiosqlite.Connection, user_id: int) -> bool:
        cur = await conn.execute(f"UPDATE {table} SET active = 0 WHERE user_id = ? AND active = 1", (user_id,))  # noqa: S608  table is a Literal (operators, officials); the id is bound
        return cur.rowcount == 1

    return listed, present, add, remove


class DirectoryRepository:
    # ---- departments ----------------------------------------------------------------------------
    async def departments(self, conn: aiosqlite.Connection, *, include_archived: bool = False) -> list[Department]:
        sql = "SELECT * FROM departments" + ("" if include_archived else " WHERE archived = 0") + " ORDER BY name"  # noqa: S608  two constant fragments, no value
        return [_department(r) for r in await fetch_all(conn, sql)]

    async def department(self, conn: aiosqlite.Connection, department_id: int) -> Department | None:
        row = await fetch_one(conn, "SELECT * FROM departments WHERE id = ?", (department_id,))
        return _department(row) if row else None

    async def department_by_chat(self, conn: aiosqlite.Connection, chat_id: int) -> Department | None:
        row = await fetch_one(conn, "SELECT * FROM departments WHERE chat_id = ? AND archived = 0", (chat_id,))
        return _department(row) if row else None

    async def department_by_name(self, conn: aiosqlite.Connection, name: str) -> Department | None:
        row = await fetch_one(conn, "SELECT * FROM departments WHERE name = ? COLLATE NOCASE", (name,))
        return _department(row) if row else None

    async def bind_department(self, conn: aiosqlite.Connection, name: str, chat_id: int, now: datetime) -> Department:
        """Bind `chat_id` to the department called `name` (created if new); a chat serves one department."""
        await conn.execute("UPDATE departments SET chat_id = NULL WHERE chat_id = ? AND name != ? COLLATE NOCASE",
                           (chat_id, name))
        existing = await self.department_by_name(conn, name)
        if existing is None:
            await conn.execute("INSERT INTO departments (name, chat_id, created_at) VALUES (?, ?, ?)",
                               (name, chat_id, ts(now)))
        else:
            await conn.execute("UPDATE departments SET chat_id = ?, archived = 0 WHERE id = ?", (chat_id, existing.id))
        found = await self.department_by_name(conn, name)
        assert found is not None
        return found

    async def rename_department(self, conn: aiosqlite.Connection, department_id: int, name: str) -> None:
        await conn.execute("UPDATE departments SET name = ? WHERE id = ?", (name, department_id))

    async def archive_department(self, conn: aiosqlite.Connection, department_id: int, archived: bool) -> None:
        await conn.execute("UPDATE departments SET archived = ? WHERE id = ?", (int(archived), department_id))

    async def set_keywords(self, conn: aiosqlite.Connection, department_id: int, keywords: list[str]) -> None:
        await conn.execute("UPDATE departments SET keywords = ? WHERE id = ?",
                           (json.dumps(keywords, ensure_ascii=False), department_id))

    # ---- operators and responsible officials (cl. 5): two tables of one shape ---------------------
    operators, is_operator, add_operator, remove_operator = _people("operators")
    officials, is_official, add_official, remove_official = _people("officials")

    # ---- invites: only the sha256 of a token is stored (migration 0011) -------------------------------
    async def add_invite(self, conn: aiosqlite.Connection, token: str, created_by: int, now: datetime,
                         expires_at: datetime, role: str = "operator") -> None:
        await conn.execute("INSERT INTO invites (token, created_by, created_at, expires_at, role) VALUES (?, ?, ?, ?, ?)",
                           (sha256_hex(token), created_by, ts(now), ts(expires_at), role))

    async def invite_role(self, conn: aiosqlite.Connection, token: str) -> str | None:
        """Whom the invite makes: "operator" or "official"."""
        row = await fetch_one(conn, "SELECT role FROM invites WHERE token = ?", (sha256_hex(token),))
        return row[0] if row else None

    async def use_invite(self, conn: aiosqlite.Connection, token: str, user_id: int, now: datetime) -> bool:
        """Mark a valid, unused, unrevoked, unexpired invite used; False when it is none of those."""
        cur = await conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL AND revoked_at IS NULL "
            "AND expires_at > ?", (user_id, ts(now), sha256_hex(token), ts(now)),
        )
        return cur.rowcount == 1

    async def open_invites(self, conn: aiosqlite.Connection, now: datetime) -> list[InviteRecord]:
        """Invites that can still be used, oldest first."""
        sql = f"SELECT * FROM invites WHERE {_OPEN} ORDER BY created_at"  # noqa: S608 - a constant, no input
        rows = await fetch_all(conn, sql, (ts(now),))
        return [InviteRecord(int(r["token"][:INVITE_KEY_HEX], 16), r["role"], r["created_by"], dt(r["created_at"]),
                             dt(r["expires_at"])) for r in rows]

    async def revoke_invite(self, conn: aiosqlite.Connection, key: int, by: int, now: datetime) -> str | None:
        """Revoke the open invite ``key`` (InviteRecord.key); its role, or None when no open invite has it."""
        prefix = f"{key:0{INVITE_KEY_HEX}x}"
        sql = f"SELECT token, role FROM invites WHERE substr(token, 1, {INVITE_KEY_HEX}) = ? AND {_OPEN}"  # noqa: S608 - constants
        rows = await fetch_all(conn, sql, (prefix, ts(now)))
        if len(rows) != 1:
            return None
        await conn.execute("UPDATE invites SET revoked_at = ?, revoked_by = ? WHERE token = ?",
                           (ts(now), by, rows[0]["token"]))
        return str(rows[0]["role"])

    # ---- key-value ------------------------------------------------------------------------------
    async def get_value(self, conn: aiosqlite.Connection, key: str) -> str | None:
        row = await fetch_one(conn, "SELECT value FROM kv WHERE key = ?", (key,))
        return row[0] if row else None

    async def set_value(self, conn: aiosqlite.Connection, key: str, value: str) -> None:
        await conn.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           (key, value))
