"""Working calendar: the production calendar 2024–2026, working time arithmetic, overrides."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from deadlines.calendar import CalendarOverrides, WorkCalendar
from deadlines.production import production_data as _production_data
from deadlines.production import rule_shortened as _rule_shortened
from deadlines.schedule import DEFAULT_SCHEDULE, Schedule
from tests.conftest import msk

MSK = ZoneInfo("Europe/Moscow")
ROUND_THE_CLOCK = Schedule(frozenset(range(7)), ((0, 1440),), 60)


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar(DEFAULT_SCHEDULE, MSK)


# --- production calendar: the official totals ------------------------------------------------------

FACTS = [
    (2024, 248, 1979, ["2024-02-22", "2024-03-07", "2024-05-08", "2024-06-11", "2024-11-02"]),
    (2025, 247, 1972, ["2025-03-07", "2025-04-30", "2025-06-11", "2025-11-01"]),
    (2026, 247, 1972, ["2026-04-30", "2026-05-08", "2026-06-11", "2026-11-03"]),
]


@pytest.mark.parametrize(("year", "days", "hours", "shortened"), FACTS)
def test_year_totals_match_production_calendar(cal: WorkCalendar, year: int, days: int, hours: int,
                                               shortened: list[str]) -> None:
    summary = cal.year_summary(year)
    assert summary.year == year
    assert summary.working_days == days
    assert summary.working_hours == hours
    assert [x.isoformat() for x in summary.shortened_days] == shortened
    assert summary.confirmed is True


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_working_days_agree_with_holidays_library(cal: WorkCalendar, year: int) -> None:
    ru = holidays.RU(years=year, observed=True)
    day = date(year, 1, 1)
    while day.year == year:
        assert cal.is_working_day(day) == ru.is_working_day(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_art95_rule_reproduces_confirmed_shortened_days(year: int) -> None:
    assert _rule_shortened(year) == _production_data().shortened[year]


def test_years_and_confirmation(cal: WorkCalendar) -> None:
    first, last = cal.years()
    assert first <= 2024 and last >= 2026
    assert cal.is_confirmed(2026)
    assert not cal.is_confirmed(2027)
    summary = cal.year_summary(2027)
    assert summary.confirmed is False
    assert summary.working_days == 247
    with pytest.raises(ValueError, match="нет данных"):
        cal.year_summary(last + 1)
    with pytest.raises(ValueError, match="нет данных"):
        cal.year_summary(first - 1)


@pytest.mark.parametrize("day", ["2026-01-09", "2026-02-23", "2026-03-09", "2026-05-01", "2026-05-11",
                                 "2026-06-12", "2026-11-04", "2026-12-31", "2025-05-02", "2025-05-08",
                                 "2025-06-13", "2025-11-03", "2025-12-31", "2024-04-29", "2024-04-30",
                                 "2024-12-30", "2024-12-31"])
def test_transferred_and_holiday_days_are_off(cal: WorkCalendar, day: str) -> None:
    assert not cal.is_working_day(d(day))
    assert cal.day_intervals(d(day)) == []


@pytest.mark.parametrize("day", ["2024-04-27", "2024-11-02", "2024-12-28", "2025-11-01"])
def test_working_saturdays(cal: WorkCalendar, day: str) -> None:
    assert cal.is_working_day(d(day))


def test_2024_12_28_is_a_full_working_saturday(cal: WorkCalendar) -> None:
    assert not cal.is_shortened_day(d("2024-12-28"))
    assert cal.end_of_working_day(d("2024-12-28")) == t(2024, 12, 28, 18)


def test_shortened_day_intervals(cal: WorkCalendar) -> None:
    assert cal.is_shortened_day(d("2026-05-08"))
    assert cal.day_intervals(d("2026-05-08")) == [(t(2026, 5, 8, 9), t(2026, 5, 8, 13)),
                                                  (t(2026, 5, 8, 14), t(2026, 5, 8, 17))]
    assert cal.end_of_working_day(d("2026-04-30")) == t(2026, 4, 30, 17)
    assert cal.end_of_working_day(d("2026-04-29")) == t(2026, 4, 29, 18)


def test_end_of_working_day_on_day_off_raises(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="нерабочий"):
        cal.end_of_working_day(d("2026-05-09"))


@pytest.mark.parametrize(("day", "expected"), [("2026-05-08", "2026-05-12"), ("2025-12-30", "2026-01-12"),
                                               ("2026-03-06", "2026-03-10"), ("2025-10-31", "2025-11-01"),
                                               ("2026-03-02", "2026-03-03")])
def test_next_working_day_is_strictly_after(cal: WorkCalendar, day: str, expected: str) -> None:
    assert cal.next_working_day(d(day)) == d(expected)


# --- working time arithmetic ----------------------------------------------------------------------


@pytest.mark.parametrize(("start", "minutes", "expected"), [
    (t(2026, 3, 2, 10, 0), 30, t(2026, 3, 2, 10, 30)),         # plain
    (t(2026, 3, 2, 12, 30), 60, t(2026, 3, 2, 14, 30)),        # lunch pauses
    (t(2026, 3, 3, 17, 30), 60, t(2026, 3, 4, 9, 30)),         # night pauses
    (t(2026, 3, 2, 17, 0), 60, t(2026, 3, 2, 18, 0)),          # exactly on closing: stays
    (t(2026, 3, 2, 12, 0), 60, t(2026, 3, 2, 13, 0)),          # exactly on lunch closing: stays
    (t(2026, 3, 2, 7, 0), 30, t(2026, 3, 2, 9, 30)),           # before opening
    (t(2026, 3, 2, 13, 20), 30, t(2026, 3, 2, 14, 30)),        # during lunch
    (t(2026, 3, 2, 18, 0), 30, t(2026, 3, 3, 9, 30)),          # at closing
    (t(2026, 3, 6, 17, 0), 180, t(2026, 3, 10, 11, 0)),        # weekend + 09.03 transferred day off
    (t(2025, 12, 30, 17, 0), 180, t(2026, 1, 12, 11, 0)),      # New Year holidays
    (t(2026, 5, 8, 17, 30), 180, t(2026, 5, 12, 12, 0)),       # shortened Friday, closed already; 11.05 off
    (t(2026, 5, 8, 16, 30), 180, t(2026, 5, 12, 11, 30)),      # shortened Friday, 30 min left
    (t(2025, 10, 31, 17, 0), 180, t(2025, 11, 1, 11, 0)),      # working Saturday 01.11.2025
    (t(2026, 3, 2, 9, 0), 480, t(2026, 3, 2, 18, 0)),          # a whole day ends at closing
    (t(2026, 3, 2, 9, 0), 0, t(2026, 3, 2, 9, 0)),
    (t(2026, 3, 2, 20, 0), 0, t(2026, 3, 3, 9, 0)),            # zero minutes outside: next opening
])
def test_add(cal: WorkCalendar, start: datetime, minutes: int, expected: datetime) -> None:
    result = cal.add(start, minutes)
    assert result == expected
    assert result.tzinfo is MSK


def test_add_accepts_timedelta_and_fractional_minutes(cal: WorkCalendar) -> None:
    assert cal.add(t(2026, 3, 2, 12, 59), timedelta(minutes=2)) == t(2026, 3, 2, 14, 1)
    assert cal.add(t(2026, 3, 2, 10, 0), 0.5) == t(2026, 3, 2, 10, 0, 30)


def test_add_converts_other_zones_and_returns_calendar_zone(cal: WorkCalendar) -> None:
    result = cal.add(datetime(2026, 3, 2, 6, 0, tzinfo=UTC), 30)
    assert result == t(2026, 3, 2, 9, 30)
    assert result.tzinfo is MSK
    assert result.utcoffset() == timedelta(hours=3)


def test_add_negative_is_subtract(cal: WorkCalendar) -> None:
    assert cal.add(t(2026, 3, 3, 9, 30), -60) == cal.subtract(t(2026, 3, 3, 9, 30), 60)


def test_add_far_ahead_crosses_years(cal: WorkCalendar) -> None:
    # 2025: 1972 h; from the first minute of 2025 the whole year's working time ends on 30.12.2025 18:00
    assert cal.add(t(2025, 1, 1, 0, 0), 1972 * 60) == t(2025, 12, 30, 18, 0)
    assert cal.add(t(2025, 1, 1, 0, 0), 1972 * 60 + 1) == t(2026, 1, 12, 9, 1)


@pytest.mark.parametrize(("end", "minutes", "expected"), [
    (t(2026, 3, 3, 9, 30), 60, t(2026, 3, 2, 17, 30)),
    (t(2026, 3, 2, 14, 30), 60, t(2026, 3, 2, 12, 30)),
    (t(2026, 5, 12, 10, 0), 60, t(2026, 5, 12, 9, 0)),         # latest moment: the opening, not 08.05 17:00
    (t(2026, 3, 2, 15, 0), 60, t(2026, 3, 2, 14, 0)),          # the opening after lunch, not 13:00
    (t(2026, 1, 12, 10, 0), 120, t(2025, 12, 30, 17, 0)),      # back across New Year holidays
    (t(2026, 3, 2, 20, 0), 30, t(2026, 3, 2, 17, 30)),         # end outside working time
    (t(2026, 3, 2, 20, 0), 0, t(2026, 3, 2, 20, 0)),
])
def test_subtract(cal: WorkCalendar, end: datetime, minutes: int, expected: datetime) -> None:
    assert cal.subtract(end, minutes) == expected


@pytest.mark.parametrize(("a", "b", "minutes"), [
    (t(2026, 3, 6, 17, 0), t(2026, 3, 10, 10, 0), 120.0),
    (t(2026, 3, 2, 12, 30), t(2026, 3, 2, 14, 30), 60.0),
    (t(2026, 3, 2, 8, 0), t(2026, 3, 2, 20, 0), 480.0),
    (t(2026, 3, 2, 10, 0), t(2026, 3, 2, 10, 0), 0.0),
    (t(2026, 3, 2, 11, 0), t(2026, 3, 2, 10, 0), 0.0),
    (t(2026, 1, 1, 0, 0), t(2027, 1, 1, 0, 0), 1972 * 60.0),
])
def test_working_minutes_between(cal: WorkCalendar, a: datetime, b: datetime, minutes: float) -> None:
    assert cal.working_minutes_between(a, b) == minutes


def test_is_working_time_boundaries(cal: WorkCalendar) -> None:
    assert cal.is_working_time(t(2026, 3, 2, 9, 0))
    assert cal.is_working_time(t(2026, 3, 2, 12, 59))
    assert not cal.is_working_time(t(2026, 3, 2, 13, 0))
    assert not cal.is_working_time(t(2026, 3, 2, 18, 0))
    assert not cal.is_working_time(t(2026, 3, 9, 10, 0))      # transferred day off
    assert not cal.is_working_time(t(2026, 5, 8, 17, 30))     # shortened day


def test_next_opening(cal: WorkCalendar) -> None:
    inside = t(2026, 3, 2, 10, 15)
    assert cal.next_opening(inside) == inside
    assert cal.next_opening(t(2026, 3, 6, 18, 0)) == t(2026, 3, 10, 9, 0)
    assert cal.next_opening(t(2026, 3, 2, 13, 0)) == t(2026, 3, 2, 14, 0)
    assert cal.next_opening(t(2025, 12, 31, 12, 0)) == t(2026, 1, 12, 9, 0)


def test_naive_datetimes_are_rejected(cal: WorkCalendar) -> None:
    naive = datetime(2026, 3, 2, 10, 0)
    aware = t(2026, 3, 2, 10, 0)
    for call in (lambda: cal.add(naive, 30), lambda: cal.subtract(naive, 30), lambda: cal.is_working_time(naive),
                 lambda: cal.next_opening(naive), lambda: cal.working_minutes_between(naive, aware),
                 lambda: cal.working_minutes_between(aware, naive)):
        with pytest.raises(ValueError, match="часового пояса"):
            call()


# --- round the clock --------------------------------------------------------------------------------


def test_round_the_clock_schedule() -> None:
    cal = WorkCalendar(ROUND_THE_CLOCK, MSK)
    assert cal.add(t(2026, 3, 3, 23, 30), 60) == t(2026, 3, 4, 0, 30)
    assert cal.add(t(2026, 3, 3, 23, 0), 60) == t(2026, 3, 4, 0, 0)        # closing at midnight
    assert cal.add(t(2026, 3, 14, 3, 0), 180) == t(2026, 3, 14, 6, 0)      # a Saturday works
    assert cal.add(t(2026, 3, 7, 23, 30), 60) == t(2026, 3, 10, 0, 30)     # 08.03 and 09.03 are off
    assert cal.day_intervals(d("2026-04-30")) == [(t(2026, 4, 30, 0, 0), t(2026, 4, 30, 23, 0))]
    assert cal.working_minutes_between(t(2026, 3, 3, 0, 0), t(2026, 3, 5, 0, 0)) == 2 * 1440


# --- overrides ----------------------------------------------------------------------------------------


def test_regional_day_off_override() -> None:
    overrides = CalendarOverrides(regional_days_off={d("2025-03-31"), d("2025-06-06")})
    cal = WorkCalendar(DEFAULT_SCHEDULE, MSK, overrides)
    assert not cal.is_working_day(d("2025-03-31"))
    assert cal.add(t(2025, 3, 28, 17, 0), 180) == t(2025, 4, 1, 11, 0)
    summary = cal.year_summary(2025)
    assert (summary.working_days, summary.working_hours) == (245, 1956)


def test_cl8_declared_working_saturday() -> None:
    cal = WorkCalendar(DEFAULT_SCHEDULE, MSK, CalendarOverrides(declared_working_days={d("2026-03-14")}))
    assert cal.is_working_day(d("2026-03-14"))
    assert cal.add(t(2026, 3, 13, 17, 0), 180) == t(2026, 3, 14, 11, 0)


def test_cl8_declared_beats_regional_day_off() -> None:
    overrides = CalendarOverrides(regional_days_off={d("2025-03-31")}, declared_working_days={d("2025-03-31")})
    assert WorkCalendar(DEFAULT_SCHEDULE, MSK, overrides).is_working_day(d("2025-03-31"))


def test_extra_working_and_shortened_days() -> None:
    overrides = CalendarOverrides(extra_working_days={d("2026-04-30"), d("2026-03-21")},
                                  extra_shortened_days={d("2026-03-21"), d("2026-03-20")})
    cal = WorkCalendar(DEFAULT_SCHEDULE, MSK, overrides)
    assert not cal.is_shortened_day(d("2026-04-30"))                  # full day by override
    assert cal.end_of_working_day(d("2026-04-30")) == t(2026, 4, 30, 18)
    assert cal.is_working_day(d("2026-03-21")) and cal.is_shortened_day(d("2026-03-21"))
    assert cal.end_of_working_day(d("2026-03-20")) == t(2026, 3, 20, 17)
    assert not cal.is_shortened_day(d("2026-03-22"))                  # not working: never shortened


def test_overrides_setter_and_invalidate_drop_the_cache() -> None:
    cal = WorkCalendar(DEFAULT_SCHEDULE, MSK)
    assert cal.add(t(2026, 3, 13, 17, 0), 180) == t(2026, 3, 16, 11, 0)
    cal.overrides = CalendarOverrides(declared_working_days={d("2026-03-14")})
    assert cal.add(t(2026, 3, 13, 17, 0), 180) == t(2026, 3, 14, 11, 0)
    cal.overrides.declared_working_days.clear()
    cal.invalidate()
    assert cal.add(t(2026, 3, 13, 17, 0), 180) == t(2026, 3, 16, 11, 0)


def test_overrides_load_missing_file_is_empty(tmp_path: Path) -> None:
    assert CalendarOverrides.load(tmp_path / "nope.json") == CalendarOverrides()


def test_overrides_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "calendar.json"
    overrides = CalendarOverrides(regional_days_off={d("2025-06-06"), d("2025-03-31")},
                                  declared_working_days={d("2026-03-14")})
    overrides.save(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["regional_days_off"] == ["2025-03-31", "2025-06-06"]
    assert raw["extra_working_days"] == []
    assert "\n  " in path.read_text(encoding="utf-8")                 # pretty
    assert CalendarOverrides.load(path) == overrides
    assert [p.name for p in path.parent.iterdir()] == ["calendar.json"]  # no temporary left


def test_overrides_load_accepts_russian_dates(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"regional_days_off": ["31.03.2025"], "_note": "Ураза-байрам"}', encoding="utf-8")
    assert CalendarOverrides.load(path).regional_days_off == {d("2025-03-31")}


@pytest.mark.parametrize(("text", "problem"), [
    ("{not json", "JSON"),
    ("[1, 2]", "объект"),
    ('{"regional_days_off": "2025-03-31"}', "списком"),
    ('{"regional_days_off": ["2025-13-01"]}', "2025-13-01"),
    ('{"regional_days_off": [20250331]}', "20250331"),
    ('{"regional_day_off": []}', "regional_day_off"),
])
def test_overrides_load_malformed_names_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "calendar.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        CalendarOverrides.load(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


def test_dst_zone_counts_real_elapsed_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    cal = WorkCalendar(ROUND_THE_CLOCK, berlin)
    # 29.03.2026: clocks jump 02:00 → 03:00; the day has 23 real hours
    assert cal.add(datetime(2026, 3, 28, 23, 0, tzinfo=berlin), 180) == datetime(2026, 3, 29, 3, 0, tzinfo=berlin)
    day = cal.day_intervals(d("2026-03-29"))
    assert cal.working_minutes_between(day[0][0], day[0][1]) == 23 * 60
    assert cal.add(datetime(2026, 3, 29, 1, 30, tzinfo=berlin), 60).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(("at", "expected"), [
    ((2026, 12, 1, 7, 0), (2026, 12, 1, 9, 0)),      # before today's opening: today's
    ((2026, 12, 1, 10, 0), (2026, 12, 2, 9, 0)),     # during the working day: tomorrow's
    ((2026, 12, 1, 13, 30), (2026, 12, 2, 9, 0)),    # at lunch: tomorrow's, not after lunch
    ((2026, 12, 1, 19, 0), (2026, 12, 2, 9, 0)),     # after closing
    ((2026, 12, 4, 17, 0), (2026, 12, 7, 9, 0)),     # Friday afternoon: Monday
    ((2026, 12, 5, 12, 0), (2026, 12, 7, 9, 0)),     # Saturday: Monday
])
def test_cl8_next_day_opening(calendar: WorkCalendar, at: tuple[int, ...], expected: tuple[int, ...]) -> None:
    assert calendar.next_day_opening(msk(*at)) == msk(*expected)
