"""Property tests of working-time arithmetic (hypothesis), with a day-by-day reference implementation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines.calendar import CalendarOverrides, WorkCalendar
from deadlines.schedule import DEFAULT_SCHEDULE, Schedule

MSK = ZoneInfo("Europe/Moscow")
CALENDARS = {
    "default": WorkCalendar(DEFAULT_SCHEDULE, MSK),
    "overrides": WorkCalendar(DEFAULT_SCHEDULE, MSK, CalendarOverrides(
        regional_days_off={date(2025, 3, 31), date(2025, 6, 6), date(2026, 3, 20)},
        declared_working_days={date(2026, 3, 14), date(2025, 1, 3)},
        extra_shortened_days={date(2026, 3, 13)})),
    "round the clock": WorkCalendar(Schedule(frozenset(range(7)), ((0, 1440),)), MSK),
    "six days, three intervals": WorkCalendar(
        Schedule(frozenset(range(6)), ((480, 720), (780, 1020), (1080, 1200)), 90), MSK),
}
PROPS = settings(max_examples=200, deadline=None)

calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
# minute-aligned and arbitrary (second-resolution) starts, 2024 – mid 2027, incl. the New Year holidays
starts = st.one_of(
    st.datetimes(datetime(2024, 1, 1), datetime(2027, 6, 30)).map(lambda d: d.replace(microsecond=0)),
    st.datetimes(datetime(2024, 1, 1), datetime(2027, 6, 30)).map(lambda d: d.replace(second=0, microsecond=0)),
    st.sampled_from([datetime(2025, 12, 30, 17, 30), datetime(2026, 5, 8, 16, 59), datetime(2026, 3, 2, 18)]),
).map(lambda d: d.replace(tzinfo=MSK))
durations = st.one_of(st.integers(0, 600), st.integers(0, 20_000), st.sampled_from([30, 60, 120, 180, 480]))


def reference_add(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    """Walk the day intervals one by one (slow, obviously right)."""
    if minutes == 0:
        return cal.next_opening(start)
    left = timedelta(minutes=minutes)
    day = start.astimezone(MSK).date() - timedelta(days=1)
    while True:
        for a, b in cal.day_intervals(day):
            begin = max(a, start)
            if begin >= b:
                continue
            if left <= b - begin:
                return begin + left
            left -= b - begin
        day += timedelta(days=1)


def is_closing(cal: WorkCalendar, at: datetime) -> bool:
    day = at.astimezone(MSK).date()
    return any(b == at for d in (day - timedelta(days=1), day) for _, b in cal.day_intervals(d))


@PROPS
@given(calendars, starts, durations)
def test_add_agrees_with_reference(cal: WorkCalendar, start: datetime, minutes: int) -> None:
    assert cal.add(start, minutes) == reference_add(cal, start, minutes)


@PROPS
@given(calendars, starts, durations)
def test_working_minutes_between_inverts_add(cal: WorkCalendar, start: datetime, minutes: int) -> None:
    assert cal.working_minutes_between(start, cal.add(start, minutes)) == minutes


@PROPS
@given(calendars, starts, st.floats(0, 5000, allow_nan=False))
def test_fractional_minutes_within_a_microsecond(cal: WorkCalendar, start: datetime, minutes: float) -> None:
    assert abs(cal.working_minutes_between(start, cal.add(start, minutes)) - minutes) <= 1e-6 / 60 + 1e-9


@PROPS
@given(calendars, starts, durations, durations)
def test_add_is_monotonic_in_duration(cal: WorkCalendar, start: datetime, d1: int, d2: int) -> None:
    lo, hi = sorted((d1, d2))
    assert cal.add(start, lo) <= cal.add(start, hi)
    if lo < hi:
        assert cal.add(start, lo) < cal.add(start, hi)


@PROPS
@given(calendars, starts, st.integers(0, 10_000), durations)
def test_add_is_monotonic_in_start(cal: WorkCalendar, start: datetime, shift: int, minutes: int) -> None:
    later = start + timedelta(minutes=shift)
    assert cal.add(start, minutes) <= cal.add(later, minutes)


@PROPS
@given(calendars, starts, durations)
def test_result_is_working_time_or_exactly_closing(cal: WorkCalendar, start: datetime, minutes: int) -> None:
    result = cal.add(start, minutes)
    assert result.tzinfo is MSK
    assert cal.is_working_time(result) or (minutes > 0 and is_closing(cal, result))


@PROPS
@given(calendars, starts, st.integers(1, 20_000))
def test_subtract_inverts_add(cal: WorkCalendar, start: datetime, minutes: int) -> None:
    end = cal.add(start, minutes)
    assert cal.subtract(end, minutes) == cal.next_opening(start)


@PROPS
@given(calendars, starts, durations)
def test_subtract_leaves_exactly_the_minutes(cal: WorkCalendar, end: datetime, minutes: int) -> None:
    begin = cal.subtract(end, minutes)
    assert begin <= end
    assert cal.working_minutes_between(begin, end) == minutes
    # the latest such moment: one second later there is less left
    if minutes:
        assert cal.working_minutes_between(begin + timedelta(seconds=1), end) < minutes
        assert cal.add(begin, minutes) <= end
