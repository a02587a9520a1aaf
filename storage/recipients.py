"""Who receives an organisation's notices (issue 14): its active operators, responsible officials and admins.
Every query names the organisation."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.codec import ts
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


class OrgDigestRepository:
    """The coordinator's morning digest (issue 14 §3): per active organisation, its open cases, those overdue
    now, those whose answer is due by ``day_end``, and those detected since ``since``."""

    async def counts(self, conn: aiosqlite.Connection, now: datetime, day_end: datetime,
                     since: datetime) -> list[tuple[int, str, int, int, int, int]]:
        rows = await fetch_all(
            conn,
            "SELECT o.id, o.name, "
            "(SELECT COUNT(*) FROM cases c WHERE c.org_id = o.id AND c.status NOT IN "
            "('closed', 'excluded', 'dismissed')) AS open_, "
            "(SELECT COUNT(DISTINCT d.case_id) FROM deadlines d JOIN cases c ON c.id = d.case_id "
            "WHERE c.org_id = o.id AND d.closed_at IS NULL AND d.due_at < :now "
            "AND c.status NOT IN ('closed', 'excluded', 'dismissed')) AS overdue, "
            "(SELECT COUNT(DISTINCT d.case_id) FROM deadlines d JOIN cases c ON c.id = d.case_id "
            "WHERE c.org_id = o.id AND d.closed_at IS NULL AND d.rule IN ('answer', 'final') AND d.due_at >= :now "
            "AND d.due_at < :day_end AND c.status NOT IN ('closed', 'excluded', 'dismissed')) AS due_today, "
            "(SELECT COUNT(*) FROM cases c WHERE c.org_id = o.id AND c.detected_at >= :since "
            "AND c.detected_at < :now) AS new "
            "FROM organisations o WHERE o.archived = 0 ORDER BY o.id",
            {"now": ts(now), "day_end": ts(day_end), "since": ts(since)})
        return [(int(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]
