"""Working calendar: production calendar of Russia (``holidays``) + shortened days (data) + overrides.

Working time is kept as a timeline of intervals in integer microseconds since the epoch with prefix
sums of working time, built lazily per year, so ``add``/``subtract`` are two binary searches.
"""

from __future__ import annotations

import json
import os
import tempfile
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from deadlines.schedule import Schedule

DATA_PATH = Path(__file__).parent / "data" / "production_calendar.json"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_MAX_SEARCH_YEARS = 20
# Non-working holidays of art. 112 of the Labour Code (month, day).
_ART_112 = frozenset([(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)])

_OFF, _FULL, _SHORT = 0, 1, 2


# --- production calendar data ---------------------------------------------------------------------


@dataclass(frozen=True)
class _ProductionData:
    first_year: int
    last_year: int
    confirmed_years: frozenset[int]
    shortened: dict[int, frozenset[date]]


@cache
def _production_data(path: Path = DATA_PATH) -> _ProductionData:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        shortened = {
            int(year): frozenset(date.fromisoformat(s) for s in days)
            for year, days in raw.get("shortened_days", {}).items()
        }
        for year, days in shortened.items():
            if any(d.year != year for d in days):
                raise ValueError(f"в списке сокращённых дней {year} года есть дата другого года")
        return _ProductionData(
            first_year=int(raw["first_year"]),
            last_year=int(raw["last_year"]),
            confirmed_years=frozenset(int(y) for y in raw.get("confirmed_years", [])),
            shortened=shortened,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"Производственный календарь {path} повреждён: {exc}") from exc


@cache
def _ru_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off: holidays and transferred days off, working weekend days) of the Russian calendar."""
    ru = holidays.RU(years=year, observed=True)
    days_off = frozenset(d for d in ru if d.year == year)
    workdays = frozenset(d for d in getattr(ru, "weekend_workdays", ()) if d.year == year)
    return days_off, workdays


def _production_working(d: date) -> bool:
    """A working day of the official five-day-week production calendar."""
    days_off, workdays = _ru_year(d.year)
    if d in days_off:
        return False
    return d in workdays or d.weekday() < 5


@cache
def _base_shortened(year: int) -> frozenset[date]:
    """Shortened pre-holiday days: data for the year, otherwise art. 95 by rule (unconfirmed)."""
    data = _production_data()
    if year in data.shortened:
        return data.shortened[year]
    return _rule_shortened(year)


def _rule_shortened(year: int) -> frozenset[date]:
    """Art. 95 by rule: a working day before a non-working holiday; a transferred working Saturday
    also when only a Sunday and at most one transferred day off separate it from the holiday
    (how the decrees of 2020–2026 read)."""
    _, workdays = _ru_year(year)
    result = set()
    d = date(year, 1, 1)
    while d.year == year:
        if _production_working(d):
            gap = 2 if d in workdays else 0
            nxt = d + timedelta(days=1)
            while gap and not _production_working(nxt) and (nxt.month, nxt.day) not in _ART_112:
                nxt += timedelta(days=1)
                gap -= 1
            if (nxt.month, nxt.day) in _ART_112 and not _production_working(nxt):
                result.add(d)
        d += timedelta(days=1)
    return frozenset(result)


# --- overrides ------------------------------------------------------------------------------------

_OVERRIDE_FIELDS = ("regional_days_off", "extra_working_days", "extra_shortened_days", "declared_working_days")


@dataclass
class CalendarOverrides:
    """Administrator-edited days on top of the production calendar (a JSON file)."""

    regional_days_off: set[date] = field(default_factory=set)
    extra_working_days: set[date] = field(default_factory=set)
    extra_shortened_days: set[date] = field(default_factory=set)
    declared_working_days: set[date] = field(default_factory=set)  # cl. 8: declared working by the head

    @classmethod
    def load(cls, path: Path | str) -> CalendarOverrides:
        """Missing file → empty overrides; malformed → ValueError naming the file and the problem."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            raise ValueError(f"Файл календаря {path}: не удалось прочитать ({exc.strerror or exc})") from exc
        if not text.strip():
            return cls()
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Файл календаря {path}: ошибка JSON в строке {exc.lineno}, столбце {exc.colno}: "
                             f"{exc.msg}") from exc
        if not isinstance(raw, dict):
            raise ValueError(f"Файл календаря {path}: ожидается объект JSON с полями {', '.join(_OVERRIDE_FIELDS)}")
        unknown = [k for k in raw if k not in _OVERRIDE_FIELDS and not k.startswith("_") and k not in ("about", "comment")]
        if unknown:
            raise ValueError(f"Файл календаря {path}: неизвестное поле «{unknown[0]}»; допустимы "
                             f"{', '.join(_OVERRIDE_FIELDS)}")
        result = cls()
        for name in _OVERRIDE_FIELDS:
            values = raw.get(name, [])
            if not isinstance(values, list):
                raise ValueError(f"Файл календаря {path}: поле «{name}» должно быть списком дат")
            target: set[date] = getattr(result, name)
            for value in values:
                target.add(_parse_date(value, path, name))
        return result

    def save(self, path: Path | str) -> None:
        """Atomic write: a temporary file beside the target, then ``os.replace``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {name: sorted(d.isoformat() for d in getattr(self, name)) for name in _OVERRIDE_FIELDS}
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def _parse_date(value: Any, path: Path, name: str) -> date:
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.strptime(text, "%d.%m.%Y").date()
        except ValueError:
            pass
    raise ValueError(f"Файл календаря {path}: в поле «{name}» неверная дата «{value}»; нужен вид ГГГГ-ММ-ДД")


# --- the calendar ---------------------------------------------------------------------------------


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
        self._data = _production_data()
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
            days_off, workdays = _ru_year(d.year)
            working = d not in days_off and (d in workdays or d.weekday() in self.schedule.work_days)
        if not working:
            return _OFF
        if d in o.extra_shortened_days:
            return _SHORT
        if d in _base_shortened(d.year) and d not in o.extra_working_days:
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

    @staticmethod
    def _duration_us(minutes: float | timedelta) -> int:
        if isinstance(minutes, timedelta):
            return minutes // _US
        return round(minutes * _US_PER_MINUTE)

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
        us = _to_us(start)
        d = self._duration_us(minutes)
        if d < 0:
            return self.subtract(start, -d * _US)
        if d == 0:
            return self.next_opening(start)
        self._cover(us)
        c = self._cum_at(us) + d
        steps = 0
        while not self._cum_end or c > self._cum_end[-1]:
            steps += 1
            self._extend_right(steps)
        i = bisect_left(self._cum_end, c)
        return self._from_us(self._starts[i] + c - self._cum[i])

    def subtract(self, end: datetime, minutes: float | timedelta) -> datetime:
        """The latest instant with ``minutes`` of working time left until ``end`` (inverse of ``add``)."""
        us = _to_us(end)
        d = self._duration_us(minutes)
        if d < 0:
            return self.add(end, -d * _US)
        if d == 0:
            return end.astimezone(self.tz)
        self._cover(us)
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
