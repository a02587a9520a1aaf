"""The one scheduler of timed work: APScheduler 3 with its memory job store, on the injected clock.

It runs the reminders' next moment and their safety tick (bot/jobs/reminders.py), the head's digests and
the backups (bot/jobs/daily.py). Nothing is pickled: every job is derived from the database at start,
and catch-up after downtime and "never twice" come from the database too. A job is set at a moment of
the injected clock; APScheduler waits the same span on the wall clock. Tests and the demo move a
FakeClock and let APScheduler run a job now with :meth:`Scheduler.fire`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime.clock import Clock, SystemClock

Job = Callable[[], Awaitable[Any]]

#: Seconds by which a job may differ from the computed moment before it is set again.
RESCHEDULE_TOLERANCE = 1.0


class Scheduler(AsyncIOScheduler):
    def __init__(self, clock: Clock) -> None:
        super().__init__(timezone=UTC)
        self.clock = clock
        self.moments: dict[str, datetime] = {}       # job id -> its moment in the injected clock's time
        self._wall = SystemClock(UTC)
        self._running: set[asyncio.Task[Any]] = set()

    def _tracked(self, job: Job) -> Job:
        async def run() -> Any:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                return await job()
            finally:
                self._running.discard(task)

        return run

    async def stop(self) -> None:
        """No job starts any more; a job running is cancelled, and awaited."""
        if self.running:
            self.shutdown(wait=False)
        await asyncio.gather(*self._running, return_exceptions=True)

    def at(self, job_id: str, moment: datetime, job: Job) -> None:
        """Run ``job`` once at ``moment``, in place of the job of that id (kept if already set for it)."""
        self.moments[job_id] = moment
        delay = max(0.0, (moment - self.clock.now()).total_seconds())
        run_date = self._wall.now() + timedelta(seconds=delay)
        current = self.get_job(job_id)
        if current is not None and current.next_run_time is not None \
                and abs((current.next_run_time - run_date).total_seconds()) < RESCHEDULE_TOLERANCE:
            return      # most commits do not move the next reminder
        self.add_job(self._tracked(job), "date", run_date=run_date, id=job_id, replace_existing=True,
                     misfire_grace_time=None, coalesce=True)

    def every(self, job_id: str, seconds: float, job: Job) -> None:
        self.add_job(self._tracked(job), "interval", seconds=seconds, id=job_id, replace_existing=True,
                     coalesce=True, max_instances=1)

    def cancel(self, job_id: str) -> None:
        self.moments.pop(job_id, None)
        if self.get_job(job_id) is not None:
            self.remove_job(job_id)

    def moment_of(self, job_id: str) -> datetime | None:
        """The moment the date job ``job_id`` is set for, None when it is not set."""
        return self.moments.get(job_id) if self.get_job(job_id) is not None else None

    async def fire(self, job_id: str) -> None:
        """Let APScheduler run the job now and wait until it has run (its error is raised): the moment
        has come on a clock moved by hand (tests, the demo)."""
        done = asyncio.Event()
        errors: list[BaseException] = []

        def listener(event: JobExecutionEvent) -> None:
            if event.job_id == job_id:
                if getattr(event, "exception", None) is not None:
                    errors.append(event.exception)
                done.set()

        self.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        try:
            self.modify_job(job_id, next_run_time=self._wall.now())
            await asyncio.wait_for(done.wait(), timeout=15)
        finally:
            self.remove_listener(listener)
        if errors:
            raise errors[0]
