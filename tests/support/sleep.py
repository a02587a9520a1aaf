"""Wall-clock time for the one scheduler (bot/jobs/scheduler.py) in tests: ``drive`` lets the time a job
waits pass with an injected ``sleep`` (which moves the FakeClock instead of waiting), then lets APScheduler
run the job, for ever; ``StepSleep`` records each wait and stops after ``limit`` of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.jobs.daily import DailyJob
from bot.jobs.scheduler import Scheduler
from bot.runtime.clock import FakeClock


class LoopStopped(Exception):
    pass


class StepSleep:
    def __init__(self, clock: FakeClock, limit: int) -> None:
        self.clock = clock
        self.limit = limit
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if len(self.calls) > self.limit:
            raise LoopStopped
        self.clock.advance(seconds=seconds)


async def drive(scheduler: Scheduler, job_id: str, sleep: Callable[[float], Awaitable[None]]) -> None:
    """Until ``sleep`` raises (or the job is no longer set): wait until the job's moment, run it."""
    while (moment := scheduler.moment_of(job_id)) is not None:
        await sleep(max(0.0, (moment - scheduler.clock.now()).total_seconds()))
        await scheduler.fire(job_id)


async def run_daily(job: DailyJob, clock: FakeClock, sleep: Callable[[float], Awaitable[None]]) -> None:
    """A start of the bot: a new scheduler, the job derived anew, driven until ``sleep`` stops it."""
    scheduler = Scheduler(clock)
    scheduler.start()
    try:
        job.start(scheduler)
        await drive(scheduler, job.job_id, sleep)
    finally:
        await scheduler.stop()
