"""Reminders and escalations, derived from the database and queued in the outbox.

The database is the truth. For every open deadline the service stores the moments of its reminder and
of its expiry notice (``deadlines.reminders``: 2/3 of the rule's time by default, moved into working
time) beside the deadline; ``run_due(now)`` then, in ONE transaction, finds every deadline whose moment
has passed and whose ``reminded_at`` / ``expired_notified_at`` is still NULL, queues the notices with
dedup keys ``reminder:<id>``, ``expired:<id>``, ``escalation:<id>`` (the outbox's UNIQUE key makes
"never twice" hold across restarts and races) and sets those columns.

``ReminderScheduler`` keeps ONE date job on the one scheduler (bot/jobs/scheduler.py) at the next due
moment (an indexed MIN() over the stored moments and the earliest clarification request whose operator
is still to be asked), recomputed after every run and after every change of a case, plus a safety job
every minute; at start it recomputes every open deadline's moments and runs a catch-up whose reminders
say they are late. No persistent job store: nothing is pickled, a restart rebuilds from the database.

Nobody is woken outside working time: when the process runs outside working hours (a catch-up at
night), due notices wait for the next working opening; dates declared working (cl. 8) are working
days of the calendar. An organisation's own extra days off (issue 14) hold its notices the same way (each
row on its case's organisation's calendar) while another organisation's go out. A case the head decided
to work on outside working hours (cl. 8 per case) is the exception: its moments fall at night too, and its
notices go out then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain import accountability, audit
from bot.domain.notices import ClarificationOverdue, ClockDue, Escalation, Notice, NoticeKind
from bot.domain.orgs import Scope
from bot.jobs.scheduler import Scheduler
from bot.runtime.clock import Clock
from bot.runtime.logs import log_context
from deadlines.calendar import WorkCalendar
from deadlines.orgs import OrgDeadlines
from deadlines.reminders import DEFAULT_FRACTION, moments, reminder_moment, waking
from deadlines.rules import Deadlines
from storage.cases import CaseRepository
from storage.db import Database
from storage.events import EventRepository
from storage.orgs import OrganisationRepository
from storage.outbox import OutboxRepository
from storage.reminders import Planned, ReminderRepository, clarification_key

log = logging.getLogger(__name__)

DEFAULT_ESCALATE = frozenset({"answer", "final"})
#: A notice sent this long after its moment says it is late (the bot was down or busy).
LATE_AFTER = timedelta(minutes=2)
#: After closing time notices may still go out this long (a job fires a little after 18:00:00).
CLOSING_GRACE = timedelta(minutes=5)

@dataclass(frozen=True)
class RunResult:
    reminders: int = 0
    expired: int = 0
    escalations: int = 0
    deferred: bool = False          # outside working time: nothing sent, waits for the opening
    clarifications: int = 0         # operators asked to close a case whose author did not answer

    @property
    def queued(self) -> int:
        return self.reminders + self.expired + self.escalations + self.clarifications


class ReminderService:
    def __init__(self, db: Database, deadlines: Deadlines, clock: Clock, *,
                 fractions: Mapping[str, float] | None = None, escalate: Iterable[str] = DEFAULT_ESCALATE,
                 escalate_official: Iterable[str] = (), coordinator: Iterable[str] = (),
                 late_after: timedelta = LATE_AFTER, clarification_wait_days: int = 3) -> None:
        self.db = db
        self.deadlines = deadlines
        self.clock = clock
        self.fractions = dict(fractions or {})
        self.escalate = frozenset(escalate)
        self.escalate_official = frozenset(escalate_official)
        self.coordinator = frozenset(coordinator)           # COORDINATOR_RULES (issue 14 §3)
        self.late_after = late_after
        self.clarification_wait_days = clarification_wait_days
        self.outbox = OutboxRepository()
        self.events = EventRepository()
        self.repo = ReminderRepository()
        self.cases = CaseRepository()
        self.orgs = OrganisationRepository()
        self.org_deadlines = OrgDeadlines(deadlines)

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
        rows = await self.repo.to_plan(self.db.conn, full=full)
        if not rows:
            return 0
        planned: list[Planned] = []
        days_off = {o.id: o.days_off for o in await self.orgs.all(self.db.conn, include_archived=True)}
        for r in rows:
            # The case's organisation's calendar: the republic's plus its own extra days off (issue 14).
            deadlines = self.org_deadlines.of(r.org_id, days_off.get(r.org_id, ()))
            cal = deadlines.calendar
            spec = self.deadlines.rules.get(r.rule)
            clock = spec.clock if spec else "working"
            m = moments(cal, r.started_at, r.due_at, clock=clock, fraction=self.fraction(r.rule), night=r.at_night)
            remind_at = m.remind_at
            if r.rule == "approval" and r.case_due_at is not None:
                # cl. 13–16: remind against the latest approval that still lets the answer out in time.
                latest = deadlines.latest_approval(r.due_at, r.case_due_at)
                if latest < r.due_at:
                    remind_at = reminder_moment(cal, r.started_at, latest, clock=clock,
                                                fraction=self.fraction(r.rule), night=r.at_night)
            planned.append(Planned(r.deadline_id, remind_at, m.expire_at, r.due_at_raw))
        async with self.db.transaction() as conn:
            await self.repo.save_plan(conn, planned)
        return len(planned)

    async def next_due(self, now: datetime | None = None) -> datetime | None:
        """The next moment a run has something to do (never inside non-working time)."""
        stored = await self.repo.next_moment(self.db.conn)
        since = await self.repo.next_unasked_clarification(self.db.conn)      # the operator's question (cl. 6)
        asked = self.clarification_deadline(since) if since is not None else None
        if asked is not None:
            stored = asked if stored is None else min(stored, asked)
        if stored is None:
            return None
        moment = stored.astimezone(self.calendar.tz)
        now = now or self.clock.now()
        if moment <= now and not self.is_waking(now):
            opening = waking(self.calendar, now)
            night = await self.repo.next_night_moment(self.db.conn, now)   # cases on calendar time (cl. 8)
            return opening if night is None else min(opening, max(night.astimezone(self.calendar.tz), now))
        if moment <= now and (asked is None or asked > now):
            return await self._held_until(now, asked) or moment
        return moment

    async def _held_until(self, now: datetime, asked: datetime | None) -> datetime | None:
        """When everything due at ``now`` waits for its organisation's own working time (its day off, issue
        14): the next moment there is something to do — the earliest of those organisations' openings, of
        the moments still to come and of the operator's question; None when something due can go now."""
        due = await self.repo.due(self.db.conn, now)
        calendar_of = await self._calendars(self.db.conn)
        if not due or any(r.night or self.is_waking(now, calendar_of(r.org_id)) for r in due):
            return None
        later = await self.repo.next_moment_after(self.db.conn, now)
        return min([*(waking(calendar_of(org_id), now) for org_id in {r.org_id for r in due}),
                    *(m.astimezone(self.calendar.tz) for m in (later, asked) if m is not None)])

    async def _calendars(self, conn: Any) -> Callable[[int], WorkCalendar]:
        """Each organisation's calendar: the republic's plus its own extra days off (issue 14)."""
        days_off = {o.id: o.days_off for o in await self.orgs.all(conn, include_archived=True)}
        return lambda org_id: self.org_deadlines.of(org_id, days_off.get(org_id, ())).calendar

    def is_waking(self, now: datetime, calendar: WorkCalendar | None = None) -> bool:
        cal = calendar if calendar is not None else self.calendar
        return bool(cal.is_working_time(now) or cal.is_working_time(now - CLOSING_GRACE))

    # ---- running --------------------------------------------------------------------------------
    async def run_due(self, now: datetime | None = None) -> RunResult:
        """Queue every due reminder, expiry notice and escalation in one transaction."""
        now = now or self.clock.now()
        awake = self.is_waking(now)
        if not awake and await self.repo.next_night_moment(self.db.conn, now) is None:
            return RunResult(deferred=True)
        reminders = expired = escalations = 0
        async with self.db.transaction() as conn:
            rows = await self.repo.due(conn, now)
            if not awake:       # at night only the cases the head decided to work on then (cl. 8)
                rows = [r for r in rows if r.night]
            elif rows:          # an organisation's own day off: its notices wait like on a holiday (issue 14)
                calendar_of = await self._calendars(conn)
                rows = [r for r in rows if r.night or self.is_waking(now, calendar_of(r.org_id))]
            done_remind: list[int] = []
            done_expire: list[int] = []
            await self._attribute(conn, {r.case_id for r in rows
                                         if r.expire_at is not None and r.expire_at <= now and not r.expiry_notified},
                                  now)
            for r in rows:
                if r.expire_at is not None and r.expire_at <= now and not r.expiry_notified:
                    late = now - r.expire_at > self.late_after
                    if await self.outbox.add(conn, Notice(NoticeKind.EXPIRED, "owner", None, r.case_id,
                                                          ClockDue(r.deadline_id, r.rule, r.due_at_raw, late),
                                                          dedup_key=f"expired:{r.deadline_id}"), now):
                        expired += 1
                    if r.rule in self.escalate and await self.outbox.add(
                            conn, Notice(NoticeKind.ESCALATION, "head", None, r.case_id,
                                         Escalation(r.deadline_id, r.rule, r.due_at_raw, r.department_id, late),
                                         dedup_key=f"escalation:{r.deadline_id}"), now):
                        escalations += 1
                    if r.rule in self.escalate_official and await self.outbox.add(
                            conn, Notice(NoticeKind.ESCALATION, "official", None, r.case_id,
                                         Escalation(r.deadline_id, r.rule, r.due_at_raw, r.department_id, late),
                                         dedup_key=f"escalation_official:{r.deadline_id}"), now):
                        escalations += 1
                    if r.rule in self.coordinator and await self.outbox.add(
                            conn, Notice(NoticeKind.COORDINATOR_MISS, "coordinator", None, r.case_id,
                                         Escalation(r.deadline_id, r.rule, r.due_at_raw, r.department_id, late),
                                         dedup_key=f"escalation_coordinator:{r.deadline_id}"), now):
                        escalations += 1
                    await self.events.append(conn, audit.by_system(
                        "deadline_missed", {"rule": r.rule, "department_id": r.department_id, "due_at": r.due_at_raw,
                                            "escalated": r.rule in self.escalate,
                                            "to_official": r.rule in self.escalate_official}, case_id=r.case_id), now)
                    # A reminder not sent by now is pointless: the expiry notice says more.
                    done_expire.append(r.deadline_id)
                    if not r.reminded:
                        done_remind.append(r.deadline_id)
                    continue
                assert r.remind_at is not None
                late = now - r.remind_at > self.late_after
                if await self.outbox.add(conn, Notice(NoticeKind.REMINDER, "owner", None, r.case_id,
                                                      ClockDue(r.deadline_id, r.rule, r.due_at_raw, late),
                                                      dedup_key=f"reminder:{r.deadline_id}"), now):
                    reminders += 1
                done_remind.append(r.deadline_id)
            await self.repo.mark_reminded(conn, done_remind, now)
            await self.repo.mark_expiry_notified(conn, done_expire, now)
            clarifications = await self._unanswered_clarifications(conn, now)
        result = RunResult(reminders, expired, escalations, clarifications=clarifications)
        if result.queued:
            log.info("reminders: %d reminders, %d expiry notices, %d escalations queued", reminders, expired,
                     escalations)
        return result


    def clarification_deadline(self, since: datetime) -> datetime:
        """``CLARIFICATION_WAIT_DAYS`` working days after the clarification was published (the same time of
        day on the N-th next working day, moved into working time)."""
        cal = self.calendar
        local = since.astimezone(cal.tz)
        day = local.date()
        for _ in range(self.clarification_wait_days):
            day = cal.next_working_day(day)
        return waking(cal, datetime.combine(day, local.timetz()))

    async def _unanswered_clarifications(self, conn: Any, now: datetime) -> int:
        """Ask the operator once (dedup key per published request) to close or answer a case whose author
        has not replied for ``clarification_wait_days`` working days. Part of every run (the safety job
        runs each minute), so a restart never asks twice and never forgets."""
        queued = 0
        for w in await self.repo.waiting_for_author(conn):
            if self.clarification_deadline(w.since) > now:
                continue
            if await self.outbox.add(conn, Notice(NoticeKind.CLARIFICATION_OVERDUE, "operator", w.operator_id,
                                                  w.case_id,
                                                  ClarificationOverdue(w.since_raw, self.clarification_wait_days),
                                                  dedup_key=clarification_key(w.case_id, w.since_raw)), now):
                queued += 1
                await self.events.append(conn, audit.by_system(
                    "clarification_overdue", {"since": w.since_raw, "days": self.clarification_wait_days},
                    case_id=w.case_id), now)
        return queued

    async def _attribute(self, conn: Any, case_ids: Iterable[int], now: datetime) -> None:
        """Fix who owes each clock that has run out, as the case stands now — at its expiry."""
        for case_id in sorted(case_ids):
            case = await self.cases.get(conn, case_id, scope=Scope.all())   # the system's job: every organisation
            fixed = accountability.attribute(case, now, await self.cases.lead_of(conn, case))
            if fixed:
                await self.cases.save_blame(conn, fixed)


class ReminderScheduler:
    """One date job at the next due moment on the one scheduler, kept in step with the database."""

    JOB_ID = "reminders-next"
    SAFETY_JOB_ID = "reminders-safety"

    def __init__(self, service: ReminderService, scheduler: Scheduler, *,
                 on_queued: Callable[[], None] | None = None, safety_seconds: float = 60.0) -> None:
        self.service = service
        self.scheduler = scheduler
        self.on_queued = on_queued or (lambda: None)
        self.safety_seconds = safety_seconds
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
            self.scheduler.every(self.SAFETY_JOB_ID, self.safety_seconds, self.tick)
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
            except (asyncio.CancelledError, Exception):  # noqa: S110  stopping: the loop logged its own failures
                pass
        if self.scheduler.running:
            self.scheduler.cancel(self.JOB_ID)
            self.scheduler.cancel(self.SAFETY_JOB_ID)

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
        with log_context(case=None, actor_id=None, actor_role=None):   # not whoever scheduled the job
            return await self._tick()

    async def _tick(self) -> RunResult:
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
            self.scheduler.cancel(self.JOB_ID)
        else:
            self.scheduler.at(self.JOB_ID, nxt, self.tick)
