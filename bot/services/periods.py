"""Report periods (cl. 2): ``today``, ``week``, ``month``, a month, a day or a range of days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot import texts

MAX_PERIOD_DAYS = 3 * 366


class PeriodError(ValueError):
    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in the administration's time zone; ``first``/``last`` are the dates shown."""

    start: datetime
    end: datetime

    @property
    def first(self) -> date:
        return self.start.date()

    @property
    def last(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def label(self) -> str:
        if self.first == self.last:
            return texts.PERIOD_DAY.format(day=f"{self.first:%d.%m.%Y}")
        return texts.PERIOD_RANGE.format(start=f"{self.first:%d.%m.%Y}", end=f"{self.last:%d.%m.%Y}")

    @property
    def slug(self) -> str:
        return f"{self.first:%Y-%m-%d}" if self.first == self.last else f"{self.first:%Y-%m-%d}_{self.last:%Y-%m-%d}"

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    @classmethod
    def of_days(cls, first: date, last: date, tz: tzinfo) -> Period:
        return cls(datetime.combine(first, time(), tzinfo=tz),
                   datetime.combine(last + timedelta(days=1), time(), tzinfo=tz))


_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\s*[-–—]\s*(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DAY_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ALIASES = {"today": "today", "сегодня": "today", "week": "week", "неделя": "week",
            "month": "month", "месяц": "month", "yesterday": "yesterday", "вчера": "yesterday"}


def _month_end(first: date) -> date:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(value: str, now: datetime, tz: tzinfo) -> Period:
    """``today``, ``week`` (since Monday), ``month`` (since the 1st), ``YYYY-MM``, ``DD.MM.YYYY`` or
    ``DD.MM.YYYY-DD.MM.YYYY`` (both days included); an empty value is today. Raises PeriodError."""
    raw = value
    value = " ".join(value.split()).lower()
    today = now.astimezone(tz).date()
    alias = _ALIASES.get(value or "today")
    try:
        if alias == "today":
            return Period.of_days(today, today, tz)
        if alias == "yesterday":
            return Period.of_days(today - timedelta(days=1), today - timedelta(days=1), tz)
        if alias == "week":
            return Period.of_days(today - timedelta(days=today.weekday()), today, tz)
        if alias == "month":
            return Period.of_days(today.replace(day=1), today, tz)
        if m := _MONTH_RE.match(value):
            first = date(int(m.group(1)), int(m.group(2)), 1)
            return Period.of_days(first, _month_end(first), tz)
        if m := _DAY_RE.match(value):
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            return Period.of_days(day, day, tz)
        if m := _RANGE_RE.match(value):
            first = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            last = date(int(m.group(6)), int(m.group(5)), int(m.group(4)))
            if last < first or (last - first).days > MAX_PERIOD_DAYS:
                raise PeriodError(raw)
            return Period.of_days(first, last, tz)
    except ValueError as exc:          # 31.02.2026, month 13
        raise PeriodError(raw) from exc
    raise PeriodError(raw)
