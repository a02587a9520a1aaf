"""The regulation's clocks (постановление № 307), hand-checked against the 2025–2026 calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from deadlines.calendar import CalendarOverrides, WorkCalendar
from deadlines.rules import (
    DEFAULT_RULES,
    DEFAULT_URGENT_ANSWER_MINUTES,
    RULES,
    Deadlines,
    RuleSpec,
    UnknownRule,
)
from deadlines.schedule import DEFAULT_SCHEDULE, Schedule

MSK = ZoneInfo("Europe/Moscow")


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


@pytest.fixture
def dl() -> Deadlines:
    return Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK))


def test_defaults() -> None:
    assert set(DEFAULT_RULES) == set(RULES)
    assert {name: spec.minutes for name, spec in DEFAULT_RULES.items()} == {
        "route": 30, "decline": 30, "answer": 180, "draft": 60, "approval": 60, "rework": 30, "publish": 10,
        "info": 120, "final": 0}
    assert all(spec.clock == "working" for spec in DEFAULT_RULES.values())
    assert DEFAULT_URGENT_ANSWER_MINUTES == 120


# cl. 9: routing within 30 minutes of detection

def test_cl9_route_30_working_minutes_across_lunch(dl: Deadlines) -> None:
    assert dl.due("route", t(2026, 3, 2, 12, 45)) == t(2026, 3, 2, 14, 15)


def test_cl9_route_detected_on_sunday_night_counts_from_opening(dl: Deadlines) -> None:
    assert dl.due("route", t(2026, 3, 1, 22, 0)) == t(2026, 3, 2, 9, 30)


def test_cl9_route_lands_exactly_on_closing(dl: Deadlines) -> None:
    assert dl.due("route", t(2026, 3, 2, 17, 30)) == t(2026, 3, 2, 18, 0)


# cl. 12: "not our competence" within 30 minutes of receipt

def test_cl12_decline_30_min_across_the_night(dl: Deadlines) -> None:
    assert dl.due("decline", t(2026, 3, 3, 17, 50)) == t(2026, 3, 4, 9, 20)


# cl. 6: the answer within 3 working hours of detection

def test_cl6_answer_3_working_hours_same_day(dl: Deadlines) -> None:
    assert dl.due("answer", t(2026, 3, 2, 10, 0)) == t(2026, 3, 2, 13, 0)   # closing before lunch: stays
    assert dl.due("answer", t(2026, 3, 2, 10, 30)) == t(2026, 3, 2, 14, 30)  # lunch pauses


def test_cl6_answer_3_working_hours_friday_evening_before_holiday(dl: Deadlines) -> None:
    # 08.05.2026 is shortened (till 17:00); 09–10.05 weekend, 11.05 transferred day off
    assert dl.due("answer", t(2026, 5, 8, 17, 30)) == t(2026, 5, 12, 12, 0)
    assert dl.due("answer", t(2026, 5, 8, 16, 30)) == t(2026, 5, 12, 11, 30)


def test_cl6_answer_lands_exactly_on_closing_time(dl: Deadlines) -> None:
    assert dl.due("answer", t(2026, 3, 2, 15, 0)) == t(2026, 3, 2, 18, 0)


def test_cl6_answer_across_new_year_holidays(dl: Deadlines) -> None:
    assert dl.due("answer", t(2025, 12, 30, 16, 0)) == t(2026, 1, 12, 10, 0)


def test_cl6_answer_across_transferred_day_off_0903(dl: Deadlines) -> None:
    assert dl.due("answer", t(2026, 3, 6, 17, 0)) == t(2026, 3, 10, 11, 0)


def test_cl6_answer_on_working_saturday_2025_11_01(dl: Deadlines) -> None:
    assert dl.due("answer", t(2025, 10, 31, 17, 0)) == t(2025, 11, 1, 11, 0)


def test_cl6_answer_detected_during_lunch(dl: Deadlines) -> None:
    assert dl.due("answer", t(2026, 3, 2, 13, 30)) == t(2026, 3, 2, 17, 0)


def test_cl9_urgent_answer_2_working_hours(dl: Deadlines) -> None:
    assert dl.due("answer", t(2026, 3, 2, 16, 30), urgent=True) == t(2026, 3, 3, 9, 30)
    assert dl.due("answer", t(2026, 3, 2, 10, 0), urgent=True) == t(2026, 3, 2, 12, 0)


def test_cl9_urgent_minutes_are_configurable() -> None:
    dl = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK), urgent_answer_minutes=60)
    assert dl.due("answer", t(2026, 3, 2, 10, 0), urgent=True) == t(2026, 3, 2, 11, 0)


# cl. 13: the draft no later than 1 hour before the cl. 6 deadline

def test_cl13_draft_one_working_hour_before_answer(dl: Deadlines) -> None:
    # answer 13:00 (closing before lunch, stays) → draft 12:00
    assert dl.due("draft", t(2026, 3, 2, 10, 0)) == t(2026, 3, 2, 12, 0)


def test_cl13_draft_is_the_latest_moment_with_an_hour_left(dl: Deadlines) -> None:
    # answer Tue 10:00 → draft Tue 09:00 (the opening), not Mon 18:00
    assert dl.due("answer", t(2026, 3, 2, 16, 0)) == t(2026, 3, 3, 10, 0)
    assert dl.due("draft", t(2026, 3, 2, 16, 0)) == t(2026, 3, 3, 9, 0)


def test_cl13_draft_backwards_across_lunch_and_holidays(dl: Deadlines) -> None:
    # answer 14:30 → back 30 min to 14:00, lunch skipped, 30 more → 12:30
    assert dl.due("draft", t(2026, 3, 2, 10, 30)) == t(2026, 3, 2, 12, 30)
    # answer 12.05 12:00 → draft 12.05 11:00; answer 12.01.2026 10:00 → draft 12.01 09:00
    assert dl.due("draft", t(2026, 5, 8, 17, 30)) == t(2026, 5, 12, 11, 0)
    assert dl.due("draft", t(2025, 12, 30, 16, 0)) == t(2026, 1, 12, 9, 0)


def test_cl13_draft_urgent_follows_the_urgent_answer(dl: Deadlines) -> None:
    assert dl.due("draft", t(2026, 3, 2, 10, 0), urgent=True) == t(2026, 3, 2, 11, 0)


def test_cl13_draft_never_before_start() -> None:
    dl = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK), {"draft": RuleSpec(200)})
    assert dl.due("draft", t(2026, 3, 2, 10, 0)) == t(2026, 3, 2, 10, 0)
    assert dl.due("draft", datetime(2026, 3, 2, 17, 0, tzinfo=UTC)) == t(2026, 3, 2, 20, 0)


# cl. 14–16

def test_cl14_approval_1_hour_on_shortened_day_before_may_holidays(dl: Deadlines) -> None:
    # 30.04.2026 shortened till 17:00; 01.05 holiday, 02–03.05 weekend
    assert dl.due("approval", t(2026, 4, 30, 16, 30)) == t(2026, 5, 4, 9, 30)


def test_cl15_rework_30_min_over_lunch(dl: Deadlines) -> None:
    assert dl.due("rework", t(2026, 3, 2, 12, 50)) == t(2026, 3, 2, 14, 20)


def test_cl16_publish_10_min_over_the_night(dl: Deadlines) -> None:
    assert dl.due("publish", t(2026, 3, 2, 17, 55)) == t(2026, 3, 3, 9, 5)


# cl. 17: information from each department within 2 hours

def test_cl17_info_2_hours_over_weekend_and_transferred_day(dl: Deadlines) -> None:
    assert dl.due("info", t(2026, 3, 6, 17, 0)) == t(2026, 3, 10, 10, 0)


# cl. 7: the final answer within 1 working day of the day the intermediate answer was posted

@pytest.mark.parametrize(("posted", "expected"), [
    (t(2026, 3, 2, 11, 0), t(2026, 3, 3, 18, 0)),
    (t(2026, 3, 6, 10, 0), t(2026, 3, 10, 18, 0)),      # Mon 09.03 is a day off
    (t(2026, 3, 7, 12, 0), t(2026, 3, 10, 18, 0)),      # posted on Saturday
    (t(2026, 4, 29, 17, 59), t(2026, 4, 30, 17, 0)),    # next day is shortened
    (t(2025, 12, 30, 9, 0), t(2026, 1, 12, 18, 0)),     # New Year holidays
    (datetime(2026, 3, 2, 22, 30, tzinfo=UTC), t(2026, 3, 4, 18, 0)),  # already 03.03 in Moscow
])
def test_cl7_final_end_of_next_working_day(dl: Deadlines, posted: datetime, expected: datetime) -> None:
    assert dl.due("final", posted) == expected


# cl. 8 and regional days off

def test_cl8_declared_working_saturday_counts() -> None:
    overrides = CalendarOverrides(declared_working_days={date(2026, 3, 14)})
    dl = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK, overrides))
    assert dl.due("answer", t(2026, 3, 13, 17, 0)) == t(2026, 3, 14, 11, 0)
    assert dl.due("final", t(2026, 3, 13, 10, 0)) == t(2026, 3, 14, 18, 0)


def test_regional_day_off_uraza_bayram_2025() -> None:
    overrides = CalendarOverrides(regional_days_off={date(2025, 3, 31)})
    dl = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK, overrides))
    assert dl.due("answer", t(2025, 3, 28, 17, 0)) == t(2025, 4, 1, 11, 0)
    assert dl.due("final", t(2025, 3, 28, 10, 0)) == t(2025, 4, 1, 18, 0)


# round the clock and the calendar clock

def test_round_the_clock_schedule_answer_on_saturday_night() -> None:
    dl = Deadlines(WorkCalendar(Schedule(frozenset(range(7)), ((0, 1440),)), MSK))
    assert dl.due("answer", t(2026, 3, 14, 3, 0)) == t(2026, 3, 14, 6, 0)
    assert dl.due("final", t(2026, 3, 14, 3, 0)) == t(2026, 3, 16, 0, 0)   # end of Sunday 15.03 = midnight


def test_calendar_clock_variants() -> None:
    rules = {name: RuleSpec(spec.minutes, "calendar") for name, spec in DEFAULT_RULES.items()}
    dl = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK), rules)
    saturday_night = t(2026, 3, 7, 22, 0)
    assert dl.due("route", saturday_night) == t(2026, 3, 7, 22, 30)
    assert dl.due("answer", saturday_night) == t(2026, 3, 8, 1, 0)
    assert dl.due("answer", saturday_night, urgent=True) == t(2026, 3, 8, 0, 0)
    assert dl.due("draft", saturday_night) == t(2026, 3, 8, 0, 0)
    assert dl.due("publish", saturday_night) == t(2026, 3, 7, 22, 10)
    assert dl.due("final", saturday_night) == t(2026, 3, 9, 0, 0)


def test_mixed_clocks_answer_working_draft_calendar() -> None:
    dl = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK), {"draft": RuleSpec(60, "calendar")})
    # answer Tue 10:00 → draft 60 plain minutes earlier
    assert dl.due("draft", t(2026, 3, 2, 16, 0)) == t(2026, 3, 3, 9, 0)
    assert dl.due("draft", t(2026, 3, 2, 15, 30)) == t(2026, 3, 3, 8, 30)


# errors and time zones

def test_unknown_rule(dl: Deadlines) -> None:
    with pytest.raises(UnknownRule, match="неизвестное правило"):
        dl.due("escalate", t(2026, 3, 2, 10, 0))
    assert issubclass(UnknownRule, ValueError)


def test_unknown_rule_in_configuration() -> None:
    with pytest.raises(UnknownRule):
        Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK), {"answr": RuleSpec(10)})


def test_rule_spec_validation() -> None:
    with pytest.raises(ValueError, match="отрицательной"):
        RuleSpec(-1)
    with pytest.raises(ValueError, match="способ"):
        RuleSpec(10, "lunar")  # type: ignore[arg-type]


def test_naive_start_rejected(dl: Deadlines) -> None:
    for rule in RULES:
        with pytest.raises(ValueError, match="часового пояса"):
            dl.due(rule, datetime(2026, 3, 2, 10, 0))


@pytest.mark.parametrize("rule", RULES)
def test_results_are_in_calendar_zone(dl: Deadlines, rule: str) -> None:
    due = dl.due(rule, datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    assert due.tzinfo is MSK
    assert due >= datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def test_cl8_calendar_span_counts_plain_time_inside_and_working_time_around(deadlines: Deadlines) -> None:
    from tests.conftest import msk

    dl = deadlines
    start = msk(2026, 12, 1, 17, 30)                          # Tuesday; 30 working minutes left today
    assert dl.due("answer", start) == msk(2026, 12, 2, 11, 30)
    evening = (msk(2026, 12, 1, 19, 0), None)                 # decided at 19:00, until the case closes
    assert dl.due("answer", start, calendar_span=evening) == msk(2026, 12, 1, 21, 30)
    assert dl.due("draft", start, calendar_span=evening) == msk(2026, 12, 1, 20, 30)
    one_hour = (msk(2026, 12, 1, 19, 0), msk(2026, 12, 1, 20, 0))
    assert dl.due("answer", start, calendar_span=one_hour) == msk(2026, 12, 2, 10, 30)
    assert dl.due("draft", start, calendar_span=one_hour) == msk(2026, 12, 2, 9, 30)
    assert dl.due("answer", start, answer_minutes=45) == msk(2026, 12, 2, 9, 15)


def test_cl13_minutes_left_of_a_clock_are_its_own_minutes_across_closing_time_and_lunch(dl: Deadlines) -> None:
    """What a card says is left (e.g. an inherited draft clock): working minutes for a working clock."""
    tue_1750, wed_0920 = t(2026, 12, 1, 17, 50), t(2026, 12, 2, 9, 20)
    assert dl.minutes_left("draft", tue_1750, wed_0920) == 30             # 17:50–18:00 + 09:00–09:20
    assert dl.minutes_left("draft", t(2026, 12, 1, 12, 50), t(2026, 12, 1, 14, 10)) == 20   # lunch left out
    assert dl.minutes_left("draft", wed_0920, tue_1750) == 0              # already past
    plain = Deadlines(dl.calendar, {"draft": RuleSpec(60, "calendar")})
    assert plain.minutes_left("draft", tue_1750, wed_0920) == 15 * 60 + 30
    # cl. 8 per case: calendar time inside the span (19:00 until closing of the case), working time before
    assert dl.minutes_left("draft", tue_1750, wed_0920, (t(2026, 12, 1, 19, 0), None)) == 10 + 14 * 60 + 20
    # the span ended at 08:00: working time again after it
    assert dl.minutes_left("draft", tue_1750, wed_0920,
                           (t(2026, 12, 1, 19, 0), t(2026, 12, 2, 8, 0))) == 10 + 13 * 60 + 20
    with pytest.raises(UnknownRule):
        dl.minutes_left("nope", tue_1750, wed_0920)
