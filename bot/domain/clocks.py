"""The clocks of a case: counted with its own terms, opened, closed and counted again.

Pure: no aiogram, no SQL; the calendar arithmetic is `deadlines.rules.Deadlines`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.domain.model import Case, Deadline, Owner
from deadlines.rules import Deadlines


def due(case: Case, dl: Deadlines, rule: str, start: datetime) -> datetime:
    """``rule``'s deadline counted from ``start`` with this case's terms: «Срочно» or the operator's own
    answer term (cl. 9), and calendar time while the head's decision to work off hours holds (cl. 8)."""
    return dl.due(rule, start, urgent=case.urgent, answer_minutes=case.answer_minutes,
                  calendar_span=case.calendar_span)


def recompute(case: Case, dl: Deadlines, now: datetime, rules: Iterable[str] | None = None) -> list[Deadline]:
    """Count the open deadlines (of ``rules``, all by default) again from their starts with the case's
    terms and the calendar as they are now; the deadlines whose due time moved. A miss attributed to a
    deadline that now falls after ``now`` is no miss any more: its blame goes (it is fixed again if the new
    deadline runs out too)."""
    wanted = None if rules is None else set(rules)
    moved = []
    for d in case.deadlines:
        if not d.is_open or (wanted is not None and d.rule not in wanted):
            continue
        start = answer_start(case) if d.rule in ("answer", "draft") else d.started_at
        new = due(case, dl, d.rule, start)
        if new != d.due_at:
            d.due_at = new
            if new > now:
                d.blame, d.blame_inherited = None, False
            moved.append(d)
    return moved


def open_clock(case: Case, dl: Deadlines, rule: str, owner: Owner, start: datetime,
          department_id: int | None = None, *, due_start: datetime | None = None) -> Deadline:
    existing = case.open_deadline(rule, department_id)
    if existing is not None:
        existing.close(start, fulfilled=False)
    d = Deadline(rule=rule, owner=owner, started_at=start, due_at=due(case, dl, rule, due_start or start),
                 department_id=department_id)
    case.deadlines.append(d)
    return d


def end_clocks(case: Case, now: datetime, rules: Iterable[str], department_id: int | None | object = ...,
           *, fulfilled: bool = True) -> None:
    wanted = set(rules)
    for d in case.deadlines:
        if d.is_open and d.rule in wanted and (department_id is ... or d.department_id == department_id):
            d.close(now, fulfilled=fulfilled)


def close_all(case: Case, now: datetime, *, fulfilled: bool = False) -> None:
    for d in case.deadlines:
        if d.is_open:
            d.close(now, fulfilled=fulfilled)


def inherit_window(dl: Deadlines) -> float:
    """Minutes: a department that gets a case with less than half the usual time to prepare its draft
    (cl. 6 − cl. 13: 1 h of 2 h) inherits the lateness of whoever used the time up."""
    spare = dl.rules["answer"].minutes - dl.rules["draft"].minutes
    return max(0, spare) / 2


def answer_start(case: Case) -> datetime:
    """The answer clock's start: detection, or the moment it was restarted (reopen, author's reply)."""
    for d in reversed(case.deadlines):
        if d.rule == "answer":
            return d.started_at
    return case.detected_at
