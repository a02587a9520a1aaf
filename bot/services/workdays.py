"""Calendar edits from the bot: declared working days (cl. 8), regional days off, extra working days.

The calendar overrides file (``CALENDAR_PATH``) stays the one place these days live: every change
re-reads it, changes one date, writes it atomically, swaps the running calendar's overrides and is
audited (``events`` with ``case_id`` NULL). The open deadlines are then counted again on the new calendar
(``recompute``: ``CaseService.recompute_open``, each moved case audited) and reminder moments follow
(``on_change``).

On PostgreSQL (several processes, possibly on two servers) the database is the one place instead
(``bot/services/calendar_sync.py``): a change is stored there with a new version in the transaction of its
audit event, and every process takes another's change within seconds.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.domain import audit
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Actor, Role
from bot.runtime.clock import Clock
from bot.services.calendar_sync import SharedCalendar
from deadlines.calendar import CalendarOverrides, WorkCalendar
from storage.db import Database
from storage.events import EventRepository
from storage.orgs import OrganisationRepository

DECLARED = "declared_working_days"
DAY_OFF = "regional_days_off"
EXTRA_WORKING = "extra_working_days"
FIELDS = (DECLARED, DAY_OFF, EXTRA_WORKING, "extra_shortened_days")

_DATE_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})\s*$")


def parse_day(text: str) -> date:
    """``2026-12-05`` or ``05.12.2026``; ValueError otherwise."""
    m = _DATE_RE.match(text or "")
    if not m:
        raise ValueError(text)
    value = m.group(1)
    if "-" in value:
        return date.fromisoformat(value)
    return datetime.strptime(value, "%d.%m.%Y").date()


class WorkdayService:
    def __init__(self, db: Database, clock: Clock, calendar: WorkCalendar, path: Path | str,
                 on_change: Callable[[], Awaitable[None]] | None = None,
                 recompute: Callable[[Actor, dict[str, Any]], Awaitable[list[str]]] | None = None, *,
                 recompute_org: Callable[[Actor, dict[str, Any], int], Awaitable[list[str]]] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.calendar = calendar
        self.path = Path(path)
        self.on_change = on_change
        self.recompute = recompute
        self.recompute_org = recompute_org      # the open deadlines of one organisation (its own days off)
        self.events = EventRepository()
        self.orgs = OrganisationRepository()
        self._lock = asyncio.Lock()
        # PostgreSQL: the database is the calendar's one place for every process (None on SQLite: the file)
        self.shared = SharedCalendar(db, calendar, self.path, self._lock, on_change) if db.is_postgresql else None

    async def load(self) -> None:
        """At start, on PostgreSQL: the overrides of the database (seeded from the file the first time)."""
        if self.shared is not None:
            await self.shared.load()

    def start_sync(self) -> None:
        """On PostgreSQL: check every few seconds whether another process changed the calendar."""
        if self.shared is not None:
            self.shared.start()

    async def stop_sync(self) -> None:
        if self.shared is not None:
            await self.shared.stop()

    @property
    def in_database(self) -> bool:
        return self.shared is not None

    async def refresh(self) -> None:
        """Before showing the calendar: another process's change taken now, not at the next check."""
        if self.shared is not None:
            await self.shared.check()

    def overrides(self) -> CalendarOverrides:
        return self.calendar.overrides

    def declared(self) -> list[date]:
        return sorted(self.calendar.overrides.declared_working_days)

    @staticmethod
    def may_declare(actor: Actor | None) -> bool:
        """cl. 8: by the head's decision (in the head's chat), or an administrator."""
        return actor is not None and actor.role in (Role.HEAD, Role.ADMIN)

    async def declare(self, actor: Actor, day: date, *, remove: bool = False) -> bool:
        """Declare ``day`` working for this process (or withdraw it); False when nothing changed."""
        if not self.may_declare(actor):
            raise AccessDenied("admin_only")
        if not remove:
            await self.refresh()            # PostgreSQL: whether the day works, by the newest calendar
            if day < self.clock.now().astimezone(self.calendar.tz).date():
                raise ValidationFailed("date_in_past")
            if day not in self.calendar.overrides.declared_working_days and self.calendar.is_working_day(day):
                raise ValidationFailed("already_working")
        return await self._change(actor, DECLARED, day, remove=remove,
                                  kind="workday_undeclared" if remove else "workday_declared")

    async def edit(self, actor: Actor, field: str, day: date, *, remove: bool = False) -> bool:
        """Administrators edit regional days off and extra working days."""
        if actor.role != Role.ADMIN:
            raise AccessDenied("admin_only")
        if field not in FIELDS:
            raise ValidationFailed("validation")
        return await self._change(actor, field, day, remove=remove, kind="calendar_changed")

    async def _change(self, actor: Actor, field: str, day: date, *, remove: bool, kind: str) -> bool:
        async with self._lock:
            if self.shared is not None:
                if not await self._change_shared(self.shared, actor, field, day, remove=remove, kind=kind):
                    return False
            elif not await self._change_file(actor, field, day, remove=remove, kind=kind):
                return False
            if self.recompute is not None:      # the deadlines change, not only the reminders (cl. 8)
                await self.recompute(actor, {"field": field, "date": day.isoformat(),
                                             "action": "remove" if remove else "add"})
        if self.on_change is not None:
            await self.on_change()
        return True

    async def _change_file(self, actor: Actor, field: str, day: date, *, remove: bool, kind: str) -> bool:
        # The file is the truth (an administrator may have edited it by hand since the start).
        current = CalendarOverrides.load(self.path) if self.path.exists() else copy.deepcopy(
            self.calendar.overrides)
        if not _toggle(current, field, day, remove=remove):
            return False
        current.save(self.path)
        self.calendar.overrides = current      # the setter drops the calendar's caches
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.events.append(conn, self._event(actor, kind, field, day, remove=remove), now)
        return True

    async def _change_shared(self, shared: SharedCalendar, actor: Actor, field: str, day: date, *, remove: bool,
                             kind: str) -> bool:
        # The database is the truth: read under the deployment's write lock, so no process's change is lost.
        now = self.clock.now()
        async with self.db.transaction() as conn:
            version, current = await shared.current(conn)
            if not _toggle(current, field, day, remove=remove):
                return False
            version = await shared.store(conn, version, current)
            await self.events.append(conn, self._event(actor, kind, field, day, remove=remove), now)
        shared.applied(version, current)
        return True

    @staticmethod
    def _event(actor: Actor, kind: str, field: str, day: date, *, remove: bool) -> audit.AuditEvent:
        return audit.by(actor, kind, {"field": field, "date": day.isoformat(), "action": "remove" if remove else "add"},
                        named=True)

    # ---- an organisation's own extra days off (issue 14 §1) ----------------------------------------------
    async def org_days_off(self, org_id: int) -> tuple[str, list[date]]:
        """The organisation's name and its own extra days off."""
        org = await self.orgs.get(self.db.conn, org_id)
        return (org.name, list(org.days_off)) if org is not None else ("", [])

    async def org_day_off(self, actor: Actor, day: date, *, remove: bool = False) -> bool:
        """An admin adds (or removes) a day off of the organisation they act for, on top of the republic's
        calendar; audited; its open deadlines are counted again. False when nothing changed."""
        if actor.role != Role.ADMIN or actor.org_id is None:
            raise AccessDenied("admin_only")
        org_id = actor.org_id
        if not remove and day < self.clock.now().astimezone(self.calendar.tz).date():
            raise ValidationFailed("date_in_past")
        async with self._lock:
            now = self.clock.now()
            async with self.db.transaction() as conn:
                org = await self.orgs.get(conn, org_id)
                if org is None:
                    raise ValidationFailed("org_not_found")
                days = set(org.days_off)
                if (day in days) != remove:
                    return False
                await self.orgs.set_days_off(conn, org_id, sorted(days - {day} if remove else days | {day}))
                await self.events.append(conn, audit.by(actor, "org_day_off", {
                    "org_id": org_id, "date": day.isoformat(), "action": "remove" if remove else "add"},
                    named=True), now)
                bumped = await self.shared.bump(conn) if self.shared is not None else None
            if self.shared is not None and bumped is not None:      # the other processes' reminders follow
                self.shared.applied(*bumped)
            if self.recompute_org is not None:
                await self.recompute_org(actor, {"field": "org_days_off", "org_id": org_id, "date": day.isoformat(),
                                                 "action": "remove" if remove else "add"}, org_id)
        if self.on_change is not None:
            await self.on_change()
        return True


def _toggle(overrides: CalendarOverrides, field: str, day: date, *, remove: bool) -> bool:
    """Add (or remove) ``day`` in ``field`` of ``overrides``; False when it is already so."""
    days: set[date] = getattr(overrides, field)
    if (day in days) != remove:
        return False
    if remove:
        days.discard(day)
    else:
        days.add(day)
    return True
