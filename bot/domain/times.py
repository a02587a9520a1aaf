"""Times of day (DIGEST_TIMES, BACKUP_TIMES) and the moments they name (bot/jobs/daily.py runs the jobs)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo

from bot import texts


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
