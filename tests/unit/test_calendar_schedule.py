"""Schedule parsing (WORK_DAYS, WORK_HOURS) and validation."""

from __future__ import annotations

import re

import pytest

from deadlines.schedule import DEFAULT_SCHEDULE, Schedule, parse_work_days, parse_work_hours

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def test_default_schedule() -> None:
    assert DEFAULT_SCHEDULE.work_days == frozenset({0, 1, 2, 3, 4})
    assert DEFAULT_SCHEDULE.intervals == ((540, 780), (840, 1080))
    assert DEFAULT_SCHEDULE.pre_holiday_cut_minutes == 60
    assert DEFAULT_SCHEDULE.day_minutes == 480


@pytest.mark.parametrize(("text", "expected"), [
    ("mon,tue,wed,thu,fri", {0, 1, 2, 3, 4}),
    (" Mon , TUE,wed ", {0, 1, 2}),
    ("mon-fri", {0, 1, 2, 3, 4}),
    ("пн-пт,сб", {0, 1, 2, 3, 4, 5}),
    ("sun", {6}),
    ("mon,mon", {0}),
])
def test_parse_work_days(text: str, expected: set[int]) -> None:
    assert parse_work_days(text) == frozenset(expected)


@pytest.mark.parametrize("text", ["", " , ", "mon,funday", "1,2", "fri-mon", "monday-"])
def test_parse_work_days_errors_are_russian(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_work_days(text)
    assert CYRILLIC.search(str(info.value))


@pytest.mark.parametrize(("text", "expected"), [
    ("09:00-13:00,14:00-18:00", ((540, 780), (840, 1080))),
    ("14:00-18:00, 09:00-13:00", ((540, 780), (840, 1080))),
    ("00:00-24:00", ((0, 1440),)),
    ("9:00 - 18:00", ((540, 1080),)),
    ("09:00-13:00,13:00-18:00", ((540, 1080),)),                 # touching intervals merge
])
def test_parse_work_hours(text: str, expected: tuple[tuple[int, int], ...]) -> None:
    assert parse_work_hours(text) == expected


@pytest.mark.parametrize(("text", "problem"), [
    ("", "не указаны"),
    ("09:00-13:00,12:00-18:00", "пересекаются"),
    ("9-5", "не понято"),
    ("09:00", "не понят"),
    ("18:00-09:00", "раньше конца"),
    ("10:00-10:00", "раньше конца"),
    ("25:00-26:00", "вне суток"),
    ("09:60-10:00", "вне суток"),
    ("24:00-24:00", "24:00"),
    ("24:30-23:00", "вне суток"),
    ("09:00-13:00-14:00", "не понят"),
])
def test_parse_work_hours_errors_are_russian(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_work_hours(text)


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"work_days": frozenset(), "intervals": ((540, 1080),)}, "ни одного рабочего дня"),
    ({"work_days": frozenset({7}), "intervals": ((540, 1080),)}, "от 0"),
    ({"work_days": frozenset({0}), "intervals": ()}, "интервала"),
    ({"work_days": frozenset({0}), "intervals": ((840, 1080), (540, 780))}, "не упорядочены"),
    ({"work_days": frozenset({0}), "intervals": ((540, 1500),)}, "24:00"),
    ({"work_days": frozenset({0}), "intervals": ((540, 1080),), "pre_holiday_cut_minutes": -1}, "отрицательным"),
])
def test_schedule_validation(kwargs: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Schedule(**kwargs)


def test_shortened_intervals_cut_from_the_end() -> None:
    assert DEFAULT_SCHEDULE.shortened_intervals() == ((540, 780), (840, 1020))
    long_cut = Schedule(frozenset({0}), ((540, 780), (840, 1080)), 300)
    assert long_cut.shortened_intervals() == ((540, 720),)
    assert Schedule(frozenset({0}), ((0, 1440),), 60).shortened_intervals() == ((0, 1380),)
