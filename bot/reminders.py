"""Reminders and escalations, derived from the database and queued in the outbox.

The database is the truth. For every open deadline the service stores the moments of its reminder and
of its expiry notice (``deadlines.reminders``: 2/3 of the rule's time by default, moved into working
time) beside the deadline; ``run_due(now)`` then, in ONE transaction, finds every deadline whose moment
has passed and whose ``reminded_at`` / ``expired_notified_at`` is still NULL, queues the notices with
dedup keys ``reminder:<id>``, ``expired:<id>``, ``escalation:<id>`` (the outbox's UNIQUE key makes
"never twice" hold across restarts and races) and sets those columns.

``ReminderScheduler`` keeps ONE APScheduler date job at the next due moment (an indexed MIN() over the
stored moments), recomputed after every run and after every change of a case, plus a safety job every
minute; at start it recomputes every open deadline's moments and runs a catch-up whose reminders say
they are late. No persistent job store: nothing is pickled, a restart rebuilds from the database.

Nobody is woken outside working time: when the process runs outside working hours (a catch-up at
night), due notices wait for the next working opening; dates declared working (cl. 8) are working
days of the calendar.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.domain.model import Role
from deadlines.reminders import DEFAULT_FRACTION, moments, waking
from deadlines.rules import Deadlines
from storage.codec import dt_req, ts
from storage.db import Database, fetch_all
from storage.events import EventRepository
from storage.outbox import Notice, OutboxRepository

log = logging.getLogger(__name__)

DEFAULT_ESCALATE = frozenset({"answer", "final"})
#: A notice sent this long after its moment says it is late (the bot was down or busy).
LATE_AFTER = timedelta(minutes=2)
#: After closing time notices may still go out this long (a job fires a little after 18:00:00).
CLOSING_GRACE = timedelta(minutes=5)

_DUE_SQL = (
    "SELECT d.id, d.case_id, d.rule, d.department_id, d.due_at, d.remind_at, d.expire_at, d.reminded_at, "
    "d.expired_notified_at FROM deadlines d WHERE d.id IN ("
    " SELECT id FROM deadlines WHERE closed_at IS NULL AND reminded_at IS NULL AND remind_at IS NOT NULL"
    " AND remind_at <= :now"
    " UNION SELECT id FROM deadlines WHERE closed_at IS NULL AND expired_notified_at IS NULL"
    " AND expire_at IS NOT NULL AND expire_at <= :now) ORDER BY d.id"
)
_UNPLANNED_SQL = (
    "SELECT id, rule, started_at, due_at FROM deadlines "
    "WHERE closed_at IS NULL AND (plan_due_at IS NULL OR plan_due_at <> due_at)"
)
_ALL_OPEN_SQL = "SELECT id, rule, started_at, due_at FROM deadlines WHERE closed_at IS NULL"


@dataclass(frozen=True)
class RunResult:
    reminders: int = 0
    expired: int = 0
    escalations: int = 0
    deferred: bool = False          # outside working time: nothing sent, waits for the opening

    @property
    def queued(self) -> int:
        return self.reminders + self.expired + self.escalations


class ReminderService:
    def __init__(self, db: Database, deadlines: Deadlines, clock: Clock, *,
                 fractions: Mapping[str, float] | None = None, escalate: Iterable[str] = DEFAULT_ESCALATE,
                 late_after: timedelta = LATE_AFTER) -> None:
        self.db = db
        self.deadlines = deadlines
        self.clock = clock
        self.fractions = dict(fractions or {})
        self.escalate = frozenset(escalate)
        self.late_after = late_after
        self.outbox = OutboxRepository()
        self.events = EventRepository()

    @property
    def calendar(self) -> Any:
        return self.deadlines.calendar

    def fraction(self, rule: str) -> float:
        return self.fractions.get(rule, DEFAULT_FRACTION)

    # ---- planning: the moments of each open deadline -----------------------------------------
    async def plan(self, *, full: bool = False) -> int:
        """Compute and store the moments of open deadlines (new or changed ones; all with ``full``).

        Computed outside the write transaction; a row whose due_at changed meanwhile keeps a stale
        plan_due_at and is planned again next time.
        """
        rows = await self.db.fetchall(_ALL_OPEN_SQL if full else _UNPLANNED_SQL)
        if not rows:
            return 0
        updates: list[tuple[str | None, str | None, str, int]] = []
        cal = self.calendar
        for r in rows:
            rule = r["rule"]
            spec = self.deadlines.rules.get(rule)
            m = moments(cal, dt_req(r["started_at"]), dt_req(r["due_at"]),
                        clock=spec.clock if spec else "working", fraction=self.fraction(rule))
            updates.append((ts(m.remind_at), ts(m.expire_at), r["due_at"], r["id"]))
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE deadlines SET remind_at = ?, expire_at = ?, plan_due_at = ?3 WHERE id = ?4 AND due_at = ?3",
                updates)
        return len(updates)

    async def next_due(self, now: datetime | None = None) -> datetime | None:
        """The next moment a run has something to do (never inside non-working time)."""
        row = await self.db.fetchone(
            "SELECT MIN(m) FROM ("
            " SELECT MIN(remind_at) AS m FROM deadlines WHERE closed_at IS NULL AND reminded_at IS NULL"
            " AND remind_at IS NOT NULL"
            " UNION ALL SELECT MIN(expire_at) FROM deadlines WHERE closed_at IS NULL"
            " AND expired_notified_at IS NULL AND expire_at IS NOT NULL)")
        if row is None or row[0] is None:
            return None
        moment = dt_req(row[0]).astimezone(self.calendar.tz)
        now = now or self.clock.now()
        if moment <= now and not self.is_waking(now):
            return waking(self.calendar, now)
        return moment

    def is_waking(self, now: datetime) -> bool:
        cal = self.calendar
        return bool(cal.is_working_time(now) or cal.is_working_time(now - CLOSING_GRACE))

    # ---- running --------------------------------------------------------------------------------
    async def run_due(self, now: datetime | None = None) -> RunResult:
        """Queue every due reminder, expiry notice and escalation in one transaction."""
        now = now or self.clock.now()
        if not self.is_waking(now):
            return RunResult(deferred=True)
        reminders = expired = escalations = 0
        stamp = ts(now)
        async with self.db.transaction() as conn:
            rows = list(await fetch_all(conn, _DUE_SQL, {"now": stamp}))
            done_remind: list[tuple[str | None, int]] = []
            done_expire: list[tuple[str | None, int]] = []
            for r in rows:
                deadline_id = int(r["id"])
                rule = r["rule"]
                payload: dict[str, Any] = {"deadline_id": deadline_id, "rule": rule, "due_at": r["due_at"]}
                expire_at = dt_req(r["expire_at"]) if r["expire_at"] else None
                if expire_at is not None and expire_at <= now and r["expired_notified_at"] is None:
                    late = now - expire_at > self.late_after
                    if await self.outbox.add(conn, Notice("expired", "owner", None, r["case_id"],
                                                          {**payload, "late": late},
                                                          dedup_key=f"expired:{deadline_id}"), now):
                        expired += 1
                    if rule in self.escalate and await self.outbox.add(
                            conn, Notice("escalation", "head", None, r["case_id"],
                                         {**payload, "department_id": r["department_id"], "late": late},
                                         dedup_key=f"escalation:{deadline_id}"), now):
                        escalations += 1
                    await self.events.append(conn, case_id=r["case_id"], at=now, actor_id=None,
                                             actor_role=Role.SYSTEM.value, kind="deadline_missed",
                                             payload={"rule": rule, "department_id": r["department_id"],
                                                      "due_at": r["due_at"], "escalated": rule in self.escalate})
                    # A reminder not sent by now is pointless: the expiry notice says more.
                    done_expire.append((stamp, deadline_id))
                    if r["reminded_at"] is None:
                        done_remind.append((stamp, deadline_id))
                    continue
                remind_at = dt_req(r["remind_at"])
                late = now - remind_at > self.late_after
                if await self.outbox.add(conn, Notice("reminder", "owner", None, r["case_id"],
                                                      {**payload, "late": late},
                                                      dedup_key=f"reminder:{deadline_id}"), now):
                    reminders += 1
                done_remind.append((stamp, deadline_id))
            await conn.executemany("UPDATE deadlines SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
                                   done_remind)
            await conn.executemany("UPDATE deadlines SET expired_notified_at = ? WHERE id = ? "
                                   "AND expired_notified_at IS NULL", done_expire)
        result = RunResult(reminders, expired, escalations)
        if result.queued:
            log.info("reminders: %d reminders, %d expiry notices, %d escalations queued", reminders, expired,
                     escalations)
        return result


#: Seconds by which the job may differ from the computed moment before it is set again.
RESCHEDULE_TOLERANCE = 1.0


class ReminderScheduler:
    """One APScheduler date job at the next due moment, kept in step with the database."""

    JOB_ID = "reminders-next"
    SAFETY_JOB_ID = "reminders-safety"

    def __init__(self, service: ReminderService, clock: Clock, *, on_queued: Callable[[], None] | None = None,
                 safety_seconds: float = 60.0) -> None:
        self.service = service
        self.clock = clock
        self.on_queued = on_queued or (lambda: None)
        self.safety_seconds = safety_seconds
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._lock = asyncio.Lock()
        self._dirty = False
        self._resync_task: asyncio.Task[None] | None = None
        self.next_run: datetime | None = None        # in the injected clock's time
        self.started = False

    async def start(self) -> RunResult:
        """Rebuild from the database: every open deadline's moments, the catch-up run, the job."""
        async with self._lock:
            await self.service.plan(full=True)
            result = await self._run_locked()
            if not self.scheduler.running:
                self.scheduler.start()
            self.scheduler.add_job(self.tick, "interval", seconds=self.safety_seconds, id=self.SAFETY_JOB_ID,
                                   replace_existing=True, coalesce=True, max_instances=1)
            self.started = True
            await self._reschedule_locked()
        return result

    async def stop(self) -> None:
        self.started = False
        task = self._resync_task
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def resync(self) -> None:
        """After a case changed (called from ``CaseService.on_commit``): plan it and move the job."""
        if not self.started:
            return
        self._dirty = True
        if self._resync_task is None or self._resync_task.done():
            self._resync_task = asyncio.get_running_loop().create_task(self._resync_loop())

    async def _resync_loop(self) -> None:
        while self._dirty:
            self._dirty = False
            try:
                await self.sync()
            except Exception:
                log.exception("reminder resync failed")

    async def sync(self, *, full: bool = False) -> None:
        async with self._lock:
            await self.service.plan(full=full)
            await self._reschedule_locked()

    async def tick(self) -> RunResult:
        """Run what is due, then move the job to the next moment (the job's and the safety job's body)."""
        async with self._lock:
            await self.service.plan()
            result = await self._run_locked()
            await self._reschedule_locked()
        return result

    async def _run_locked(self) -> RunResult:
        result = await self.service.run_due()
        if result.queued:
            self.on_queued()
        return result

    async def _reschedule_locked(self) -> None:
        nxt = await self.service.next_due()
        self.next_run = nxt
        if not self.scheduler.running:
            return
        if nxt is None:
            if self.scheduler.get_job(self.JOB_ID) is not None:
                self.scheduler.remove_job(self.JOB_ID)
            return
        # The job runs on the real clock; the moment comes from the injected one.
        delay = max(0.0, (nxt - self.clock.now()).total_seconds())
        run_date = datetime.now(UTC) + timedelta(seconds=delay)
        job = self.scheduler.get_job(self.JOB_ID)
        if job is not None and job.next_run_time is not None \
                and abs((job.next_run_time - run_date).total_seconds()) < RESCHEDULE_TOLERANCE:
            return      # already set for that moment: most commits do not move the next reminder
        self.scheduler.add_job(self.tick, "date", run_date=run_date, id=self.JOB_ID, replace_existing=True,
                               misfire_grace_time=None, coalesce=True)
