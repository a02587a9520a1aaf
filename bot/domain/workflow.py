"""The regulation as one transition table and the rules that apply it to a case.

Every action names the states it may start from, the roles that may take it, and what it does
to the case's deadlines (through `deadlines.rules.Deadlines`). Functions here change a `Case` in
memory; services load and save it in one transaction. Pure: no aiogram, no SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain import accountability
from bot.domain.errors import AccessDenied, InvalidTransition, ProfanityFound, ValidationFailed
from bot.domain.model import (
    CLOSURE_ANSWER,
    CLOSURE_CLARIFICATION,
    OPEN,
    TERMINAL,
    Actor,
    Assignment,
    Case,
    Deadline,
    DeptState,
    Draft,
    DraftKind,
    Media,
    Outcome,
    Owner,
    Publication,
    Role,
    Status,
)
from deadlines.rules import Deadlines


class Action(StrEnum):
    ROUTE = "route"                    # Направить (cl. 9, 10, 17)
    ACCEPT = "accept"                  # Принять в работу
    DECLINE = "decline"                # Не наша компетенция (cl. 12)
    SUBMIT_DRAFT = "submit_draft"      # На согласование (cl. 13)
    APPROVE = "approve"                # Согласовать (cl. 14)
    RETURN = "return"                  # На доработку (cl. 14, 15)
    PUBLISH = "publish"                # Скриншот (cl. 16)
    SUBMIT_INFO = "submit_info"        # information of one of several departments (cl. 17)
    COMPOSE = "compose"                # the operator composes the answer (cl. 17)
    AUTHOR_REPLY = "author_reply"      # the author answered a clarification request
    EXCLUDE = "exclude"                # 59-ФЗ (cl. 1)
    DISMISS = "dismiss"                # Не требует реакции
    REOPEN = "reopen"
    SET_URGENT = "set_urgent"          # Срочно (cl. 9)
    SET_ANSWER_TERM = "set_answer_term"  # a shorter answer term of the operator's choice (cl. 9)
    WORK_OFF_HOURS = "work_off_hours"  # Работать в нерабочее время: this case on calendar time (cl. 8)
    END_OFF_HOURS = "end_off_hours"    # Вернуть рабочее время: the cl. 8 decision ends now
    MARK_SIGNIFICANT = "mark_significant"  # Общественно значимое (cl. 21)
    ADD_DEPARTMENT = "add_department"  # ➕ Добавить отдел: the case becomes a cl. 17 case
    WITHDRAW = "withdraw"              # a department that declined leaves the case's list (cl. 12)
    CLOSE_NO_REPLY = "close_no_reply"  # Закрыть: автор не ответил (the clarification went unanswered)
    ANSWER_ANYWAY = "answer_anyway"    # Ответить без уточнения


OPERATORS = frozenset({Role.OPERATOR, Role.ADMIN})


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    roles: frozenset[Role]
    targets: frozenset[Status]         # every state the action may lead to (drawn in docs/)
    note: str = ""


def _t(action: Action, sources: Iterable[Status], roles: Iterable[Role], targets: Iterable[Status],
       note: str = "") -> Transition:
    return Transition(action, frozenset(sources), frozenset(roles), frozenset(targets), note)


S = Status
TRANSITIONS: dict[Action, Transition] = {t.action: t for t in (
    _t(Action.ROUTE, {S.NEW}, OPERATORS, {S.ROUTED, S.COLLECTING}, "one department / several (cl. 17)"),
    _t(Action.ACCEPT, {S.ROUTED, S.COLLECTING}, {Role.EXECUTOR}, {S.IN_WORK, S.COLLECTING}),
    _t(Action.DECLINE, {S.ROUTED, S.IN_WORK, S.COLLECTING}, {Role.EXECUTOR},
       {S.NEW, S.COLLECTING}, "back to the operator when no department is left (cl. 12)"),
    _t(Action.SUBMIT_DRAFT, {S.IN_WORK, S.REWORK, S.AWAITING_FINAL}, {Role.EXECUTOR}, {S.ON_APPROVAL},
       "one department only"),
    _t(Action.APPROVE, {S.ON_APPROVAL}, OPERATORS, {S.APPROVED}),
    _t(Action.RETURN, {S.ON_APPROVAL}, OPERATORS, {S.REWORK}),
    _t(Action.PUBLISH, {S.APPROVED}, {Role.EXECUTOR, Role.OPERATOR, Role.ADMIN},
       {S.CLOSED, S.AWAITING_FINAL, S.AWAITING_AUTHOR}, "by the kind of the approved text"),
    _t(Action.SUBMIT_INFO, {S.COLLECTING}, {Role.EXECUTOR}, {S.COLLECTING}, "several departments only"),
    _t(Action.COMPOSE, {S.COLLECTING, S.AWAITING_FINAL}, OPERATORS, {S.APPROVED}, "several departments only"),
    _t(Action.AUTHOR_REPLY, {S.AWAITING_AUTHOR}, OPERATORS, {S.IN_WORK, S.COLLECTING}),
    _t(Action.EXCLUDE, OPEN, OPERATORS, {S.EXCLUDED}),
    _t(Action.DISMISS, OPEN, OPERATORS, {S.DISMISSED}),
    _t(Action.REOPEN, TERMINAL, {Role.OPERATOR, Role.ADMIN, Role.HEAD, Role.OFFICIAL}, {S.NEW}),
    _t(Action.SET_URGENT, {S.NEW, S.ROUTED, S.IN_WORK, S.COLLECTING}, OPERATORS, {S.NEW, S.ROUTED, S.IN_WORK,
                                                                                 S.COLLECTING}),
    _t(Action.MARK_SIGNIFICANT, OPEN, {Role.OPERATOR, Role.ADMIN, Role.HEAD, Role.OFFICIAL}, OPEN),
    _t(Action.ADD_DEPARTMENT, {S.ROUTED, S.IN_WORK, S.COLLECTING}, OPERATORS, {S.COLLECTING},
       "several departments (cl. 17); not once a draft is on approval or later"),
    _t(Action.WITHDRAW, OPEN, OPERATORS, OPEN, "a declined department only; the state does not change"),
    _t(Action.SET_ANSWER_TERM, {S.NEW, S.ROUTED, S.IN_WORK, S.COLLECTING}, OPERATORS,
       {S.NEW, S.ROUTED, S.IN_WORK, S.COLLECTING}, "1 h, 2 h or minutes, shorter than the normal term"),
    _t(Action.WORK_OFF_HOURS, OPEN, {Role.HEAD, Role.OFFICIAL, Role.ADMIN}, OPEN,
       "the head's or the official's decision: the case's clocks on calendar time until it closes or a moment"),
    _t(Action.END_OFF_HOURS, OPEN, {Role.HEAD, Role.OFFICIAL, Role.ADMIN}, OPEN,
       "the decision ends now: the open clocks go on in working time; only while it is in force"),
    _t(Action.CLOSE_NO_REPLY, {S.AWAITING_AUTHOR}, OPERATORS, {S.CLOSED}, "closed by the clarification alone"),
    _t(Action.ANSWER_ANYWAY, {S.AWAITING_AUTHOR}, OPERATORS, {S.IN_WORK, S.COLLECTING},
       "a new answer clock from now, as on the author's reply"),
)}

#: Actions an executor may take only for a department the case is assigned to.
DEPARTMENT_ACTIONS = frozenset({Action.ACCEPT, Action.DECLINE, Action.SUBMIT_DRAFT, Action.SUBMIT_INFO,
                                Action.PUBLISH})


def allowed(action: Action, status: Status, role: Role) -> bool:
    """What the table says, before the per-case guards (department, mode)."""
    t = TRANSITIONS[action]
    return status in t.sources and role in t.roles


def check(case: Case, action: Action, actor: Actor) -> None:
    """Raise AccessDenied / InvalidTransition unless `actor` may take `action` on `case` now."""
    t = TRANSITIONS[action]
    if actor.role not in t.roles:
        raise AccessDenied(action=action.value, role=actor.role.value)
    if actor.role == Role.EXECUTOR and action in DEPARTMENT_ACTIONS:
        a = case.assignment(actor.department_id)
        if a is None or not a.active:
            raise AccessDenied("not_your_department", action=action.value)
    if case.status not in t.sources:
        raise InvalidTransition(action=action.value, status=case.status.value)


# --- deadline helpers -------------------------------------------------------------------------

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
        start = _answer_start(case) if d.rule in ("answer", "draft") else d.started_at
        new = due(case, dl, d.rule, start)
        if new != d.due_at:
            d.due_at = new
            if new > now:
                d.blame, d.blame_inherited = None, False
            moved.append(d)
    return moved


def _open(case: Case, dl: Deadlines, rule: str, owner: Owner, start: datetime,
          department_id: int | None = None, *, due_start: datetime | None = None) -> Deadline:
    existing = case.open_deadline(rule, department_id)
    if existing is not None:
        existing.close(start, fulfilled=False)
    d = Deadline(rule=rule, owner=owner, started_at=start, due_at=due(case, dl, rule, due_start or start),
                 department_id=department_id)
    case.deadlines.append(d)
    return d


def _close(case: Case, now: datetime, rules: Iterable[str], department_id: int | None | object = ...,
           *, fulfilled: bool = True) -> None:
    wanted = set(rules)
    for d in case.deadlines:
        if d.is_open and d.rule in wanted and (department_id is ... or d.department_id == department_id):
            d.close(now, fulfilled=fulfilled)


def _close_all(case: Case, now: datetime, *, fulfilled: bool = False) -> None:
    for d in case.deadlines:
        if d.is_open:
            d.close(now, fulfilled=fulfilled)


def inherit_window(dl: Deadlines) -> float:
    """Minutes: a department that gets a case with less than half the usual time to prepare its draft
    (cl. 6 − cl. 13: 1 h of 2 h) inherits the lateness of whoever used the time up."""
    spare = dl.rules["answer"].minutes - dl.rules["draft"].minutes
    return max(0, spare) / 2


def _answer_start(case: Case) -> datetime:
    """The answer clock's start: detection, or the moment it was restarted (reopen, author's reply)."""
    for d in reversed(case.deadlines):
        if d.rule == "answer":
            return d.started_at
    return case.detected_at


# --- the actions --------------------------------------------------------------------------------

def register(case: Case, dl: Deadlines) -> None:
    """A new case: route (cl. 9) and answer (cl. 6) clocks start at detection."""
    case.status = Status.NEW
    _open(case, dl, "route", Owner.OPERATOR, case.detected_at)
    _open(case, dl, "answer", Owner.OPERATOR, case.detected_at)


def route(case: Case, actor: Actor, dl: Deadlines, now: datetime, departments: list[tuple[int, str]]) -> None:
    check(case, Action.ROUTE, actor)
    chosen = list(dict.fromkeys(departments))
    if not chosen:
        raise ValidationFailed("no_departments")
    _close(case, now, ["route"])
    case.assignments = [a for a in case.assignments if a.department_id not in {d for d, _ in chosen}]
    case.multi = len(chosen) > 1 or any(a.active for a in case.assignments)
    answer_start = _answer_start(case)
    for dept_id, name in chosen:
        a = Assignment(dept_id, DeptState.ROUTED, now, department_name=name)
        case.assignments.append(a)
        _open(case, dl, "decline", Owner.DEPARTMENT, now, dept_id)
        if case.multi:
            _open(case, dl, "info", Owner.DEPARTMENT, now, dept_id)
        else:
            draft = _open(case, dl, "draft", Owner.DEPARTMENT, now, dept_id, due_start=answer_start)
            left = dl.minutes_left("draft", now, draft.due_at, case.calendar_span)
            if accountability.too_late_to_meet(left, inherit_window(dl)):
                a.inherited_from = tuple(p.key for p in accountability.culprits(case, now))
    if case.multi:
        _drafts_give_way_to_info(case, dl, now)
    case.status = Status.COLLECTING if case.multi else Status.ROUTED


def _drafts_give_way_to_info(case: Case, dl: Deadlines, now: datetime) -> None:
    """Several departments (cl. 17): a department's draft clock no longer applies, it sends information."""
    for a in case.active_assignments:
        if case.open_deadline("draft", a.department_id):
            _close(case, now, ["draft"], a.department_id, fulfilled=False)
            _open(case, dl, "info", Owner.DEPARTMENT, now, a.department_id)


def accept(case: Case, actor: Actor, now: datetime) -> None:
    check(case, Action.ACCEPT, actor)
    a = case.assignment(actor.department_id)
    assert a is not None
    if a.state != DeptState.ROUTED:
        raise InvalidTransition("already_accepted", by=a.accepted_by)
    a.state = DeptState.ACCEPTED
    a.accepted_at = now
    a.accepted_by = actor.user_id
    _close(case, now, ["decline"], actor.department_id)
    if not case.multi:
        case.status = Status.IN_WORK


def decline(case: Case, actor: Actor, dl: Deadlines, now: datetime, reason: str) -> None:
    check(case, Action.DECLINE, actor)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("reason_required")
    a = case.assignment(actor.department_id)
    assert a is not None
    if a.state == DeptState.INFO_SENT or (not case.multi and case.pending_draft is not None):
        raise InvalidTransition("draft_already_sent")
    a.state = DeptState.DECLINED
    a.declined_at = now
    a.declined_reason = reason
    _late_decline_after_accept(case, now, a.department_id)
    _close(case, now, ["decline"], actor.department_id, fulfilled=True)
    _close(case, now, ["draft", "info", "rework", "publish"], actor.department_id, fulfilled=False)
    if not case.active_assignments:
        case.status = Status.NEW
        case.multi = False
        _open(case, dl, "route", Owner.OPERATOR, now)


def _late_decline_after_accept(case: Case, now: datetime, department_id: int) -> None:
    """cl. 12: «не наша компетенция» later than the decline term, after the department accepted, is a missed
    decline clock: the accepted one is closed again at the decline, missed, and owed by the department."""
    if case.open_deadline("decline", department_id) is not None:
        return                          # not accepted yet: closing it past due records the miss
    closed = [d for d in case.deadlines if d.rule == "decline" and d.department_id == department_id
              and d.closed_at is not None and d.outcome == Outcome.MET]
    if not closed or now <= closed[-1].due_at:
        return
    d = closed[-1]
    d.closed_at = now
    d.outcome = Outcome.MISSED
    d.blame = (accountability.Party.department(department_id).key,)
    d.blame_inherited = False


def add_department(case: Case, actor: Actor, dl: Deadlines, now: datetime, department: tuple[int, str]) -> None:
    """One more department for a case already with departments: the case becomes a cl. 17 case. The new
    department's decline and information clocks start at its receipt; a draft clock gives way to information."""
    check(case, Action.ADD_DEPARTMENT, actor)
    dept_id, name = department
    existing = case.assignment(dept_id)
    if existing is not None and existing.active:
        raise ValidationFailed("already_assigned")
    case.assignments = [a for a in case.assignments if a.department_id != dept_id]
    case.assignments.append(Assignment(dept_id, DeptState.ROUTED, now, department_name=name))
    case.multi = True
    _open(case, dl, "decline", Owner.DEPARTMENT, now, dept_id)
    _open(case, dl, "info", Owner.DEPARTMENT, now, dept_id)
    _drafts_give_way_to_info(case, dl, now)
    case.status = Status.COLLECTING


def withdraw(case: Case, actor: Actor, department_id: int) -> Assignment:
    """A department that declined leaves the case's list, so the case can be routed anew cleanly; its
    clocks stay (the history and the KPIs keep its decline)."""
    check(case, Action.WITHDRAW, actor)
    a = case.assignment(department_id)
    if a is None:
        raise ValidationFailed("unknown_department", department_id=department_id)
    if a.active:
        raise InvalidTransition("not_declined")
    case.assignments = [x for x in case.assignments if x.department_id != department_id]
    return a


def _check_text(text: str, find: Callable[[str], list[str]]) -> None:
    words = find(text)
    if words:
        raise ProfanityFound(words)


def submit_draft(case: Case, actor: Actor, dl: Deadlines, now: datetime, kind: DraftKind, text: str,
                 media: list[Media], find_profanity: Callable[[str], list[str]]) -> Draft:
    check(case, Action.SUBMIT_DRAFT, actor)
    if case.multi:
        raise InvalidTransition("multi_use_info")
    if kind == DraftKind.INFO:
        raise ValidationFailed("bad_kind")
    if case.status == Status.AWAITING_FINAL and kind != DraftKind.ANSWER:
        raise ValidationFailed("final_must_be_answer")
    a = case.assignment(actor.department_id)
    assert a is not None
    if a.state == DeptState.ROUTED:
        raise InvalidTransition("accept_first")
    if not text.strip():
        raise ValidationFailed("empty_text")
    _check_text(text, find_profanity)
    draft = Draft(kind=kind, text=text, author_id=actor.user_id, author_name=actor.name, submitted_at=now,
                  department_id=actor.department_id, version=len(case.drafts) + 1, media=list(media))
    case.drafts.append(draft)
    _close(case, now, ["draft", "rework"], actor.department_id)
    _open(case, dl, "approval", Owner.OPERATOR, now)
    case.status = Status.ON_APPROVAL
    return draft


def approve(case: Case, actor: Actor, dl: Deadlines, now: datetime,
            find_profanity: Callable[[str], list[str]]) -> Draft:
    check(case, Action.APPROVE, actor)
    draft = case.pending_draft
    if draft is None:
        raise InvalidTransition("no_draft")
    _check_text(draft.text, find_profanity)
    draft.decision = "approved"
    draft.decided_by = actor.user_id
    draft.decided_at = now
    _close(case, now, ["approval"])
    _open(case, dl, "publish", Owner.DEPARTMENT, now, draft.department_id)
    case.status = Status.APPROVED
    return draft


def return_draft(case: Case, actor: Actor, dl: Deadlines, now: datetime, comment: str) -> Draft:
    check(case, Action.RETURN, actor)
    draft = case.pending_draft
    if draft is None:
        raise InvalidTransition("no_draft")
    comment = comment.strip()
    if not comment:
        raise ValidationFailed("comment_required")
    draft.decision = "returned"
    draft.decided_by = actor.user_id
    draft.decided_at = now
    draft.comment = comment
    _close(case, now, ["approval"])
    _open(case, dl, "rework", Owner.DEPARTMENT, now, draft.department_id)
    case.status = Status.REWORK
    return draft


def publish(case: Case, actor: Actor, dl: Deadlines, now: datetime, screenshot_file_id: str,
            screenshot_unique_id: str, link: str | None) -> Publication:
    check(case, Action.PUBLISH, actor)
    draft = case.approved_draft
    assert draft is not None, "APPROVED always has an approved draft"
    if draft.department_id is None:          # composed by the operator (cl. 17)
        if not actor.is_operator_like:
            raise AccessDenied("operator_publishes", action=Action.PUBLISH.value)
    elif actor.role == Role.EXECUTOR:
        if actor.department_id != draft.department_id:
            raise AccessDenied("not_your_department", action=Action.PUBLISH.value)
    elif not actor.is_operator_like:
        raise AccessDenied(action=Action.PUBLISH.value)
    if not screenshot_file_id:
        raise ValidationFailed("screenshot_required")
    pub = Publication(screenshot_file_id=screenshot_file_id, screenshot_unique_id=screenshot_unique_id,
                      published_by=actor.user_id, published_at=now, draft_id=draft.id, kind=draft.kind,
                      link=link)
    case.publications.append(pub)
    _close(case, now, ["publish"])
    if draft.kind == DraftKind.ANSWER:
        _close(case, now, ["answer", "final"])
        _close_all(case, now)
        case.status = Status.CLOSED
        case.closure = CLOSURE_ANSWER
    elif draft.kind == DraftKind.INTERMEDIATE:
        _close(case, now, ["answer"])
        _open(case, dl, "final", Owner.OPERATOR, now)
        case.status = Status.AWAITING_FINAL
    else:  # clarification request: the answer clock stops until the author replies
        _close(case, now, ["answer", "draft"], fulfilled=True)
        case.status = Status.AWAITING_AUTHOR
    return pub


def submit_info(case: Case, actor: Actor, now: datetime, text: str, media: list[Media]) -> Draft:
    check(case, Action.SUBMIT_INFO, actor)
    if not case.multi:
        raise InvalidTransition("single_use_draft")
    a = case.assignment(actor.department_id)
    assert a is not None
    if a.state == DeptState.ROUTED:
        raise InvalidTransition("accept_first")
    if not text.strip():
        raise ValidationFailed("empty_text")
    info = Draft(kind=DraftKind.INFO, text=text, author_id=actor.user_id, author_name=actor.name,
                 submitted_at=now, department_id=actor.department_id, version=len(case.drafts) + 1,
                 media=list(media))
    case.drafts.append(info)
    a.state = DeptState.INFO_SENT
    _close(case, now, ["info"], actor.department_id)
    return info


def compose(case: Case, actor: Actor, dl: Deadlines, now: datetime, kind: DraftKind, text: str,
            media: list[Media], find_profanity: Callable[[str], list[str]]) -> Draft:
    check(case, Action.COMPOSE, actor)
    if not case.multi:
        raise InvalidTransition("single_department")
    if kind == DraftKind.INFO:
        raise ValidationFailed("bad_kind")
    if case.status == Status.AWAITING_FINAL and kind != DraftKind.ANSWER:
        raise ValidationFailed("final_must_be_answer")
    if not text.strip():
        raise ValidationFailed("empty_text")
    _check_text(text, find_profanity)
    draft = Draft(kind=kind, text=text, author_id=actor.user_id, author_name=actor.name, submitted_at=now,
                  department_id=None, version=len(case.drafts) + 1, media=list(media),
                  decision="approved", decided_by=actor.user_id, decided_at=now)
    case.drafts.append(draft)
    _close(case, now, ["info", "decline"], fulfilled=False)
    _open(case, dl, "publish", Owner.OPERATOR, now)
    case.status = Status.APPROVED
    return draft


def author_reply(case: Case, actor: Actor, dl: Deadlines, now: datetime,
                 action: Action = Action.AUTHOR_REPLY) -> None:
    """The author answered a clarification request (or the operator decided to answer without it,
    ``Action.ANSWER_ANYWAY``): the answer clock starts again (cl. 6)."""
    check(case, action, actor)
    _open(case, dl, "answer", Owner.OPERATOR, now)
    for a in case.active_assignments:
        if case.multi:
            a.state = DeptState.ACCEPTED
            _open(case, dl, "info", Owner.DEPARTMENT, now, a.department_id)
        else:
            _open(case, dl, "draft", Owner.DEPARTMENT, now, a.department_id, due_start=now)
    case.status = Status.COLLECTING if case.multi else Status.IN_WORK


def answer_anyway(case: Case, actor: Actor, dl: Deadlines, now: datetime) -> None:
    """The author did not answer the clarification: the department prepares the answer without it."""
    author_reply(case, actor, dl, now, Action.ANSWER_ANYWAY)


def close_no_reply(case: Case, actor: Actor, now: datetime) -> None:
    """The author did not answer the clarification: the case is closed by the clarification alone."""
    check(case, Action.CLOSE_NO_REPLY, actor)
    _close_all(case, now)
    case.status = Status.CLOSED
    case.closure = CLOSURE_CLARIFICATION


def clarification_since(case: Case) -> datetime | None:
    """Since when the case waits for the author: the publication of its last clarification request."""
    if case.status != Status.AWAITING_AUTHOR:
        return None
    for p in reversed(case.publications):
        if p.kind == DraftKind.CLARIFICATION:
            return p.published_at
    return None


def exclude(case: Case, actor: Actor, now: datetime) -> None:
    check(case, Action.EXCLUDE, actor)
    _close_all(case, now)
    case.status = Status.EXCLUDED


def dismiss(case: Case, actor: Actor, now: datetime) -> None:
    check(case, Action.DISMISS, actor)
    _close_all(case, now)
    case.status = Status.DISMISSED


def reopen(case: Case, actor: Actor, dl: Deadlines, now: datetime) -> None:
    check(case, Action.REOPEN, actor)
    case.assignments = []
    case.multi = False
    case.closure = None
    _open(case, dl, "route", Owner.OPERATOR, now)
    _open(case, dl, "answer", Owner.OPERATOR, now)
    case.status = Status.NEW


def set_urgent(case: Case, actor: Actor, dl: Deadlines, now: datetime, urgent: bool) -> None:
    """"Срочно" (cl. 9): the shorter answer term; open answer and draft deadlines are recomputed."""
    check(case, Action.SET_URGENT, actor)
    case.urgent = urgent
    if not urgent:
        case.answer_minutes = None
    recompute(case, dl, now, ("answer", "draft"))


def set_answer_term(case: Case, actor: Actor, dl: Deadlines, now: datetime, minutes: int) -> None:
    """cl. 9: an answer term of the operator's choice (1 h, 2 h, N minutes of working time), shorter than
    the normal one; open answer and draft deadlines are recomputed."""
    check(case, Action.SET_ANSWER_TERM, actor)
    if not 0 < minutes <= dl.longest_own_answer_term:
        raise ValidationFailed("bad_answer_term", normal=dl.rules["answer"].minutes)
    case.answer_minutes = minutes
    case.urgent = True
    recompute(case, dl, now, ("answer", "draft"))


def work_off_hours(case: Case, actor: Actor, dl: Deadlines, now: datetime, until: datetime | None) -> None:
    """cl. 8, per case: the head, the official or an admin decides the case is worked on off hours; from
    now until ``until`` (None: until it closes) its clocks run on calendar time. Open deadlines are
    counted again (after ``until`` they go on in working time)."""
    check(case, Action.WORK_OFF_HOURS, actor)
    if until is not None and until <= now:
        raise ValidationFailed("until_in_past")
    if case.on_calendar_time(now) and case.calendar_until == until:
        raise ValidationFailed("already_off_hours")
    if not case.on_calendar_time(now):
        case.calendar_since = now
    case.calendar_until = until
    recompute(case, dl, now)


def end_off_hours(case: Case, actor: Actor, dl: Deadlines, now: datetime) -> None:
    """cl. 8, per case: the decision to work outside working hours ends early, now (``calendar_until``);
    open deadlines are counted again: what is left of each runs in working time from now."""
    check(case, Action.END_OFF_HOURS, actor)
    if not case.on_calendar_time(now):
        raise ValidationFailed("not_off_hours")
    case.calendar_until = now
    recompute(case, dl, now)


def mark_significant(case: Case, actor: Actor) -> None:
    check(case, Action.MARK_SIGNIFICANT, actor)
    case.significant = True


# --- the regulation's own chain (cl. 13–16) -----------------------------------------------------

def approve_by(case: Case, dl: Deadlines) -> datetime | None:
    """When approving by the cl. 14 deadline would make the answer late (cl. 6, or cl. 7 for the final
    answer), the earlier moment by which the operator must approve; None when cl. 14 is early enough."""
    approval = case.open_deadline("approval")
    answer = case.open_deadline("answer") or case.open_deadline("final")
    if approval is None or answer is None:
        return None
    latest = dl.latest_approval(approval.due_at, answer.due_at)
    return latest if latest < approval.due_at else None
