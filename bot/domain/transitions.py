"""The regulation as one transition table: every action names the states it may start from, the roles
that may take it, and every state it may lead to (drawn in docs/). Pure: no aiogram, no SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import OPEN, TERMINAL, Role, Status


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
    TRANSFER = "transfer"              # Передать в другую организацию (issue 14 §5)
    REFUSE_TRANSFER = "refuse_transfer"  # Вернуть (не наша компетенция): the receiver gives it back


OPERATORS = frozenset({Role.OPERATOR, Role.ADMIN})
#: The states a case may be transferred to another organisation from (issue 14 §5): before publication.
TRANSFERABLE = frozenset({Status.NEW, Status.ROUTED, Status.IN_WORK, Status.ON_APPROVAL, Status.REWORK,
                          Status.COLLECTING})


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
    _t(Action.REOPEN, TERMINAL - {S.TRANSFERRED}, {Role.OPERATOR, Role.ADMIN, Role.HEAD, Role.OFFICIAL}, {S.NEW}),
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
    # Issue 14 §5: not once an answer is approved for posting or anything was posted under the giver's name
    # (APPROVED, AWAITING_FINAL, AWAITING_AUTHOR): the organisation that answered in part finishes it.
    _t(Action.TRANSFER, TRANSFERABLE, {Role.OPERATOR, Role.ADMIN, Role.COORDINATOR}, {S.TRANSFERRED},
       "to another active organisation, with a reason; the giver's clocks close (misses stay the giver's)"),
    _t(Action.REFUSE_TRANSFER, {S.NEW}, OPERATORS, {S.TRANSFERRED},
       "the receiver, only on a case received by transfer and before routing it; the giver's case is open again"),
)}

#: Actions an executor may take only for a department the case is assigned to.
DEPARTMENT_ACTIONS = frozenset({Action.ACCEPT, Action.DECLINE, Action.SUBMIT_DRAFT, Action.SUBMIT_INFO,
                                Action.PUBLISH})


def allowed(action: Action, status: Status, role: Role) -> bool:
    """What the table says, before the per-case guards (department, mode)."""
    t = TRANSITIONS[action]
    return status in t.sources and role in t.roles
