"""What an actor may do with a case now: the transition table and the per-case guards, in one place.

`check` is what every action of `bot.domain.workflow` asks first; `available_actions` asks the same
questions of every action at once, so that a keyboard offers exactly what the workflow would accept
(the arguments of an action — a text, a reason, a department — are checked by the action itself).
Pure: no aiogram, no SQL.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.errors import AccessDenied, DomainError, InvalidTransition, ValidationFailed
from bot.domain.model import Actor, Assignment, Case, DeptState, DraftKind, Role, Status
from bot.domain.transitions import DEPARTMENT_ACTIONS, TRANSITIONS, Action, allowed


def assignment_of(case: Case, actor: Actor) -> Assignment:
    """The executor's department's part in the case (check() lets an executor act only for one of its own)."""
    a = case.assignment(actor.department_id)
    assert a is not None
    return a


def _accepted(case: Case, actor: Actor) -> None:
    if assignment_of(case, actor).state == DeptState.ROUTED:
        raise InvalidTransition("accept_first")


def _guard_accept(case: Case, actor: Actor) -> None:
    a = assignment_of(case, actor)
    if a.state != DeptState.ROUTED:
        raise InvalidTransition("already_accepted", by=a.accepted_by)


def _guard_decline(case: Case, actor: Actor) -> None:
    a = assignment_of(case, actor)
    if a.state == DeptState.INFO_SENT or (not case.multi and case.pending_draft is not None):
        raise InvalidTransition("draft_already_sent")


def _guard_submit_draft(case: Case, actor: Actor) -> None:
    if case.multi:
        raise InvalidTransition("multi_use_info")
    _accepted(case, actor)


def _guard_submit_info(case: Case, actor: Actor) -> None:
    if not case.multi:
        raise InvalidTransition("single_use_draft")
    _accepted(case, actor)
    if assignment_of(case, actor).state == DeptState.INFO_SENT:
        raise InvalidTransition("draft_already_sent")


def _guard_compose(case: Case, actor: Actor) -> None:
    if not case.multi:
        raise InvalidTransition("single_department")


def _guard_pending_draft(case: Case, actor: Actor) -> None:
    if case.pending_draft is None:
        raise InvalidTransition("no_draft")


def _guard_publish(case: Case, actor: Actor) -> None:
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


def _guard_mark_significant(case: Case, actor: Actor) -> None:
    if case.significant:
        raise ValidationFailed("already_significant")


#: The per-case guards of an action, beyond its row of the table.
GUARDS: dict[Action, Callable[[Case, Actor], None]] = {
    Action.ACCEPT: _guard_accept,
    Action.DECLINE: _guard_decline,
    Action.SUBMIT_DRAFT: _guard_submit_draft,
    Action.SUBMIT_INFO: _guard_submit_info,
    Action.COMPOSE: _guard_compose,
    Action.APPROVE: _guard_pending_draft,
    Action.RETURN: _guard_pending_draft,
    Action.PUBLISH: _guard_publish,
    Action.MARK_SIGNIFICANT: _guard_mark_significant,
}


def check(case: Case, action: Action, actor: Actor) -> None:
    """Raise AccessDenied / InvalidTransition (or the guard's error) unless `actor` may take `action` on
    `case` now."""
    t = TRANSITIONS[action]
    if actor.role not in t.roles:
        raise AccessDenied(action=action.value, role=actor.role.value)
    if actor.role == Role.EXECUTOR and action in DEPARTMENT_ACTIONS:
        a = case.assignment(actor.department_id)
        if a is None or not a.active:
            raise AccessDenied("not_your_department", action=action.value)
    if case.status not in t.sources:
        raise InvalidTransition(action=action.value, status=case.status.value)
    guard = GUARDS.get(action)
    if guard is not None:
        guard(case, actor)


def check_detection(case: Case, actor: Actor) -> None:
    """Only an operator, and only before routing, corrects when a post was detected."""
    if not actor.is_operator_like:
        raise DomainError("access_denied")
    if case.status != Status.NEW:
        raise ValidationFailed("detection_only_new")


def check_kind(case: Case, kind: DraftKind) -> None:
    """A text to be posted is not information (cl. 17), and after an intermediate answer it is the final
    answer (cl. 7)."""
    if kind == DraftKind.INFO:
        raise ValidationFailed("bad_kind")
    if case.status == Status.AWAITING_FINAL and kind != DraftKind.ANSWER:
        raise ValidationFailed("final_must_be_answer")


def available_actions(case: Case, actor: Actor) -> frozenset[Action]:
    """Every action `actor` may take on `case` now (the buttons to offer)."""
    out = set()
    for action in TRANSITIONS:
        if not allowed(action, case.status, actor.role):
            continue                    # the table alone says no: no need to raise it
        try:
            check(case, action, actor)
        except DomainError:
            continue
        out.add(action)
    return frozenset(out)
