"""The reminder moments stored beside each open deadline, and the marks that make a notice go out once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.codec import dt, dt_req, ts
from storage.db import Conn, fetch_all, fetch_one

#: The case's clocks run on calendar time at :now (cl. 8 per case): its notices go out at night too.
_NIGHT = ("(c.calendar_since IS NOT NULL AND c.calendar_since <= :now AND (c.calendar_until IS NULL "
          "OR c.calendar_until > :now))")
_DUE_SQL = (
    "SELECT d.id, d.case_id, d.rule, d.department_id, d.due_at, d.remind_at, d.expire_at, d.reminded_at, "  # noqa: S608  constant SQL of this module; values are bound by name
    f"d.expired_notified_at, {_NIGHT} AS night, c.org_id FROM deadlines d JOIN cases c ON c.id = d.case_id "
    "WHERE d.id IN ("
    " SELECT id FROM deadlines WHERE closed_at IS NULL AND reminded_at IS NULL AND remind_at IS NOT NULL"
    " AND remind_at <= :now"
    " UNION SELECT id FROM deadlines WHERE closed_at IS NULL AND expired_notified_at IS NULL"
    " AND expire_at IS NOT NULL AND expire_at <= :now) ORDER BY d.id"
)
#: An approval's case clock (the open answer or final deadline): its reminder is planned against it (cl. 13–16).
_CASE_DUE = ("(SELECT MIN(a.due_at) FROM deadlines a WHERE a.case_id = d.case_id AND a.closed_at IS NULL"
             " AND a.rule IN ('answer', 'final')) AS case_due_at")
_PLAN_COLUMNS = (f"SELECT d.id, d.rule, d.started_at, d.due_at, c.calendar_since, c.calendar_until, {_CASE_DUE}, "  # noqa: S608  constant SQL of this module; values are bound
                 "c.org_id FROM deadlines d JOIN cases c ON c.id = d.case_id "
                 "WHERE c.org_id IN (SELECT id FROM organisations) AND d.closed_at IS NULL")
_UNPLANNED_SQL = _PLAN_COLUMNS + " AND (d.plan_due_at IS NULL OR d.plan_due_at <> d.due_at)"
_ALL_OPEN_SQL = _PLAN_COLUMNS
_NEXT_SQL = (
    "SELECT MIN(m) FROM ("
    " SELECT MIN(remind_at) AS m FROM deadlines WHERE closed_at IS NULL AND reminded_at IS NULL"
    " AND remind_at IS NOT NULL"
    " UNION ALL SELECT MIN(expire_at) FROM deadlines WHERE closed_at IS NULL"
    " AND expired_notified_at IS NULL AND expire_at IS NOT NULL) AS u"
)
#: The earliest moment still to come after :now (the next run when everything due now waits for its
#: organisation's working time, issue 14): the same indexed MINs, from :now on.
_NEXT_AFTER_SQL = (
    "SELECT MIN(m) FROM ("
    " SELECT MIN(remind_at) AS m FROM deadlines WHERE closed_at IS NULL AND reminded_at IS NULL"
    " AND remind_at IS NOT NULL AND remind_at > :now"
    " UNION ALL SELECT MIN(expire_at) FROM deadlines WHERE closed_at IS NULL"
    " AND expired_notified_at IS NULL AND expire_at IS NOT NULL AND expire_at > :now) AS u"
)
_NEXT_NIGHT_SQL = (
    # the earlier of the two moments, '9' for none (a CASE: SQLite's scalar MIN is LEAST on PostgreSQL)
    "SELECT MIN(CASE WHEN r < e THEN r ELSE e END) FROM (SELECT "  # noqa: S608  constant SQL of this module; values are bound by name
    "COALESCE(CASE WHEN d.reminded_at IS NULL THEN d.remind_at END, '9') AS r, "
    "COALESCE(CASE WHEN d.expired_notified_at IS NULL THEN d.expire_at END, '9') AS e "
    # from the few cases on calendar time (a partial index), not from every open deadline: CROSS JOIN keeps
    # SQLite's loop order (cases outside)
    f"FROM cases c CROSS JOIN deadlines d WHERE d.case_id = c.id AND c.calendar_since IS NOT NULL AND {_NIGHT} "
    "AND d.closed_at IS NULL) AS n"
)


@dataclass(frozen=True)
class ToPlan:
    deadline_id: int
    rule: str
    started_at: datetime
    due_at: datetime
    due_at_raw: str                 # as stored: the plan is kept only if due_at did not change meanwhile
    calendar_since: datetime | None = None     # the case's per-case cl. 8 decision (calendar time)
    calendar_until: datetime | None = None
    case_due_at: datetime | None = None        # the case's open answer / final deadline (cl. 13–16)
    org_id: int = 1                            # the case's organisation: its own extra days off (issue 14)

    @property
    def at_night(self) -> bool:
        """The deadline runs out while its case works on calendar time: its notices are not deferred."""
        s, u = self.calendar_since, self.calendar_until
        return s is not None and s <= self.due_at and (u is None or self.due_at < u)


@dataclass(frozen=True)
class Planned:
    deadline_id: int
    remind_at: datetime | None
    expire_at: datetime | None
    due_at_raw: str


@dataclass(frozen=True)
class DueDeadline:
    deadline_id: int
    case_id: int
    rule: str
    department_id: int | None
    due_at_raw: str
    remind_at: datetime | None
    expire_at: datetime | None
    reminded: bool
    expiry_notified: bool
    night: bool = False             # the case works on calendar time now (cl. 8): due at night too
    org_id: int = 1                 # the case's organisation: its own days off hold its notices (issue 14)


class ReminderRepository:
    async def to_plan(self, conn: Conn, *, full: bool = False) -> list[ToPlan]:
        """Open deadlines whose moments are missing or stale (every open one with ``full``)."""
        rows = await fetch_all(conn, _ALL_OPEN_SQL if full else _UNPLANNED_SQL)
        return [ToPlan(int(r["id"]), r["rule"], dt_req(r["started_at"]), dt_req(r["due_at"]), r["due_at"],
                       dt(r["calendar_since"]), dt(r["calendar_until"]), dt(r["case_due_at"]), int(r["org_id"]))
                for r in rows]

    async def save_plan(self, conn: Conn, planned: Iterable[Planned]) -> None:
        await conn.executemany(
            "UPDATE deadlines SET remind_at = ?, expire_at = ?, plan_due_at = ?3 WHERE id = ?4 AND due_at = ?3",
            [(ts(p.remind_at), ts(p.expire_at), p.due_at_raw, p.deadline_id) for p in planned])

    async def next_moment(self, conn: Conn) -> datetime | None:
        """The earliest reminder or expiry moment not yet acted on (an indexed MIN)."""
        row = await fetch_one(conn, _NEXT_SQL)
        return dt(row[0]) if row is not None else None

    async def next_moment_after(self, conn: Conn, now: datetime) -> datetime | None:
        """The earliest reminder or expiry moment not yet acted on that is still to come after ``now``."""
        row = await fetch_one(conn, _NEXT_AFTER_SQL, {"now": ts(now)})
        return dt(row[0]) if row is not None else None

    async def next_night_moment(self, conn: Conn, now: datetime) -> datetime | None:
        """The earliest moment not yet acted on of the cases working on calendar time at ``now``."""
        row = await fetch_one(conn, _NEXT_NIGHT_SQL, {"now": ts(now)})
        return dt(row[0]) if row is not None and row[0] not in (None, "9") else None

    async def due(self, conn: Conn, now: datetime) -> list[DueDeadline]:
        rows = await fetch_all(conn, _DUE_SQL, {"now": ts(now)})
        return [DueDeadline(int(r["id"]), int(r["case_id"]), r["rule"], r["department_id"], r["due_at"],
                            dt(r["remind_at"]), dt(r["expire_at"]), r["reminded_at"] is not None,
                            r["expired_notified_at"] is not None, bool(r["night"]), int(r["org_id"])) for r in rows]

    async def mark_reminded(self, conn: Conn, ids: Iterable[int], now: datetime) -> None:
        await conn.executemany("UPDATE deadlines SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
                               [(ts(now), i) for i in ids])

    async def mark_expiry_notified(self, conn: Conn, ids: Iterable[int], now: datetime) -> None:
        await conn.executemany("UPDATE deadlines SET expired_notified_at = ? WHERE id = ? "
                               "AND expired_notified_at IS NULL", [(ts(now), i) for i in ids])

    async def next_unasked_clarification(self, conn: Conn) -> datetime | None:
        """The publication of the earliest clarification request whose operator is still to be asked (the
        wait runs from it, so the earliest request is the next moment to ask)."""
        row = await fetch_one(conn, _NEXT_WAITING_SQL)
        return dt(row[0]) if row is not None else None

    async def waiting_for_author(self, conn: Conn) -> list[Waiting]:
        """Cases waiting for the author (cl. 6: the clarification request stopped the answer clock)."""
        return [Waiting(int(r["id"]), int(r["operator_id"]), dt_req(r["since"]), r["since"])
                for r in await fetch_all(conn, _WAITING_SQL) if r["since"] is not None]


@dataclass(frozen=True)
class Waiting:
    """A case waiting for its author's reply to a clarification request, since its publication."""

    case_id: int
    operator_id: int
    since: datetime
    since_raw: str


_WAITING_SQL = (
    "SELECT c.id, c.operator_id, (SELECT MAX(p.published_at) FROM publications p WHERE p.case_id = c.id"
    " AND p.kind = 'clarification') AS since FROM cases c WHERE c.status = 'awaiting_author'"
)


#: The earliest clarification request still waiting for its author whose operator was not yet asked (the
#: outbox's dedup key of that question): cases by ix_cases_status, the request by ix_publications_case_kind,
#: the question by the outbox's UNIQUE dedup_key — seeks, never a scan of the history.
_NEXT_WAITING_SQL = (
    "SELECT MIN(w.since) FROM (" + _WAITING_SQL + ") w WHERE w.since IS NOT NULL AND NOT EXISTS ("  # noqa: S608  constant SQL of this module; values are bound by name
    "SELECT 1 FROM outbox o WHERE o.dedup_key = 'clarification:' || w.id || ':' || w.since)"   # clarification_key
)


def clarification_key(case_id: int, since_raw: str) -> str:
    """The outbox dedup key of the operator's question about one clarification request (as _NEXT_WAITING_SQL
    builds it): a request is asked about once."""
    return f"clarification:{case_id}:{since_raw}"
