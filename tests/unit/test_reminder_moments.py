"""The pure moments of reminders and expiry notices: 2/3 of the rule's time, never at night or lunch."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines.calendar import CalendarOverrides, WorkCalendar
from deadlines.reminders import expiry_moment, moments, reminder_moment
from deadlines.rules import Deadlines, RuleSpec
from deadlines.schedule import DEFAULT_SCHEDULE
from tests.conftest import MSK, msk


def test_two_thirds_of_working_time(calendar: WorkCalendar, deadlines: Deadlines) -> None:
    start = msk(2026, 12, 1, 10, 0)
    assert reminder_moment(calendar, start, deadlines.due("route", start)) == msk(2026, 12, 1, 10, 20)
    assert reminder_moment(calendar, start, deadlines.due("answer", start)) == msk(2026, 12, 1, 12, 0)
    assert reminder_moment(calendar, start, deadlines.due("publish", start)) == msk(2026, 12, 1, 10, 7)
    assert expiry_moment(calendar, deadlines.due("answer", start)) == msk(2026, 12, 1, 13, 0)


def test_reminder_skips_lunch(calendar: WorkCalendar, deadlines: Deadlines) -> None:
    start = msk(2026, 12, 1, 12, 50)                 # 10 min before lunch, 20 after it
    due = deadlines.due("route", start)
    assert due == msk(2026, 12, 1, 14, 20)
    # 20 working minutes: 10 before lunch, 10 after it — never during lunch
    assert reminder_moment(calendar, start, due) == msk(2026, 12, 1, 14, 10)
    start = msk(2026, 12, 1, 12, 40)                 # reminder exactly at 13:00 → after lunch
    due = deadlines.due("route", start)
    assert reminder_moment(calendar, start, due) == msk(2026, 12, 1, 14, 0)


def test_calendar_clock_reminder_at_lunch_moves_to_the_opening(calendar: WorkCalendar) -> None:
    start = msk(2026, 12, 1, 12, 30)
    due = start + timedelta(minutes=120)             # 14:30 on the plain clock; 2/3 → 13:50, at lunch
    assert reminder_moment(calendar, start, due, clock="calendar") == msk(2026, 12, 1, 14, 0)
    assert expiry_moment(calendar, msk(2026, 12, 1, 13, 30)) == msk(2026, 12, 1, 14, 0)


def test_no_reminder_at_night(calendar: WorkCalendar) -> None:
    start = msk(2026, 12, 1, 17, 0)
    due = start + timedelta(hours=6)                 # 23:00 on the plain clock
    m = moments(calendar, start, due, clock="calendar")
    assert m.expire_at == msk(2026, 12, 2, 9, 0)      # reported at the next opening, not at 23:00
    assert m.remind_at is None                        # 21:00 → 09:00 next day is not before the expiry


def test_reminder_at_closing_bell_moves_to_monday(calendar: WorkCalendar, deadlines: Deadlines) -> None:
    start = msk(2026, 12, 4, 17, 40)                 # Friday
    due = deadlines.due("route", start)
    assert due == msk(2026, 12, 7, 9, 10)
    assert reminder_moment(calendar, start, due) == msk(2026, 12, 7, 9, 0)


def test_expiry_at_closing_time_is_reported_at_closing_time(calendar: WorkCalendar) -> None:
    assert expiry_moment(calendar, msk(2026, 12, 4, 18, 0)) == msk(2026, 12, 4, 18, 0)


def test_cl8_declared_working_saturday(deadlines: Deadlines) -> None:
    saturday = date(2026, 12, 5)
    calendar = WorkCalendar(DEFAULT_SCHEDULE, MSK, CalendarOverrides(declared_working_days={saturday}))
    dl = Deadlines(calendar)
    start = msk(2026, 12, 4, 17, 40)                 # Friday evening
    due = dl.due("route", start)
    assert due == msk(2026, 12, 5, 9, 10)             # the declared Saturday counts
    assert reminder_moment(calendar, start, due) == msk(2026, 12, 5, 9, 0)
    plain = WorkCalendar(DEFAULT_SCHEDULE, MSK)
    assert reminder_moment(plain, start, deadlines.due("route", start)) == msk(2026, 12, 7, 9, 0)


def test_fraction_zero_means_no_reminder(calendar: WorkCalendar, deadlines: Deadlines) -> None:
    start = msk(2026, 12, 1, 10, 0)
    assert reminder_moment(calendar, start, deadlines.due("answer", start), fraction=0) is None
    assert reminder_moment(calendar, start, deadlines.due("answer", start), fraction=0.5) == msk(2026, 12, 1, 11, 30)


def test_no_time_no_reminder(calendar: WorkCalendar) -> None:
    start = msk(2026, 12, 1, 10, 0)
    assert reminder_moment(calendar, start, start) is None


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=60 * 24 * 60), st.sampled_from(["route", "answer", "publish", "info",
                                                                            "approval", "final"]))
def test_moments_are_in_working_time_and_in_order(offset: int, rule: str) -> None:
    calendar = WorkCalendar(DEFAULT_SCHEDULE, MSK)
    dl = Deadlines(calendar, {"publish": RuleSpec(10, "calendar")})
    start = msk(2026, 11, 2, 0, 0) + timedelta(minutes=offset)
    due = dl.due(rule, start)
    m = moments(calendar, start, due, clock=dl.rules[rule].clock)
    assert m.expire_at >= due
    assert calendar.is_working_time(m.expire_at) or calendar.is_working_time(m.expire_at - timedelta(seconds=1))
    if m.remind_at is not None:
        assert calendar.is_working_time(m.remind_at)
        assert start <= m.remind_at < m.expire_at
