"""Organisations (issue 14), their admins and head's chats."""

from __future__ import annotations

import json
from datetime import date, datetime

from bot.domain.orgs import Organisation, OrgKind, Scope
from storage.codec import ts
from storage.db import Conn, Row, fetch_all, fetch_one
from storage.scoping import org_clause


def _org(r: Row) -> Organisation:
    return Organisation(id=r["id"], name=r["name"], prefix=r["prefix"], kind=OrgKind(r["kind"]),
                        head_chat_id=r["head_chat_id"],
                        days_off=tuple(sorted(date.fromisoformat(d) for d in json.loads(r["days_off"]))),
                        archived=bool(r["archived"]))


class OrganisationRepository:
    async def all(self, conn: Conn, *, include_archived: bool = False) -> list[Organisation]:
        sql = "SELECT * FROM organisations" + ("" if include_archived else " WHERE archived = 0") + " ORDER BY id"  # noqa: S608  two constant fragments, no value
        return [_org(r) for r in await fetch_all(conn, sql)]

    async def get(self, conn: Conn, org_id: int) -> Organisation | None:
        row = await fetch_one(conn, "SELECT * FROM organisations WHERE id = ?", (org_id,))
        return _org(row) if row else None

    async def by_name(self, conn: Conn, name: str) -> Organisation | None:
        row = await fetch_one(conn, "SELECT * FROM organisations WHERE name = ? COLLATE NOCASE", (name,))
        return _org(row) if row else None

    async def count(self, conn: Conn) -> int:
        row = await fetch_one(conn, "SELECT COUNT(*) FROM organisations WHERE archived = 0")
        return int(row[0]) if row else 0

    async def prefixes(self, conn: Conn) -> set[str]:
        return {str(r[0]) for r in await fetch_all(conn, "SELECT prefix FROM organisations")}

    async def add(self, conn: Conn, name: str, prefix: str, kind: OrgKind,
                  now: datetime) -> Organisation:
        cur = await conn.execute("INSERT INTO organisations (name, prefix, kind, created_at) VALUES (?, ?, ?, ?)",
                                 (name, prefix, kind.value, ts(now)))
        found = await self.get(conn, int(cur.lastrowid or 0))
        assert found is not None
        return found

    async def rename(self, conn: Conn, org_id: int, name: str) -> None:
        await conn.execute("UPDATE organisations SET name = ? WHERE id = ?", (name, org_id))

    async def archive(self, conn: Conn, org_id: int, archived: bool) -> None:
        await conn.execute("UPDATE organisations SET archived = ? WHERE id = ?", (int(archived), org_id))

    async def set_days_off(self, conn: Conn, org_id: int, days: list[date]) -> None:
        await conn.execute("UPDATE organisations SET days_off = ? WHERE id = ?",
                           (json.dumps(sorted(d.isoformat() for d in days)), org_id))

    # ---- the head's chat of each organisation -------------------------------------------------------
    async def head_chat(self, conn: Conn, org_id: int) -> int | None:
        row = await fetch_one(conn, "SELECT head_chat_id FROM organisations WHERE id = ?", (org_id,))
        return int(row[0]) if row and row[0] is not None else None

    async def org_of_head_chat(self, conn: Conn, chat_id: int) -> int | None:
        row = await fetch_one(conn, "SELECT id FROM organisations WHERE head_chat_id = ? AND archived = 0", (chat_id,))
        return int(row[0]) if row else None

    async def bind_head(self, conn: Conn, org_id: int, chat_id: int) -> None:
        """The group is the head's chat of ``org_id`` (and of no other organisation)."""
        await conn.execute("UPDATE organisations SET head_chat_id = NULL WHERE head_chat_id = ? AND id != ?",
                           (chat_id, org_id))
        await conn.execute("UPDATE organisations SET head_chat_id = ? WHERE id = ?", (chat_id, org_id))

    # ---- the organisations' own admins ------------------------------------------------------------
    async def admin_orgs(self, conn: Conn, user_id: int) -> list[int]:
        rows = await fetch_all(conn, "SELECT a.org_id FROM org_admins a JOIN organisations o ON o.id = a.org_id "
                                     "WHERE a.user_id = ? AND a.active = 1 AND o.archived = 0 ORDER BY a.org_id",
                               (user_id,))
        return [int(r[0]) for r in rows]

    async def admin_user_ids(self, conn: Conn) -> frozenset[int]:
        """Everybody who is an active admin of some organisation."""
        where, params = org_clause(Scope.all())
        rows = await fetch_all(conn, f"SELECT DISTINCT user_id FROM org_admins WHERE active = 1 AND {where}", params)  # noqa: S608  the clause binds its values
        return frozenset(int(r[0]) for r in rows)

    async def admins(self, conn: Conn, org_id: int) -> list[tuple[int, str]]:
        rows = await fetch_all(conn, "SELECT user_id, full_name FROM org_admins WHERE org_id = ? AND active = 1 "
                                     "ORDER BY full_name, user_id", (org_id,))
        return [(int(r[0]), str(r[1])) for r in rows]

    async def add_admin(self, conn: Conn, org_id: int, user_id: int, full_name: str,
                        added_by: int | None, now: datetime) -> None:
        await conn.execute("INSERT INTO org_admins (org_id, user_id, full_name, added_by, added_at, active) "
                           "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(org_id, user_id) DO UPDATE SET active = 1, "
                           "full_name = excluded.full_name", (org_id, user_id, full_name, added_by, ts(now)))

    async def remove_admin(self, conn: Conn, org_id: int, user_id: int) -> bool:
        cur = await conn.execute("UPDATE org_admins SET active = 0 WHERE org_id = ? AND user_id = ? AND active = 1",
                                 (org_id, user_id))
        return cur.rowcount == 1

    # ---- whose person is this --------------------------------------------------------------------
    async def org_of_operator(self, conn: Conn, user_id: int) -> int | None:
        row = await fetch_one(conn, "SELECT org_id FROM operators WHERE user_id = ? AND active = 1", (user_id,))
        return int(row[0]) if row else None

    async def org_of_official(self, conn: Conn, user_id: int) -> int | None:
        row = await fetch_one(conn, "SELECT org_id FROM officials WHERE user_id = ? AND active = 1", (user_id,))
        return int(row[0]) if row else None

    # ---- what /orgs shows and what a prefix change needs ----------------------------------------------
    async def set_prefix(self, conn: Conn, org_id: int, prefix: str) -> None:
        await conn.execute("UPDATE organisations SET prefix = ? WHERE id = ?", (prefix, org_id))

    async def has_cases(self, conn: Conn, org_id: int) -> bool:
        return await fetch_one(conn, "SELECT 1 FROM cases WHERE org_id = ? LIMIT 1", (org_id,)) is not None

    async def people_counts(self, conn: Conn) -> dict[int, tuple[int, int]]:
        """Organisation -> (active departments, active invited operators)."""
        where, params = org_clause(Scope.all())
        counts: dict[int, list[int]] = {}
        for index, table in enumerate(("departments", "operators")):
            flag = "archived = 0" if table == "departments" else "active = 1"
            sql = f"SELECT org_id, COUNT(*) FROM {table} WHERE {flag} AND {where} GROUP BY org_id"  # noqa: S608  constant names; the clause binds its values
            for row in await fetch_all(conn, sql, params):
                counts.setdefault(int(row[0]), [0, 0])[index] = int(row[1])
        return {org: (c[0], c[1]) for org, c in counts.items()}
