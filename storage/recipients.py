"""Who receives an organisation's notices (issue 14): its active operators, responsible officials and admins.
Every query names the organisation."""

from __future__ import annotations

import aiosqlite

from storage.db import fetch_all


class RecipientRepository:
    async def operators(self, conn: aiosqlite.Connection, *, org_id: int) -> list[int]:
        rows = await fetch_all(conn, "SELECT user_id FROM operators WHERE org_id = ? AND active = 1 ORDER BY user_id",
                               (org_id,))
        return [int(r[0]) for r in rows]

    async def officials(self, conn: aiosqlite.Connection, *, org_id: int) -> list[int]:
        rows = await fetch_all(conn, "SELECT user_id FROM officials WHERE org_id = ? AND active = 1 ORDER BY user_id",
                               (org_id,))
        return [int(r[0]) for r in rows]

    async def admins(self, conn: aiosqlite.Connection, *, org_id: int) -> list[int]:
        rows = await fetch_all(conn, "SELECT user_id FROM org_admins WHERE org_id = ? AND active = 1 ORDER BY user_id",
                               (org_id,))
        return [int(r[0]) for r in rows]

    async def org_name(self, conn: aiosqlite.Connection, org_id: int) -> str | None:
        rows = await fetch_all(conn, "SELECT name FROM organisations WHERE id = ?", (org_id,))
        return str(rows[0][0]) if rows else None

    async def active_count(self, conn: aiosqlite.Connection) -> int:
        rows = await fetch_all(conn, "SELECT COUNT(*) FROM organisations WHERE archived = 0")
        return int(rows[0][0])
