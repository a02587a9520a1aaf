"""The actions of the regulation: what each does to a case and its clocks.

Each action asks `bot.domain.actions.check` first (the transition table in `bot.domain.transitions` and
the per-case guards), then checks its own arguments and changes the `Case` in memory; services load and
save it in one transaction. Pure: no aiogram, no SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain import accountability, model
from bot.domain.actions import assignment_of, check, check_detection, check_kind
from bot.domain.clocks import answer_start, close_all, due, end_clocks, inherit_window, open_clock, recompute
from bot.domain.errors import InvalidTransition, ProfanityFound, ValidationFailed
from bot.domain.model import Actor, Assignment, Case, DeptState, Draft, DraftKind, Media, Owner, Status
from bot.domain.transitions import Action
from deadlines.rules import Deadlines

# --- the actions --------------------------------------------------------------------------------

def register(case: Case, dl: Deadlines) -> None:
    """A new case: route (cl. 9) and answer (cl. 6) clocks start at detection."""
    case.status = Status.NEW
    open_clock(case, dl, "route", Owner.OPERATOR, case.detected_at)
    open_clock(case, dl, "answer", Owner.OPERATOR, case.detected_at)


def correct_detection(case: Case, actor: Actor, dl: Deadlines, now: datetime, detected_at: datetime) -> datetime:
    """The operator corrects the detection time of a new case: the open route and answer clocks started
    at detection move with it. The time it had."""
    check_detection(case, actor)
    if detected_at > now:
        raise ValidationFailed("detection_in_future")
    old = case.detected_at
    case.detected_at = detected_at
    for d in case.deadlines:
        if d.is_open and d.rule in ("route", "answer") and d.started_at == old:
            d.started_at = detected_at
            d.due_at = due(case, dl, d.rule, detected_at)
    return old


def route(case: Case, actor: Actor, dl: Deadlines, now: datetime, departments: list[tuple[int, str]]) -> None:
    check(case, Action.ROUTE, actor)
    chosen = list(dict.fromkeys(departments))
    if not chosen:
        raise ValidationFailed("no_departments")
    end_clocks(case, now, ["route"])
    case.assignments = [a for a in case.assignments if a.department_id not in {d for d, _ in chosen}]
    case.multi = len(chosen) > 1 or any(a.active for a in case.assignments)
    start = answer_start(case)
    for dept_id, name in chosen:
        a = Assignment(dept_id, DeptState.ROUTED, now, department_name=name)
        case.assignments.append(a)
        open_clock(case, dl, "decline", Owner.DEPARTMENT, now, dept_id)
        if case.multi:
            open_clock(case, dl, "info", Owner.DEPARTMENT, now, dept_id)
        else:
            draft = open_clock(case, dl, "draft", Owner.DEPARTMENT, now, dept_id, due_start=start)
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
            end_clocks(case, now, ["draft"], a.department_id, fulfilled=False)
            open_clock(case, dl, "info", Owner.DEPARTMENT, now, a.department_id)


def accept(case: Case, actor: Actor, now: datetime) -> None:
    check(case, Action.ACCEPT, actor)
    a = assignment_of(case, actor)
    a.state = DeptState.ACCEPTED
    a.accepted_at = now
    a.accepted_by = actor.user_id
    end_clocks(case, now, ["decline"], actor.department_id)
    if not case.multi:
        case.status = Status.IN_WORK


def decline(case: Case, actor: Actor, dl: Deadlines, now: datetime, reason: str) -> None:
    check(case, Action.DECLINE, actor)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("reason_required")
    a = assignment_of(case, actor)
    a.state = DeptState.DECLINED
    a.declined_at = now
    a.declined_reason = reason
    _late_decline_after_accept(case, now, a.department_id)
    end_clocks(case, now, ["decline"], actor.department_id, fulfilled=True)
    end_clocks(case, now, ["draft", "info", "rework", "publish"], actor.department_id, fulfilled=False)
    if not case.active_assignments:
        case.status = Status.NEW
        case.multi = False
        open_clock(case, dl, "route", Owner.OPERATOR, now)


def _late_decline_after_accept(case: Case, now: datetime, department_id: int) -> None:
    """cl. 12: «не наша компетенция» later than the decline term, after the department accepted, is a missed
    decline clock: the accepted one is closed again at the decline, missed, and owed by the department."""
    if case.open_deadline("decline", department_id) is not None:
        return                          # not accepted yet: closing it past due records the miss
    closed = [d for d in case.deadlines if d.rule == "decline" and d.department_id == department_id
              and d.closed_at is not None and d.outcome == model.Outcome.MET]
    if not closed or now <= closed[-1].due_at:
        return
    d = closed[-1]
    d.closed_at = now
    d.outcome = model.Outcome.MISSED
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
    open_clock(case, dl, "decline", Owner.DEPARTMENT, now, dept_id)
    open_clock(case, dl, "info", Owner.DEPARTMENT, now, dept_id)
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


def _check_answer(case: Case, kind: DraftKind, text: str, find: Callable[[str], list[str]]) -> None:
    """A text to be posted: of a kind that may be posted now, not empty and clean (cl. 19)."""
    check_kind(case, kind)
    if not text.strip():
        raise ValidationFailed("empty_text")
    _check_text(text, find)


def submit_draft(case: Case, actor: Actor, dl: Deadlines, now: datetime, kind: DraftKind, text: str,
                 media: list[Media], find_profanity: Callable[[str], list[str]]) -> Draft:
    check(case, Action.SUBMIT_DRAFT, actor)
    _check_answer(case, kind, text, find_profanity)
    draft = Draft(kind=kind, text=text, author_id=actor.user_id, author_name=actor.name, submitted_at=now,
                  department_id=actor.department_id, version=len(case.drafts) + 1, media=list(media))
    case.drafts.append(draft)
    end_clocks(case, now, ["draft", "rework"], actor.department_id)
    open_clock(case, dl, "approval", Owner.OPERATOR, now)
    case.status = Status.ON_APPROVAL
    return draft


def approve(case: Case, actor: Actor, dl: Deadlines, now: datetime,
            find_profanity: Callable[[str], list[str]]) -> Draft:
    check(case, Action.APPROVE, actor)
    draft = case.pending_draft
    assert draft is not None
    _check_text(draft.text, find_profanity)
    draft.decision = "approved"
    draft.decided_by = actor.user_id
    draft.decided_at = now
    end_clocks(case, now, ["approval"])
    open_clock(case, dl, "publish", Owner.DEPARTMENT, now, draft.department_id)
    case.status = Status.APPROVED
    return draft


def return_draft(case: Case, actor: Actor, dl: Deadlines, now: datetime, comment: str) -> Draft:
    check(case, Action.RETURN, actor)
    draft = case.pending_draft
    assert draft is not None
    comment = comment.strip()
    if not comment:
        raise ValidationFailed("comment_required")
    draft.decision = "returned"
    draft.decided_by = actor.user_id
    draft.decided_at = now
    draft.comment = comment
    end_clocks(case, now, ["approval"])
    open_clock(case, dl, "rework", Owner.DEPARTMENT, now, draft.department_id)
    case.status = Status.REWORK
    return draft


def publish(case: Case, actor: Actor, dl: Deadlines, now: datetime, screenshot_file_id: str,
            screenshot_unique_id: str, link: str | None) -> model.Publication:
    check(case, Action.PUBLISH, actor)
    draft = case.approved_draft
    assert draft is not None, "APPROVED always has an approved draft"
    if not screenshot_file_id:
        raise ValidationFailed("screenshot_required")
    pub = model.Publication(screenshot_file_id=screenshot_file_id, screenshot_unique_id=screenshot_unique_id,
                      published_by=actor.user_id, published_at=now, draft_id=draft.id, kind=draft.kind,
                      link=link)
    case.publications.append(pub)
    end_clocks(case, now, ["publish"])
    if draft.kind == DraftKind.ANSWER:
        end_clocks(case, now, ["answer", "final"])
        close_all(case, now)
        case.status = Status.CLOSED
        case.closure = model.CLOSURE_ANSWER
    elif draft.kind == DraftKind.INTERMEDIATE:
        end_clocks(case, now, ["answer"])
        open_clock(case, dl, "final", Owner.OPERATOR, now)
        case.status = Status.AWAITING_FINAL
    else:  # clarification request: the answer clock stops until the author replies
        end_clocks(case, now, ["answer", "draft"], fulfilled=True)
        case.status = Status.AWAITING_AUTHOR
    return pub


def submit_info(case: Case, actor: Actor, now: datetime, text: str, media: list[Media]) -> Draft:
    check(case, Action.SUBMIT_INFO, actor)
    a = assignment_of(case, actor)
    if not text.strip():
        raise ValidationFailed("empty_text")
    info = Draft(kind=DraftKind.INFO, text=text, author_id=actor.user_id, author_name=actor.name,
                 submitted_at=now, department_id=actor.department_id, version=len(case.drafts) + 1,
                 media=list(media))
    case.drafts.append(info)
    a.state = DeptState.INFO_SENT
    end_clocks(case, now, ["info"], actor.department_id)
    return info


def compose(case: Case, actor: Actor, dl: Deadlines, now: datetime, kind: DraftKind, text: str,
            media: list[Media], find_profanity: Callable[[str], list[str]]) -> Draft:
    check(case, Action.COMPOSE, actor)
    _check_answer(case, kind, text, find_profanity)
    draft = Draft(kind=kind, text=text, author_id=actor.user_id, author_name=actor.name, submitted_at=now,
                  department_id=None, version=len(case.drafts) + 1, media=list(media),
                  decision="approved", decided_by=actor.user_id, decided_at=now)
    case.drafts.append(draft)
    end_clocks(case, now, ["info", "decline"], fulfilled=False)
    open_clock(case, dl, "publish", Owner.OPERATOR, now)
    case.status = Status.APPROVED
    return draft


def author_reply(case: Case, actor: Actor, dl: Deadlines, now: datetime,
                 action: Action = Action.AUTHOR_REPLY) -> None:
    """The author answered a clarification request (or the operator decided to answer without it,
    ``Action.ANSWER_ANYWAY``): the answer clock starts again (cl. 6)."""
    check(case, action, actor)
    open_clock(case, dl, "answer", Owner.OPERATOR, now)
    for a in case.active_assignments:
        if case.multi:
            a.state = DeptState.ACCEPTED
            open_clock(case, dl, "info", Owner.DEPARTMENT, now, a.department_id)
        else:
            open_clock(case, dl, "draft", Owner.DEPARTMENT, now, a.department_id, due_start=now)
    case.status = Status.COLLECTING if case.multi else Status.IN_WORK


def answer_anyway(case: Case, actor: Actor, dl: Deadlines, now: datetime) -> None:
    """The author did not answer the clarification: the department prepares the answer without it."""
    author_reply(case, actor, dl, now, Action.ANSWER_ANYWAY)


def close_no_reply(case: Case, actor: Actor, now: datetime) -> None:
    """The author did not answer the clarification: the case is closed by the clarification alone."""
    check(case, Action.CLOSE_NO_REPLY, actor)
    close_all(case, now)
    case.status = Status.CLOSED
    case.closure = model.CLOSURE_CLARIFICATION


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
    close_all(case, now)
    case.status = Status.EXCLUDED


def dismiss(case: Case, actor: Actor, now: datetime) -> None:
    check(case, Action.DISMISS, actor)
    close_all(case, now)
    case.status = Status.DISMISSED


def reopen(case: Case, actor: Actor, dl: Deadlines, now: datetime) -> None:
    check(case, Action.REOPEN, actor)
    case.assignments = []
    case.multi = False
    case.closure = None
    open_clock(case, dl, "route", Owner.OPERATOR, now)
    open_clock(case, dl, "answer", Owner.OPERATOR, now)
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
