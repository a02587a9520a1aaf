"""Jobs at fixed times of day (the head's digests, the backups): the times, the moments, the loop.

``run_at`` sleeps (an injected ``sleep``, so tests and the demo move a FakeClock instead of waiting)
until the next moment, runs the job, and goes on. At start it looks back ``catch_up``: a moment missed
while the bot was down is run at once. Jobs make themselves idempotent (a digest's per-day dedup key,
"a backup made since"), so a restart never repeats one.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, tzinfo

from bot import texts
from bot.runtime.clock import Clock

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Job = Callable[[], Awaitable[None]]


def parse_times(value: str) -> list[time]:
    """``"17:30, 09:00"`` -> sorted times (empty: none); raises ValueError naming the wrong part."""
    out: set[time] = set()
    for part in (p.strip() for p in value.replace(";", ",").split(",")):
        if not part:
            continue
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", part)
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ValueError(texts.CONFIG["times"].format(part=part))
        out.add(time(int(m.group(1)), int(m.group(2))))
    return sorted(out)


def daily_moments(times: list[time], tz: tzinfo, after: datetime, count: int = 1,
                  is_day: Callable[[date], bool] | None = None) -> list[datetime]:
    """The next ``count`` moments strictly after ``after`` at ``times`` (local to ``tz``) on the days
    ``is_day`` accepts (every day when None)."""
    out: list[datetime] = []
    if not times:
        return out
    day = after.astimezone(tz).date()
    for _ in range(3 * 366):                    # a year with no accepted day at all ends the search
        if is_day is None or is_day(day):
            for t in sorted(times):
                at = datetime.combine(day, t, tzinfo=tz)
                if at > after:
                    out.append(at)
                    if len(out) == count:
                        return out
        day += timedelta(days=1)
    return out


async def run_at(upcoming: Callable[[datetime], tuple[datetime, Job] | None], clock: Clock, *,
                 sleep: Sleep = asyncio.sleep, catch_up: timedelta, what: str) -> None:
    """Run each job ``upcoming(after)`` names at its moment, for ever (until cancelled); a failing job is
    logged and the loop goes on to the next moment."""
    after = clock.now() - catch_up
    while True:
        nxt = upcoming(after)
        if nxt is None:
            return
        moment, job = nxt
        await sleep(max(0.0, (moment - clock.now()).total_seconds()))
        if clock.now() < moment:          # woke early (the system clock moved): wait again
            continue
        try:
            await job()
        except Exception:
            log.exception("%s at %s failed", what, moment)
        after = moment + timedelta(seconds=1)
