"""The demo's time: the real digest loop and the real reminder job woken when the moving clock says so."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent

from bot.jobs.reminders import ReminderScheduler
from bot.runtime.clock import FakeClock, SystemClock


class ClockSleeper:
    """``sleep`` for the real digest loop: it returns when the demo's clock reaches the moment."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waiting: list[tuple[datetime, asyncio.Future[None]]] = []
        self.asleep = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((self.clock.now() + timedelta(seconds=seconds), future))
        self.asleep.set()
        await future

    def next_wake(self) -> datetime | None:
        return min((at for at, f in self.waiting if not f.done()), default=None)

    async def until_asleep(self, task: asyncio.Task[Any]) -> None:
        """Wait until the loop sleeps again (or ends)."""
        sleeping = asyncio.ensure_future(self.asleep.wait())
        try:
            await asyncio.wait({sleeping, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()

    async def wake_due(self, task: asyncio.Task[Any]) -> None:
        """Wake the sleepers whose moment has come and wait until the loop sleeps again (or ends)."""
        due = [(at, f) for at, f in self.waiting if at <= self.clock.now()]
        if not due:
            return
        self.asleep.clear()
        for item in due:
            self.waiting.remove(item)
            item[1].set_result(None)
        await self.until_asleep(task)


async def fire_reminder_job(reminders: ReminderScheduler) -> str | None:
    """Let APScheduler run the ReminderScheduler's date job now (its moment has come on the demo's clock);
    the job's error, if it failed."""
    scheduler = reminders.scheduler
    if scheduler.get_job(ReminderScheduler.JOB_ID) is None:
        await reminders.sync()
    if scheduler.get_job(ReminderScheduler.JOB_ID) is None:
        return None
    done = asyncio.Event()
    errors: list[BaseException] = []

    def listener(event: JobExecutionEvent) -> None:
        if event.job_id == ReminderScheduler.JOB_ID:
            if getattr(event, "exception", None) is not None:
                errors.append(event.exception)
            done.set()

    scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    try:     # APScheduler runs on the wall clock: "now" is its own
        scheduler.modify_job(ReminderScheduler.JOB_ID, next_run_time=SystemClock(UTC).now())
        await asyncio.wait_for(done.wait(), timeout=15)
    finally:
        scheduler.remove_listener(listener)
    return repr(errors[0]) if errors else None
