"""Issue 14 §1: an organisation's own extra days off on top of the republic's calendar (deadlines/orgs.py).
Organisation no. 1 without days off computes exactly as before; days off count only where they fall."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines.calendar import CalendarOverrides, WorkCalendar
from deadlines.orgs import OrgDeadlines, deadlines_with_days_off, with_days_off
from deadlines.rules import DEFAULT_RULES, Deadlines
from deadlines.schedule import DEFAULT_SCHEDULE

MSK = ZoneInfo("Europe/Moscow")
BASE = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK, CalendarOverrides(regional_days_off={date(2026, 4, 28)},
                                                                       declared_working_days={date(2026, 3, 14)})))
PROPS = settings(max_examples=200, deadline=None)
starts = st.datetimes(datetime(2025, 1, 1), datetime(2027, 6, 30)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=MSK))
rules = st.sampled_from(sorted(DEFAULT_RULES))


@PROPS
@given(start=starts, rule=rules, urgent=st.booleans())
def test_org_without_days_off_counts_on_the_republics_calendar_itself(start: datetime, rule: str,
                                                                       urgent: bool) -> None:
    org = OrgDeadlines(BASE).of(1, ())
    assert org is BASE
    assert org.due(rule, start, urgent=urgent) == BASE.due(rule, start, urgent=urgent)


@PROPS
@given(start=starts, rule=rules, weekends=st.lists(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=8))
def test_days_off_the_republic_already_has_change_nothing(start: datetime, rule: str, weekends: list[date]) -> None:
    """A rebuilt calendar (a new object) whose extra days are already days off computes every due the same."""
    already_off = [d for d in weekends if not BASE.calendar.is_working_day(d)] + [date(2026, 4, 28)]
    org = deadlines_with_days_off(BASE, already_off)
    assert org is not BASE
    assert org.due(rule, start) == BASE.due(rule, start)


@PROPS
@given(start=starts, rule=rules, offset=st.integers(-3, 10))
def test_an_own_day_off_moves_a_deadline_only_when_it_falls_before_it(start: datetime, rule: str,
                                                                      offset: int) -> None:
    day = start.date() + timedelta(days=offset)
    org = deadlines_with_days_off(BASE, [day])
    base_due, org_due = BASE.due(rule, start), org.due(rule, start)
    assert org_due >= base_due
    if not BASE.calendar.is_working_day(day) or day < start.date() or day > base_due.date():
        assert org_due == base_due
    assert not org.calendar.is_working_day(day)


def test_an_own_day_off_wins_over_a_working_day_declared_in_the_file() -> None:
    cal = with_days_off(BASE.calendar, [date(2026, 3, 14)])
    assert BASE.calendar.is_working_day(date(2026, 3, 14)) and not cal.is_working_day(date(2026, 3, 14))


def test_organisations_deadlines_are_built_again_when_the_republics_calendar_changes() -> None:
    base = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK))
    orgs = OrgDeadlines(base)
    first = orgs.of(2, [date(2026, 12, 7)])
    assert orgs.of(2, [date(2026, 12, 7)]) is first                       # built once
    base.calendar.overrides = CalendarOverrides(regional_days_off={date(2026, 12, 8)})
    again = orgs.of(2, [date(2026, 12, 7)])
    assert again is not first
    assert not again.calendar.is_working_day(date(2026, 12, 8)) and not again.calendar.is_working_day(date(2026, 12, 7))
