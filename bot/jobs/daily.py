"""Jobs at times of day on the one scheduler: the head's digests (DIGEST_TIMES, working days) and the
backups (BACKUP_TIMES, every day).

At start a job looks back ``catch_up``: a moment missed while the bot was down is run at once. The jobs
make themselves idempotent from the database (a digest's per-day dedup key in the outbox, "a backup made
since"), so a restart never repeats one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.jobs.scheduler import Scheduler
from bot.services.backups import BackupService
from bot.services.reports import DigestService

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
Upcoming = Callable[[datetime], tuple[datetime, Job] | None]

DIGEST_JOB = "digests"
BACKUP_JOB = "backups"
#: A digest missed while the bot was down is still sent if the bot is back within this time.
DIGEST_CATCH_UP = timedelta(hours=2)
#: A scheduled backup missed while the bot was down is made at start if it is at most this old.
BACKUP_CATCH_UP = timedelta(hours=24)


class DailyJob:
    """Runs each job ``upcoming(after)`` names at its moment, then sets the next one; a failing job is
    logged and the next moment is set all the same."""

    def __init__(self, job_id: str, upcoming: Upcoming, *, catch_up: timedelta, what: str) -> None:
        self.job_id = job_id
        self.upcoming = upcoming
        self.catch_up = catch_up
        self.what = what

    def start(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self._set_next(scheduler.clock.now() - self.catch_up)

    def _set_next(self, after: datetime) -> None:
        nxt = self.upcoming(after)
        if nxt is None:
            self.scheduler.cancel(self.job_id)
            return
        self._moment, self._job = nxt
        self.scheduler.at(self.job_id, self._moment, self._run)

    async def _run(self) -> None:
        moment = self._moment
        if self.scheduler.clock.now() < moment:         # woke early (the system clock moved): wait again
            self.scheduler.at(self.job_id, moment, self._run)
            return
        try:
            await self._job()
        except Exception:
            log.exception("%s at %s failed", self.what, moment)
        self._set_next(moment + timedelta(seconds=1))


def once(moment: datetime, done_since: Callable[[datetime], Awaitable[bool]], make: Callable[[], Awaitable[object]],
         report_failure: Callable[[datetime, BaseException], Awaitable[None]], *, what: str) -> Job:
    """The work of ``moment``, unless the database shows it done since (a restart does not repeat it); a
    failure is logged and told (``report_failure``)."""

    async def job() -> None:
        if await done_since(moment):
            log.info("%s of %s already made", what, moment)
            return
        try:
            await make()
        except Exception as exc:
            log.exception("scheduled %s failed", what)
            await report_failure(moment, exc)

    return job


def digest_job(digests: DigestService) -> DailyJob:
    """Each organisation's head's digest on working days at DIGEST_TIMES, and the coordinator's digest across
    organisations at the first of them; one missed by less than DIGEST_CATCH_UP goes out at start."""

    def upcoming(after: datetime) -> tuple[datetime, Job] | None:
        moments = digests.next_moments(after=after, count=1)
        if not moments:
            return None
        moment, kind = moments[0]
        return moment, lambda: digests.send_at(moment, kind)

    return DailyJob(DIGEST_JOB, upcoming, catch_up=DIGEST_CATCH_UP, what="digest")


def backup_job(backups: BackupService) -> DailyJob:
    """Backups every day at BACKUP_TIMES. One missed by less than BACKUP_CATCH_UP is made at start unless a
    backup was made since; a failure is logged and told to the admins."""

    def upcoming(after: datetime) -> tuple[datetime, Job] | None:
        moments = backups.next_moments(after=after, count=1)
        if not moments:
            return None
        moment = moments[0]

        async def made_since(at: datetime) -> bool:
            return backups.made_since(at)

        return moment, once(moment, made_since, backups.make, backups.report_failure, what="backup")

    return DailyJob(BACKUP_JOB, upcoming, catch_up=BACKUP_CATCH_UP, what="backup")
