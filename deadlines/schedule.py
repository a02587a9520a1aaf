"""The weekly working schedule: which weekdays are worked and the working intervals of a day."""

from __future__ import annotations

import re
from dataclasses import dataclass

DAY_MINUTES = 24 * 60

_DAY_NAMES: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("mon", "monday", "пн", "пон", "понедельник"),
        ("tue", "tuesday", "вт", "вто", "вторник"),
        ("wed", "wednesday", "ср", "сре", "среда"),
        ("thu", "thursday", "чт", "чет", "четверг"),
        ("fri", "friday", "пт", "пят", "пятница"),
        ("sat", "saturday", "сб", "суб", "суббота"),
        ("sun", "sunday", "вс", "вос", "воскресенье"),
    )
):
    for _name in _names:
        _DAY_NAMES[_name] = _i

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    """Working weekdays (0=Mon … 6=Sun) and working intervals in minutes from midnight."""

    work_days: frozenset[int]
    intervals: tuple[tuple[int, int], ...]
    pre_holiday_cut_minutes: int = 60

    def __post_init__(self) -> None:
        if not self.work_days:
            raise ValueError("в графике нет ни одного рабочего дня недели")
        if any(not isinstance(d, int) or not 0 <= d <= 6 for d in self.work_days):
            raise ValueError("дни недели графика — числа от 0 (пн) до 6 (вс)")
        if not self.intervals:
            raise ValueError("в графике нет ни одного рабочего интервала")
        previous_end = 0
        for start, end in self.intervals:
            if not 0 <= start < end <= DAY_MINUTES:
                raise ValueError(f"неверный интервал {_fmt(start)}–{_fmt(end)}: начало должно быть раньше конца, "
                                 "время — от 00:00 до 24:00")
            if start < previous_end:
                raise ValueError(f"интервалы графика пересекаются или не упорядочены ({_fmt(start)})")
            previous_end = end
        if self.pre_holiday_cut_minutes < 0:
            raise ValueError("сокращение предпраздничного дня не может быть отрицательным")

    @property
    def day_minutes(self) -> int:
        """Working minutes of an ordinary (not shortened) working day."""
        return sum(end - start for start, end in self.intervals)

    def shortened_intervals(self) -> tuple[tuple[int, int], ...]:
        """The intervals with ``pre_holiday_cut_minutes`` taken off the end (across lunch if needed)."""
        cut = self.pre_holiday_cut_minutes
        result: list[tuple[int, int]] = []
        for start, end in reversed(self.intervals):
            length = end - start
            if cut >= length:
                cut -= length
                continue
            result.append((start, end - cut))
            cut = 0
        return tuple(reversed(result))


DEFAULT_SCHEDULE = Schedule(
    work_days=frozenset({0, 1, 2, 3, 4}),
    intervals=((9 * 60, 13 * 60), (14 * 60, 18 * 60)),
    pre_holiday_cut_minutes=60,
)


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_work_days(text: str) -> frozenset[int]:
    """``"mon,tue,wed,thu,fri"`` (also ranges ``mon-fri`` and Russian ``пн-пт``) → weekday numbers."""
    parts = [p.strip().lower() for p in (text or "").replace(";", ",").split(",")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValueError("не указаны рабочие дни недели; пример: mon,tue,wed,thu,fri")
    days: set[int] = set()
    for part in parts:
        if "-" in part:
            first, _, last = (s.strip() for s in part.partition("-"))
            a, b = _day(first, part), _day(last, part)
            if a > b:
                raise ValueError(f"диапазон дней «{part}» задан в обратном порядке; пример: mon-fri")
            days.update(range(a, b + 1))
        else:
            days.add(_day(part, part))
    return frozenset(days)


def _day(name: str, part: str) -> int:
    try:
        return _DAY_NAMES[name]
    except KeyError:
        raise ValueError(
            f"неизвестный день недели «{part}»; используйте mon, tue, wed, thu, fri, sat, sun через запятую"
        ) from None


def parse_work_hours(text: str) -> tuple[tuple[int, int], ...]:
    """``"09:00-13:00,14:00-18:00"`` → ((540, 780), (840, 1080)); ``"00:00-24:00"`` is round the clock."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValueError("не указаны рабочие часы; пример: 09:00-13:00,14:00-18:00")
    intervals: list[tuple[int, int]] = []
    for part in parts:
        pieces = [s.strip() for s in re.split(r"\s*[-–—]\s*", part)]
        if len(pieces) != 2:
            raise ValueError(f"интервал «{part}» не понят; нужен вид ЧЧ:ММ-ЧЧ:ММ, например 09:00-13:00")
        start, end = _minutes(pieces[0], part), _minutes(pieces[1], part)
        if start >= DAY_MINUTES:
            raise ValueError(f"интервал «{part}»: начало не может быть 24:00")
        if start >= end:
            raise ValueError(f"интервал «{part}»: начало должно быть раньше конца")
        intervals.append((start, end))
    intervals.sort()
    merged: list[tuple[int, int]] = []
    for start, end in intervals:
        if merged and start < merged[-1][1]:
            raise ValueError(
                f"интервалы {_fmt(merged[-1][0])}-{_fmt(merged[-1][1])} и {_fmt(start)}-{_fmt(end)} пересекаются"
            )
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _minutes(value: str, part: str) -> int:
    match = _TIME_RE.match(value)
    if not match:
        raise ValueError(f"время «{value}» в интервале «{part}» не понято; нужен вид ЧЧ:ММ, например 09:00")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"время «{value}» в интервале «{part}» вне суток (00:00–24:00)")
    return hours * 60 + minutes
