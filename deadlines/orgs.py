"""An organisation's own extra days off on top of the republic's calendar (issue 14 §1).

Pure: the republic's ``WorkCalendar`` (the production calendar and the overrides file) is the base; an
organisation with extra days off counts its deadlines on a calendar whose overrides are the base's plus
those days (a day off of its own wins over a working day the file declares). An organisation without extra
days off counts on the base itself — the very object, so it computes exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from deadlines.calendar import WorkCalendar
from deadlines.overrides import CalendarOverrides
from deadlines.rules import Deadlines


def with_days_off(calendar: WorkCalendar, days_off: Iterable[date]) -> WorkCalendar:
    """The calendar plus extra days off; the same calendar when there are none."""
    extra = set(days_off)
    if not extra:
        return calendar
    base = calendar.overrides
    merged = CalendarOverrides(
        regional_days_off=base.regional_days_off | extra,
        extra_working_days=base.extra_working_days - extra,
        extra_shortened_days=base.extra_shortened_days - extra,
        declared_working_days=base.declared_working_days - extra)
    return WorkCalendar(calendar.schedule, calendar.tz, merged)


def deadlines_with_days_off(deadlines: Deadlines, days_off: Iterable[date]) -> Deadlines:
    """The same rules counted on the calendar with the extra days off; the same object when there are none."""
    calendar = with_days_off(deadlines.calendar, days_off)
    if calendar is deadlines.calendar:
        return deadlines
    return Deadlines(calendar, deadlines.rules, deadlines.urgent_answer_minutes)


class OrgDeadlines:
    """Each organisation's deadlines, built once per (republic's overrides, organisation's days off): a change
    of the republic's calendar (a new overrides object) or of the organisation's days builds them again."""

    def __init__(self, base: Deadlines) -> None:
        self.base = base
        self._built: dict[int, tuple[CalendarOverrides, tuple[date, ...], Deadlines]] = {}

    def of(self, org_id: int, days_off: Iterable[date]) -> Deadlines:
        days = tuple(sorted(set(days_off)))
        if not days:
            return self.base
        overrides = self.base.calendar.overrides
        built = self._built.get(org_id)
        if built is not None and built[0] is overrides and built[1] == days:
            return built[2]
        deadlines = deadlines_with_days_off(self.base, days)
        self._built[org_id] = (overrides, days, deadlines)
        return deadlines
