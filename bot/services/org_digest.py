"""The coordinator's morning digest across organisations (issue 14 §3, cl. 2): one line per active
organisation — open cases, overdue now, answers due today, new since the previous working day — the worst
first. Queued once a day (dedup key per day) at the first of DIGEST_TIMES, like the heads' digests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

from bot import texts
from bot.domain.notices import CoordinatorAlert, Notice, NoticeKind
from bot.runtime.clock import Clock
from deadlines.calendar import WorkCalendar
from storage.db import Database
from storage.outbox import OutboxRepository
from storage.recipients import OrgDigestRepository

#: The coordinator's chats (bot.services.recipients.Recipients.coordinator).
CoordinatorChats = Callable[[], Awaitable[list[int]]]


class CoordinatorDigest:
    def __init__(self, db: Database, calendar: WorkCalendar, clock: Clock, coordinator: CoordinatorChats) -> None:
        self.db, self.calendar, self.clock = db, calendar, clock
        self.coordinator = coordinator
        self.repo = OrgDigestRepository()
        self.outbox = OutboxRepository()

    def since(self, now: datetime) -> datetime:
        """The start of the previous working day (weekend posts included), as the heads' morning digest."""
        tz = self.calendar.tz
        today = now.astimezone(tz).date()
        prev = today - timedelta(days=1)
        while not self.calendar.is_working_day(prev) and (today - prev).days < 14:
            prev -= timedelta(days=1)
        return datetime.combine(prev, time(0), tz)

    async def text(self, now: datetime) -> str:
        tz = self.calendar.tz
        today = now.astimezone(tz).date()
        day_end = datetime.combine(today + timedelta(days=1), time(0), tz)
        rows = await self.repo.counts(self.db.conn, now, day_end, self.since(now))
        rows.sort(key=lambda r: (-r[3], -r[4], -r[2], r[1].lower()))      # the worst first: overdue, due, open
        text = texts.COORDINATOR_DIGEST_TITLE.format(date=today.strftime("%d.%m.%Y"))
        for _id, name, open_, overdue, due_today, new in rows:
            text += texts.COORDINATOR_DIGEST_LINE.format(org=texts.esc(name), open=open_, overdue=overdue,
                                                         due_today=due_today, new=new)
        return text if rows else text + texts.COORDINATOR_DIGEST_NONE

    async def send(self) -> bool:
        """Queue the digest for the coordinator's chats, once a day; False when there is no coordinator."""
        if not await self.coordinator():
            return False
        now = self.clock.now()
        day = now.astimezone(self.calendar.tz).date()
        text = await self.text(now)
        async with self.db.transaction() as conn:
            queued = await self.outbox.add(conn, Notice(NoticeKind.COORDINATOR_ALERT, "coordinator", None, None,
                                                        CoordinatorAlert(text),
                                                        dedup_key=f"coordinator-digest:{day.isoformat()}"), now)
        return queued is not None
