"""When to remind whoever owes a step, and when to tell them (and the head) it was missed. Pure.

For an open deadline (started at ``started_at``, due at ``due_at``, counted on the rule's clock):

* the **reminder** falls when ``fraction`` of its time has passed (2/3 by default): on the working
  clock that is ``fraction`` of the working minutes between start and due added to the start; on the
  plain clock, ``fraction`` of the elapsed time (rounded to whole minutes). A moment outside working time is moved to the next
  working opening — nobody is woken at night, at lunch or on a day off — except on dates declared
  working (cl. 8), which the working calendar counts as working days. A moment exactly at closing time
  also moves to the next opening (a nudge at the closing bell helps nobody). No reminder when the
  fraction is 0, when the rule has no time at all, or when the moved moment is not before the expiry.
* the **expiry notice** falls at ``due_at`` when that is working time (closing time included: a
  deadline of 18:00 is reported at 18:00), otherwise at the next working opening.
* ``night=True``: the case is worked on outside working hours by the head's decision (cl. 8 per case):
  both moments fall when they fall, at night too, counted on the plain clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from deadlines.calendar import WorkCalendar

DEFAULT_FRACTION = 0.667
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Moments:
    remind_at: datetime | None      # None: no reminder for this deadline
    expire_at: datetime


def waking(calendar: WorkCalendar, at: datetime, *, closing_counts: bool = False) -> datetime:
    """``at`` if people are at work then, otherwise the next working opening."""
    if calendar.is_working_time(at):
        return at.astimezone(calendar.tz)
    if closing_counts and calendar.is_working_time(at - _TICK):
        return at.astimezone(calendar.tz)
    return calendar.next_opening(at)


def expiry_moment(calendar: WorkCalendar, due_at: datetime) -> datetime:
    return waking(calendar, due_at, closing_counts=True)


def reminder_moment(calendar: WorkCalendar, started_at: datetime, due_at: datetime, *, clock: str = "working",
                    fraction: float = DEFAULT_FRACTION, night: bool = False) -> datetime | None:
    """The reminder's moment, or None when there is to be no reminder."""
    if night:
        clock = "calendar"
    if fraction <= 0 or fraction >= 1 or due_at <= started_at:
        return None
    if clock == "calendar":
        minutes = (due_at.astimezone(UTC) - started_at.astimezone(UTC)).total_seconds() / 60
    else:
        minutes = calendar.working_minutes_between(started_at, due_at)
    if minutes <= 0:
        return None
    # Whole minutes (at least one): "10:20", not "10:20:00.6", in the text and in the tests.
    elapsed = max(1, round(minutes * fraction))
    if clock == "calendar":
        raw = (started_at.astimezone(UTC) + timedelta(minutes=elapsed)).astimezone(calendar.tz)
    else:
        raw = calendar.add(started_at, elapsed)
    moment = raw if night else waking(calendar, raw)
    if moment >= (due_at if night else expiry_moment(calendar, due_at)):
        return None
    return moment


def moments(calendar: WorkCalendar, started_at: datetime, due_at: datetime, *, clock: str = "working",
            fraction: float = DEFAULT_FRACTION, night: bool = False) -> Moments:
    return Moments(reminder_moment(calendar, started_at, due_at, clock=clock, fraction=fraction, night=night),
                   due_at.astimezone(calendar.tz) if night else expiry_moment(calendar, due_at))
