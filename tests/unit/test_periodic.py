"""Jobs at times of day (bot/jobs/times.py, bot/jobs/daily.py): the moments and the job on the one
scheduler, on a FakeClock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.domain.times import daily_moments
from bot.jobs.daily import DailyJob, Job
from bot.jobs.scheduler import Scheduler
from bot.runtime.clock import FakeClock
from tests.conftest import MSK, msk
from tests.support.sleep import LoopStopped, drive


def test_daily_moments_skip_the_days_not_accepted() -> None:
    weekdays_only = daily_moments([time(9)], MSK, msk(2026, 12, 4, 10, 0), count=2,
                                  is_day=lambda d: d.weekday() < 5)
    assert weekdays_only == [msk(2026, 12, 7, 9, 0), msk(2026, 12, 8, 9, 0)]      # Friday 10:00 -> Monday
    assert daily_moments([], MSK, msk(2026, 12, 4, 10, 0)) == []
    assert daily_moments([time(9)], MSK, msk(2026, 12, 4, 10, 0), is_day=lambda d: d == date(1999, 1, 1)) == []


async def test_a_job_woken_early_waits_again_and_a_failing_job_does_not_stop_it() -> None:
    clock = FakeClock(msk(2026, 12, 1, 8, 0))
    ran: list[object] = []
    waits: list[float] = []

    def upcoming(after: datetime) -> tuple[datetime, Job]:
        moment = daily_moments([time(9)], MSK, after)[0]

        async def job() -> None:
            ran.append(clock.now())
            if len(ran) == 1:
                raise RuntimeError("disk full")

        return moment, job

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > 3:
            raise LoopStopped
        # the first wait ends a minute early (the system clock was moved); the others on time
        clock.advance(seconds=seconds - (60 if len(waits) == 1 else 0))

    scheduler = Scheduler(clock)
    scheduler.start()
    DailyJob("test", upcoming, catch_up=timedelta(0), what="test").start(scheduler)
    with pytest.raises(LoopStopped):
        await drive(scheduler, "test", sleep)
    await scheduler.stop()
    assert waits[:2] == [3600.0, 60.0]
    assert ran == [msk(2026, 12, 1, 9, 0), msk(2026, 12, 2, 9, 0)]       # the failure of the first, logged
