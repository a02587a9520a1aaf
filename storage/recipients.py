"""The coordinator's morning digest across organisations (issue 14 §3). Every query names the organisation.
Who receives an organisation's notices is read through the directory and the organisations' repository
(bot/services/recipients.py)."""

from __future__ import annotations

from datetime import datetime

from storage.cases import OPEN_STATUSES
from storage.codec import ts
from storage.db import Conn, fetch_all

#: The open statuses as an SQL list (module constants of the Status enum, no input): a case given to another
#: organisation ('transferred') is finished for its giver.
_OPEN = "(" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"


class OrgDigestRepository:
    """The coordinator's morning digest (issue 14 §3): per active organisation, its open cases, those overdue
    now, those whose answer is due by ``day_end``, and those detected since ``since``."""

    async def counts(self, conn: Conn, now: datetime, day_end: datetime,
                     since: datetime) -> list[tuple[int, str, int, int, int, int]]:
        rows = await fetch_all(
            conn,
            "SELECT o.id, o.name, "  # noqa: S608  _OPEN is built from the Status enum; values are bound by name
            "(SELECT COUNT(*) FROM cases c WHERE c.org_id = o.id AND c.status IN " + _OPEN + ") AS open_, "
            "(SELECT COUNT(DISTINCT d.case_id) FROM deadlines d JOIN cases c ON c.id = d.case_id "
            "WHERE c.org_id = o.id AND d.closed_at IS NULL AND d.due_at < :now "
            "AND c.status IN " + _OPEN + ") AS overdue, "
            "(SELECT COUNT(DISTINCT d.case_id) FROM deadlines d JOIN cases c ON c.id = d.case_id "
            "WHERE c.org_id = o.id AND d.closed_at IS NULL AND d.rule IN ('answer', 'final') AND d.due_at >= :now "
            "AND d.due_at < :day_end AND c.status IN " + _OPEN + ") AS due_today, "
            "(SELECT COUNT(*) FROM cases c WHERE c.org_id = o.id AND c.detected_at >= :since AND c.status != 'transferred' "
            "AND c.detected_at < :now) AS new "
            "FROM organisations o WHERE o.archived = 0 ORDER BY o.id",
            {"now": ts(now), "day_end": ts(day_end), "since": ts(since)})
        return [(int(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]
