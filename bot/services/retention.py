"""Retention of personal data (152-ФЗ; docs/security.md «Срок хранения»): finished cases older than
RETENTION_MONTHS are anonymised, every day (bot/jobs/retention.py).

A run takes the due cases in batches; each batch is one write transaction that anonymises its cases
(storage/retention.py) and appends one audit event with what it changed. A run with nothing to do still
appends its event: the audit trail shows the rule is applied, and the job reads its last run from there, so
a restart catches up and a day is never run twice. Anonymising is idempotent besides: a case is anonymised
once (``cases.anonymised_at``), a second run changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, tzinfo

from bot import texts
from bot.domain import audit
from bot.domain.notices import Notice, NoticeKind, Words
from bot.domain.retention import Anonymised, cutoff
from bot.domain.times import daily_moments
from bot.runtime.clock import Clock
from storage.db import Database
from storage.events import EventRepository
from storage.outbox import OutboxRepository
from storage.retention import RUN_EVENT, RetentionRepository

log = logging.getLogger(__name__)

#: The local time of the daily run: after the night's backup (BACKUP_TIMES 03:00 by default), before work.
RETENTION_TIME = time(4, 30)
#: Cases per transaction: the write lock is never held long, even for the first run over years of cases.
BATCH = 100


class RetentionService:
    def __init__(self, db: Database, clock: Clock, tz: tzinfo, months: int, *, batch: int = BATCH,
                 on_queued: Callable[[], None] | None = None) -> None:
        self.db, self.clock, self.tz = db, clock, tz
        self.months = months
        self.batch = batch
        self.on_queued = on_queued or (lambda: None)
        self.repo = RetentionRepository()
        self.events = EventRepository()

    def cutoff(self, now: datetime | None = None) -> datetime:
        """Cases finished before this moment are due."""
        return cutoff(now or self.clock.now(), self.months, self.tz)

    def next_moment(self, after: datetime) -> datetime:
        return daily_moments([RETENTION_TIME], self.tz, after)[0]

    async def ran_since(self, moment: datetime) -> bool:
        last = await self.repo.last_run(self.db.conn)
        return last is not None and last >= moment

    async def run(self) -> Anonymised:
        """Anonymise every due case; return the totals."""
        now = self.clock.now()
        limit = self.cutoff(now)
        total = Anonymised()
        first = True
        while True:
            async with self.db.transaction() as conn:
                ids = await self.repo.due_cases(conn, limit, self.batch)
                if not ids and not first:
                    break
                done = await self.repo.anonymise(conn, ids, texts.ANONYMISED, now)
                if first:
                    done += Anonymised(outbox=await self.repo.redact_old_outbox(conn, limit, texts.ANONYMISED))
                await self.events.append(conn, audit.by_system(RUN_EVENT, {
                    **done.as_payload(), "months": self.months, "cutoff": limit.isoformat()}), now)
            total += done
            first = False
            if len(ids) < self.batch:
                break
        log.info("retention: %s cases finished before %s anonymised (%s)", total.cases, limit.isoformat(),
                 total.as_payload())
        return total

    async def report_failure(self, moment: datetime, error: BaseException) -> None:
        """Tell the admins through the outbox, once per scheduled moment; if even that fails, only log."""
        text = texts.RETENTION_FAILED_ALERT.format(
            at=texts.when(moment.astimezone(self.tz)), cutoff=self.cutoff(moment).astimezone(self.tz).strftime("%d.%m.%Y"),
            error=texts.esc(f"{type(error).__name__}: {error}"[:300]))
        try:
            async with self.db.transaction() as conn:
                await OutboxRepository().add(conn, Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(text),
                                                          dedup_key=f"retention_failed:{moment.isoformat()}"),
                                             self.clock.now())
        except Exception:
            log.exception("could not queue the retention failure alert")
            return
        self.on_queued()
