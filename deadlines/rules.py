"""The regulation's clocks (постановление № 307): what each deadline is counted from and how long it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal, get_args

from deadlines.calendar import WorkCalendar

RULES = ("route", "decline", "answer", "draft", "approval", "rework", "publish", "info", "final")
Clock = Literal["working", "calendar"]
_CLOCKS = get_args(Clock)


@dataclass(frozen=True)
class RuleSpec:
    minutes: int
    clock: Clock = "working"

    def __post_init__(self) -> None:
        if self.minutes < 0:
            raise ValueError(f"длительность срока не может быть отрицательной ({self.minutes} мин)")
        if self.clock not in _CLOCKS:
            raise ValueError(f"неизвестный способ счёта «{self.clock}»; допустимы working, calendar")


DEFAULT_RULES: dict[str, RuleSpec] = {
    "route": RuleSpec(30),  # cl. 9: detection + 30 min
    "decline": RuleSpec(30),  # cl. 12: receipt by the department + 30 min
    "answer": RuleSpec(180),  # cl. 6: detection + 3 working hours
    "draft": RuleSpec(60),  # cl. 13: answer deadline − 1 hour
    "approval": RuleSpec(60),  # cl. 14: draft receipt + 1 hour
    "rework": RuleSpec(30),  # cl. 15: return + 30 min
    "publish": RuleSpec(10),  # cl. 16: approval + 10 min
    "info": RuleSpec(120),  # cl. 17: receipt + 2 hours
    "final": RuleSpec(0),  # cl. 7: end of the next working day (minutes unused)
}
DEFAULT_URGENT_ANSWER_MINUTES = 120
#: A per-case decision to work outside working hours (cl. 8): from ``since`` until ``until`` (None: until
#: the case closes) the case's working clocks run on calendar time.
CalendarSpan = tuple[datetime, datetime | None]


def _inside(span: CalendarSpan, at: datetime) -> bool:
    since, until = span
    return since <= at and (until is None or at < until)


class UnknownRule(ValueError):
    """A rule name that is not one of ``RULES``."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"неизвестное правило срока «{rule}»; допустимы: {', '.join(RULES)}")
        self.rule = rule


class Deadlines:
    """Deadline of each rule from its start time, on the working calendar or the plain clock."""

    def __init__(
        self,
        calendar: WorkCalendar,
        rules: Mapping[str, RuleSpec] | None = None,
        urgent_answer_minutes: int = DEFAULT_URGENT_ANSWER_MINUTES,
    ) -> None:
        specs = dict(DEFAULT_RULES)
        for name, spec in (rules or {}).items():
            if name not in specs:
                raise UnknownRule(name)
            specs[name] = spec
        if urgent_answer_minutes < 0:
            raise ValueError("срок ответа на срочное сообщение не может быть отрицательным")
        self.calendar = calendar
        self.rules: dict[str, RuleSpec] = specs
        self.urgent_answer_minutes = urgent_answer_minutes

    def due(self, rule: str, start: datetime, *, urgent: bool = False, answer_minutes: int | None = None,
            calendar_span: CalendarSpan | None = None) -> datetime:
        """When ``rule`` counted from ``start`` expires (aware datetime in the calendar's time zone).

        ``answer_minutes``: the operator's own shorter answer term (cl. 9), before the «Срочно» preset.
        ``calendar_span``: (since, until) of a per-case decision to work outside working hours (cl. 8):
        inside it the working clocks run on calendar time; ``until`` None means until the case closes.
        """
        spec = self.rules.get(rule)
        if spec is None:
            raise UnknownRule(rule)
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"время {start.isoformat()} без часового пояса; нужны дата и время с поясом")
        span = calendar_span
        if rule == "final":
            if span is not None and _inside(span, start):
                spec = RuleSpec(spec.minutes, "calendar")
            return self._final(start, spec)
        if rule == "draft":
            answer = self.due("answer", start, urgent=urgent, answer_minutes=answer_minutes, calendar_span=span)
            draft = self._shift(answer, -spec.minutes, spec.clock, span)
            return max(draft, start.astimezone(self.calendar.tz))
        minutes = self.answer_term(urgent=urgent, answer_minutes=answer_minutes) if rule == "answer" else spec.minutes
        return self._shift(start, minutes, spec.clock, span)

    @property
    def longest_own_answer_term(self) -> int:
        """cl. 9: the operator may set an answer term shorter than the normal one — at most this many minutes."""
        return self.rules["answer"].minutes - 1

    def answer_term(self, *, urgent: bool = False, answer_minutes: int | None = None) -> int:
        """The answer term in minutes (cl. 6, 9): the operator's own shorter term, else «Срочно», else the rule."""
        if answer_minutes is not None:
            return answer_minutes
        return self.urgent_answer_minutes if urgent else self.rules["answer"].minutes

    def latest_approval(self, approval_due: datetime, answer_due: datetime) -> datetime:
        """cl. 13–16 chained: the latest approval that still lets the answer be published by ``answer_due``
        (cl. 6, 7) — the approval deadline (cl. 14), or the answer deadline less the publication term
        (cl. 16) when that is earlier. A draft sent at the last allowed moment (answer − 1 h), approved
        within the hour and published within 10 minutes would end 10 minutes late."""
        spec = self.rules["publish"]
        return min(approval_due, self._shift(answer_due, -spec.minutes, spec.clock))

    def minutes_left(self, rule: str, now: datetime, due: datetime,
                     calendar_span: CalendarSpan | None = None) -> float:
        """The time of ``rule``'s clock from ``now`` to ``due`` in minutes (0 when past): working minutes
        (lunch, closing time, days off do not count) for a working clock, plain minutes for a calendar one
        and inside a per-case decision to work outside working hours (cl. 8, ``calendar_span``)."""
        spec = self.rules.get(rule)
        if spec is None:
            raise UnknownRule(rule)
        if due <= now:
            return 0.0
        if spec.clock == "calendar":
            return (due - now).total_seconds() / 60
        if calendar_span is None:
            return self.calendar.working_minutes_between(now, due)
        since, until = calendar_span
        inside_from, inside_to = max(now, since), due if until is None else min(due, until)
        inside = max(0.0, (inside_to - inside_from).total_seconds() / 60)
        before = self.calendar.working_minutes_between(now, min(due, since))
        after = 0.0 if until is None else self.calendar.working_minutes_between(max(now, until), due)
        return before + inside + after

    def _shift(self, at: datetime, minutes: int, clock: Clock, span: CalendarSpan | None = None) -> datetime:
        tz = self.calendar.tz
        if clock == "calendar":
            return (at.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(tz)
        if span is not None:
            return (self._forward if minutes >= 0 else self._backward)(at, abs(minutes), span).astimezone(tz)
        if minutes < 0:
            return self.calendar.subtract(at, -minutes)
        return self.calendar.add(at, minutes)

    def _forward(self, at: datetime, minutes: float, span: CalendarSpan) -> datetime:
        """Working time before ``since``, calendar time inside the span, working time after ``until``."""
        cal, (since, until) = self.calendar, span
        if at < since:
            worked = cal.working_minutes_between(at, since)
            if worked >= minutes:
                return cal.add(at, minutes)
            minutes, at = minutes - worked, since
        if until is None or at < until:
            left = None if until is None else (until - at).total_seconds() / 60
            if left is None or left >= minutes:
                return at + timedelta(minutes=minutes)
            assert until is not None
            minutes, at = minutes - left, until
        return cal.add(at, minutes)

    def _backward(self, at: datetime, minutes: float, span: CalendarSpan) -> datetime:
        """The mirror of ``_forward``: the instant ``minutes`` of this case's time before ``at``."""
        cal, (since, until) = self.calendar, span
        if until is not None and at > until:
            worked = cal.working_minutes_between(until, at)
            if worked >= minutes:
                return cal.subtract(at, minutes)
            minutes, at = minutes - worked, until
        if at > since:
            left = (at - since).total_seconds() / 60
            if left >= minutes:
                return at - timedelta(minutes=minutes)
            minutes, at = minutes - left, since
        return cal.subtract(at, minutes)

    def _final(self, posted: datetime, spec: RuleSpec) -> datetime:
        """cl. 7, «в течение 1 рабочего дня со дня размещения» (art. 191 Civil Code: from the next day)."""
        cal = self.calendar
        day = posted.astimezone(cal.tz).date()
        if spec.clock == "calendar":
            return datetime.combine(day + timedelta(days=2), time(), tzinfo=cal.tz)
        return cal.end_of_working_day(cal.next_working_day(day))
