"""The reminder moments stored beside each open deadline, and the marks that make a notice go out once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.codec import dt, dt_req, ts
from storage.db import fetch_all, fetch_one

_DUE_SQL = (
    "SELECT d.id, d.case_id, d.rule, d.department_id, d.due_at, d.remind_at, d.expire_at, d.reminded_at, "
    "d.expired_notified_at FROM deadlines d WHERE d.id IN ("
    " SELECT id FROM deadlines WHERE closed_at IS NULL AND reminded_at IS NULL AND remind_at IS NOT NULL"
    " AND remind_at <= :now"
    " UNION SELECT id FROM deadlines WHERE closed_at IS NULL AND expired_notified_at IS NULL"
    " AND expire_at IS NOT NULL AND expire_at <= :now) ORDER BY d.id"
)
#: An approval's case clock (the open answer or final deadline): its reminder is planned against it (cl. 13–16).
_CASE_DUE = ("(SELECT MIN(a.due_at) FROM deadlines a WHERE a.case_id = deadlines.case_id AND a.closed_at IS NULL"
             " AND a.rule IN ('answer', 'final')) AS case_due_at")
_UNPLANNED_SQL = (
    f"SELECT id, rule, started_at, due_at, {_CASE_DUE} FROM deadlines "
    "WHERE closed_at IS NULL AND (plan_due_at IS NULL OR plan_due_at <> due_at)"
)
_ALL_OPEN_SQL = f"SELECT id, rule, started_at, due_at, {_CASE_DUE} FROM deadlines WHERE closed_at IS NULL"
_NEXT_SQL = (
    "SELECT MIN(m) FROM ("
    " SELECT MIN(remind_at) AS m FROM deadlines WHERE closed_at IS NULL AND reminded_at IS NULL"
    " AND remind_at IS NOT NULL"
    " UNION ALL SELECT MIN(expire_at) FROM deadlines WHERE closed_at IS NULL"
    " AND expired_notified_at IS NULL AND expire_at IS NOT NULL)"
)


@dataclass(frozen=True)
class ToPlan:
    deadline_id: int
    rule: str
    started_at: datetime
    due_at: datetime
    due_at_raw: str                 # as stored: the plan is kept only if due_at did not change meanwhile
    case_due_at: datetime | None = None     # the case's open answer / final deadline


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


class ReminderRepository:
    async def to_plan(self, conn: aiosqlite.Connection, *, full: bool = False) -> list[ToPlan]:
        """Open deadlines whose moments are missing or stale (every open one with ``full``)."""
        rows = await fetch_all(conn, _ALL_OPEN_SQL if full else _UNPLANNED_SQL)
        return [ToPlan(int(r["id"]), r["rule"], dt_req(r["started_at"]), dt_req(r["due_at"]), r["due_at"],
                       dt(r["case_due_at"])) for r in rows]

    async def save_plan(self, conn: aiosqlite.Connection, planned: Iterable[Planned]) -> None:
        await conn.executemany(
            "UPDATE deadlines SET remind_at = ?, expire_at = ?, plan_due_at = ?3 WHERE id = ?4 AND due_at = ?3",
            [(ts(p.remind_at), ts(p.expire_at), p.due_at_raw, p.deadline_id) for p in planned])

    async def next_moment(self, conn: aiosqlite.Connection) -> datetime | None:
        """The earliest reminder or expiry moment not yet acted on (an indexed MIN)."""
        row = await fetch_one(conn, _NEXT_SQL)
        return dt(row[0]) if row is not None else None

    async def due(self, conn: aiosqlite.Connection, now: datetime) -> list[DueDeadline]:
        rows = await fetch_all(conn, _DUE_SQL, {"now": ts(now)})
        return [DueDeadline(int(r["id"]), int(r["case_id"]), r["rule"], r["department_id"], r["due_at"],
                            dt(r["remind_at"]), dt(r["expire_at"]), r["reminded_at"] is not None,
                            r["expired_notified_at"] is not None) for r in rows]

    async def mark_reminded(self, conn: aiosqlite.Connection, ids: Iterable[int], now: datetime) -> None:
        await conn.executemany("UPDATE deadlines SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
                               [(ts(now), i) for i in ids])

    async def mark_expiry_notified(self, conn: aiosqlite.Connection, ids: Iterable[int], now: datetime) -> None:
        await conn.executemany("UPDATE deadlines SET expired_notified_at = ? WHERE id = ? "
                               "AND expired_notified_at IS NULL", [(ts(now), i) for i in ids])


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


async def waiting_for_author(conn: aiosqlite.Connection) -> list[Waiting]:
    """Cases waiting for the author (cl. 6: the clarification request stopped the answer clock)."""
    return [Waiting(int(r["id"]), int(r["operator_id"]), dt_req(r["since"]), r["since"])
            for r in await fetch_all(conn, _WAITING_SQL) if r["since"] is not None]
