"""Working calendar: production calendar of Russia (``holidays``) + shortened days (data) + overrides.

Working time is kept as a timeline of intervals in integer microseconds since the epoch with prefix
sums of working time, built lazily per year, so ``add``/``subtract`` are two binary searches.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from deadlines.overrides import CalendarOverrides
from deadlines.production import base_shortened, production_data, ru_year
from deadlines.schedule import Schedule

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_MAX_SEARCH_YEARS = 20

_OFF, _FULL, _SHORT = 0, 1, 2


@dataclass
class YearSummary:
    year: int
    working_days: int
    working_hours: float
    shortened_days: list[date]
    confirmed: bool


def _to_us(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"время {at.isoformat()} без часового пояса; нужны дата и время с поясом")
    return (at - _EPOCH) // _US


class WorkCalendar:
    """Working days and working time of the administration in time zone ``tz``."""

    def __init__(self, schedule: Schedule, tz: ZoneInfo | tzinfo, overrides: CalendarOverrides | None = None) -> None:
        self.schedule = schedule
        self.tz = tz
        self._overrides = overrides if overrides is not None else CalendarOverrides()
        self._data = production_data()
        self._full = schedule.intervals
        self._short = schedule.shortened_intervals()
        self.invalidate()

    @property
    def overrides(self) -> CalendarOverrides:
        return self._overrides

    @overrides.setter
    def overrides(self, value: CalendarOverrides) -> None:
        self._overrides = value
        self.invalidate()

    def invalidate(self) -> None:
        """Drop cached days; call after changing ``overrides`` in place."""
        self._kinds: dict[date, int] = {}
        self._year_spans: dict[int, list[tuple[int, int]]] = {}
        self._lo = 0
        self._hi = -1
        self._t_lo = 0
        self._t_hi = 0
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._cum: list[int] = []
        self._cum_end: list[int] = []

    # days -------------------------------------------------------------------------------------

    def _kind(self, d: date) -> int:
        kind = self._kinds.get(d)
        if kind is None:
            kind = self._kinds[d] = self._compute_kind(d)
        return kind

    def _compute_kind(self, d: date) -> int:
        o = self._overrides
        if d in o.declared_working_days or d in o.extra_working_days:
            working = True
        elif d in o.regional_days_off:
            working = False
        else:
            days_off, workdays = ru_year(d.year)
            working = d not in days_off and (d in workdays or d.weekday() in self.schedule.work_days)
        if not working:
            return _OFF
        if d in o.extra_shortened_days:
            return _SHORT
        if d in base_shortened(d.year) and d not in o.extra_working_days:
            return _SHORT
        return _FULL

    def _as_date(self, d: date) -> date:
        if isinstance(d, datetime):
            if d.tzinfo is None:
                raise ValueError(f"время {d.isoformat()} без часового пояса; нужны дата и время с поясом")
            return d.astimezone(self.tz).date()
        return d

    def is_working_day(self, d: date) -> bool:
        return self._kind(self._as_date(d)) != _OFF

    def is_shortened_day(self, d: date) -> bool:
        return self._kind(self._as_date(d)) == _SHORT

    def _day_minutes(self, d: date) -> tuple[tuple[int, int], ...]:
        kind = self._kind(d)
        return () if kind == _OFF else self._short if kind == _SHORT else self._full

    def day_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """Working intervals of the day as aware datetimes in ``tz`` ([] on a day off)."""
        d = self._as_date(d)
        midnight = datetime.combine(d, time(), tzinfo=self.tz)
        return [(midnight + timedelta(minutes=a), midnight + timedelta(minutes=b)) for a, b in self._day_minutes(d)]

    def end_of_working_day(self, d: date) -> datetime:
        intervals = self.day_intervals(d)
        if not intervals:
            raise ValueError(f"{self._as_date(d):%d.%m.%Y} — нерабочий день")
        return intervals[-1][1]

    def next_working_day(self, d: date) -> date:
        d = self._as_date(d)
        for _ in range(366 * _MAX_SEARCH_YEARS):
            d += timedelta(days=1)
            if self._kind(d) != _OFF:
                return d
        raise ValueError(f"за {_MAX_SEARCH_YEARS} лет после {d:%d.%m.%Y} нет ни одного рабочего дня")

    # years ------------------------------------------------------------------------------------

    def years(self) -> tuple[int, int]:
        return self._data.first_year, self._data.last_year

    def is_confirmed(self, year: int) -> bool:
        return year in self._data.confirmed_years

    def year_summary(self, year: int) -> YearSummary:
        first, last = self.years()
        if not first <= year <= last:
            raise ValueError(f"нет данных производственного календаря за {year} год (есть {first}–{last})")
        days = 0
        shortened: list[date] = []
        d = date(year, 1, 1)
        while d.year == year:
            kind = self._kind(d)
            if kind != _OFF:
                days += 1
                if kind == _SHORT:
                    shortened.append(d)
            d += timedelta(days=1)
        total_us = sum(b - a for a, b in self._spans(year))
        return YearSummary(year=year, working_days=days, working_hours=total_us / 3_600_000_000,
                           shortened_days=shortened, confirmed=self.is_confirmed(year))

    # timeline ---------------------------------------------------------------------------------

    def _spans(self, year: int) -> list[tuple[int, int]]:
        spans = self._year_spans.get(year)
        if spans is None:
            spans = []
            previous_end = None
            d = date(year, 1, 1)
            while d.year == year:
                for a, b in self.day_intervals(d):
                    start, end = _to_us(a), _to_us(b)
                    if previous_end is not None and start < previous_end:
                        start = previous_end
                    if start < end:
                        spans.append((start, end))
                        previous_end = end
                d += timedelta(days=1)
            self._year_spans[year] = spans
        return spans

    def _build(self, lo: int, hi: int) -> None:
        if lo < 2 or hi > 9998:
            raise ValueError("дата вне поддерживаемого диапазона календаря")
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []
        cum_end: list[int] = []
        total = 0
        last_end: int | None = None
        for year in range(lo, hi + 1):
            for a, b in self._spans(year):
                if last_end is not None and a < last_end:
                    a = last_end
                if a >= b:
                    continue
                starts.append(a)
                ends.append(b)
                cum.append(total)
                total += b - a
                cum_end.append(total)
                last_end = b
        self._lo, self._hi = lo, hi
        self._t_lo = _to_us(datetime(lo, 1, 1, tzinfo=self.tz))
        self._t_hi = _to_us(datetime(hi + 1, 1, 1, tzinfo=self.tz))
        self._starts, self._ends, self._cum, self._cum_end = starts, ends, cum, cum_end

    def _cover(self, us: int) -> None:
        if self._t_lo <= us < self._t_hi:
            return
        year = (_EPOCH + timedelta(microseconds=us)).astimezone(self.tz).year
        if self._hi < self._lo:
            self._build(year - 1, year + 1)
        else:
            self._build(min(self._lo, year - 1), max(self._hi, year + 1))

    def _extend_right(self, steps: int) -> None:
        if steps > _MAX_SEARCH_YEARS:
            raise ValueError(f"за {_MAX_SEARCH_YEARS} лет нет нужного рабочего времени — проверьте график")
        self._build(self._lo, self._hi + 1)

    def _extend_left(self, steps: int) -> None:
        if steps > _MAX_SEARCH_YEARS:
            raise ValueError(f"за {_MAX_SEARCH_YEARS} лет нет нужного рабочего времени — проверьте график")
        self._build(self._lo - 1, self._hi)

    def _cum_at(self, us: int) -> int:
        i = bisect_right(self._starts, us) - 1
        if i < 0:
            return 0
        end = self._ends[i]
        return self._cum_end[i] if us >= end else self._cum[i] + us - self._starts[i]

    def _from_us(self, us: int) -> datetime:
        return (_EPOCH + timedelta(microseconds=us)).astimezone(self.tz)

    def _covered(self, at: datetime, minutes: float | timedelta) -> tuple[int, int]:
        """``at`` and the duration in microseconds, with the timeline built around ``at``."""
        us = _to_us(at)
        self._cover(us)
        return us, minutes // _US if isinstance(minutes, timedelta) else round(minutes * _US_PER_MINUTE)

    # working time -----------------------------------------------------------------------------

    def is_working_time(self, at: datetime) -> bool:
        us = _to_us(at)
        self._cover(us)
        i = bisect_right(self._starts, us) - 1
        return i >= 0 and us < self._ends[i]

    def next_day_opening(self, at: datetime) -> datetime:
        """The opening of the next working day: today's when ``at`` is before it, else the next day's (during
        the working day, its lunch included, and after closing)."""
        local = at.astimezone(self.tz)
        intervals = self.day_intervals(local.date())
        if intervals and intervals[0][0] <= local < intervals[-1][1]:
            local = intervals[-1][1]
        return self.next_opening(local + timedelta(microseconds=1))

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself (in ``tz``) if it is working time, otherwise the next opening."""
        us = _to_us(at)
        self._cover(us)
        i = bisect_right(self._starts, us) - 1
        if i >= 0 and us < self._ends[i]:
            return at.astimezone(self.tz)
        steps = 0
        while i + 1 >= len(self._starts):
            steps += 1
            self._extend_right(steps)
        return self._from_us(self._starts[i + 1])

    def add(self, start: datetime, minutes: float | timedelta) -> datetime:
        """``start`` + working time; a result exactly at closing time stays there."""
        us, d = self._covered(start, minutes)
        if d <= 0:
            return self.subtract(start, -d * _US) if d else self.next_opening(start)
        c = self._cum_at(us) + d
        steps = 0
        while not self._cum_end or c > self._cum_end[-1]:
            steps += 1
            self._extend_right(steps)
        i = bisect_left(self._cum_end, c)
        return self._from_us(self._starts[i] + c - self._cum[i])

    def subtract(self, end: datetime, minutes: float | timedelta) -> datetime:
        """The latest instant with ``minutes`` of working time left until ``end`` (inverse of ``add``)."""
        us, d = self._covered(end, minutes)
        if d <= 0:
            return self.add(end, -d * _US) if d else end.astimezone(self.tz)
        c = self._cum_at(us) - d
        steps = 0
        while c < 0:
            steps += 1
            self._extend_left(steps)
            c = self._cum_at(us) - d
        i = bisect_right(self._cum, c) - 1
        return self._from_us(self._starts[i] + c - self._cum[i])

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        ua, ub = _to_us(a), _to_us(b)
        if ub <= ua:
            return 0.0
        self._cover(ua)
        self._cover(ub)
        return (self._cum_at(ub) - self._cum_at(ua)) / _US_PER_MINUTE
