"""The transition table drives the test: every action from every state by every role.

An allowed combination must succeed (the case reaches one of the table's targets); a forbidden one
must raise AccessDenied or InvalidTransition and leave the case as it was.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from bot.domain import transfers, workflow
from bot.domain.errors import AccessDenied, InvalidTransition, ValidationFailed
from bot.domain.model import Actor, Assignment, Case, DeptState, DraftKind, Outcome, Role, Status
from bot.domain.transitions import DEPARTMENT_ACTIONS, TRANSITIONS, Action
from deadlines.rules import Deadlines
from tests.conftest import msk

T0 = msk(2026, 12, 1, 10, 0)
D1, D2, D3 = 11, 12, 13
OPERATOR = Actor(100, Role.OPERATOR, "Оператор")
ADMIN = Actor(1, Role.ADMIN, "Админ")
HEAD = Actor(500, Role.HEAD, "Глава")
OFFICIAL = Actor(600, Role.OFFICIAL, "Ответственное лицо")
EXEC1 = Actor(201, Role.EXECUTOR, "Исполнитель 1", department_id=D1)
EXEC2 = Actor(202, Role.EXECUTOR, "Исполнитель 2", department_id=D2)
STRANGER_EXEC = Actor(299, Role.EXECUTOR, "Чужой отдел", department_id=99)


def clean(_: str) -> list[str]:
    return []


def new_case(dl: Deadlines) -> Case:
    case = Case(number="2026-0001", status=Status.NEW, platform="vk", text="Во дворе яма", detected_at=T0,
                operator_id=OPERATOR.user_id, id=1)
    workflow.register(case, dl)
    return case


def case_in(status: Status, dl: Deadlines) -> Case:
    """Walk a case through real transitions to `status`."""
    t = T0 + timedelta(minutes=5)
    case = new_case(dl)
    if status == Status.NEW:
        return case
    if status == Status.TRANSFERRED:
        transfers.hand_over(case, OPERATOR, t, "Дорога республиканская")
        return case
    if status in (Status.EXCLUDED, Status.DISMISSED):
        (workflow.exclude if status == Status.EXCLUDED else workflow.dismiss)(case, OPERATOR, t)
        return case
    if status == Status.COLLECTING:
        workflow.route(case, OPERATOR, dl, t, [(D1, "ЖКХ"), (D2, "Дороги")])
        workflow.accept(case, EXEC1, t)    # the second department has not accepted yet
        return case
    workflow.route(case, OPERATOR, dl, t, [(D1, "ЖКХ")])
    if status == Status.ROUTED:
        return case
    workflow.accept(case, EXEC1, t)
    if status == Status.IN_WORK:
        return case
    kind = {Status.AWAITING_FINAL: DraftKind.INTERMEDIATE,
            Status.AWAITING_AUTHOR: DraftKind.CLARIFICATION}.get(status, DraftKind.ANSWER)
    workflow.submit_draft(case, EXEC1, dl, t, kind, "Проект ответа", [], clean)
    if status == Status.ON_APPROVAL:
        return case
    if status == Status.REWORK:
        workflow.return_draft(case, OPERATOR, dl, t, "Добавьте сроки")
        return case
    workflow.approve(case, OPERATOR, dl, t, clean)
    if status == Status.APPROVED:
        return case
    workflow.publish(case, EXEC1, dl, t, "file", "uniq", None)
    assert case.status == status, (case.status, status)
    return case


def actor_for(role: Role, action: Action, case: Case) -> Actor:
    if role == Role.EXECUTOR:
        if action == Action.ACCEPT and case.status == Status.COLLECTING:
            return EXEC2
        return EXEC1
    return {Role.OPERATOR: OPERATOR, Role.ADMIN: ADMIN, Role.HEAD: HEAD, Role.OFFICIAL: OFFICIAL, Role.SYSTEM: Actor(0, Role.SYSTEM)}[role]


def perform(case: Case, action: Action, actor: Actor, dl: Deadlines, now: datetime) -> None:
    kind = DraftKind.ANSWER
    match action:
        case Action.ROUTE:
            workflow.route(case, actor, dl, now, [(D1, "ЖКХ")])
        case Action.ACCEPT:
            workflow.accept(case, actor, now)
        case Action.DECLINE:
            workflow.decline(case, actor, dl, now, "Не наш вопрос")
        case Action.SUBMIT_DRAFT:
            workflow.submit_draft(case, actor, dl, now, kind, "Текст", [], clean)
        case Action.APPROVE:
            workflow.approve(case, actor, dl, now, clean)
        case Action.RETURN:
            workflow.return_draft(case, actor, dl, now, "Исправьте")
        case Action.PUBLISH:
            workflow.publish(case, actor, dl, now, "file", "uniq", None)
        case Action.SUBMIT_INFO:
            workflow.submit_info(case, actor, now, "Сведения отдела", [])
        case Action.COMPOSE:
            workflow.compose(case, actor, dl, now, kind, "Ответ", [], clean)
        case Action.AUTHOR_REPLY:
            workflow.author_reply(case, actor, dl, now)
        case Action.EXCLUDE:
            workflow.exclude(case, actor, now)
        case Action.DISMISS:
            workflow.dismiss(case, actor, now)
        case Action.REOPEN:
            workflow.reopen(case, actor, dl, now)
        case Action.SET_URGENT:
            workflow.set_urgent(case, actor, dl, now, True)
        case Action.MARK_SIGNIFICANT:
            workflow.mark_significant(case, actor)
        case Action.ADD_DEPARTMENT:
            workflow.add_department(case, actor, dl, now, (D3, "Культура"))
        case Action.WITHDRAW:
            workflow.withdraw(case, actor, D3)
        case Action.SET_ANSWER_TERM:
            workflow.set_answer_term(case, actor, dl, now, 60)
        case Action.WORK_OFF_HOURS:
            workflow.work_off_hours(case, actor, dl, now, None)
        case Action.END_OFF_HOURS:
            workflow.end_off_hours(case, actor, dl, now)
        case Action.CLOSE_NO_REPLY:
            workflow.close_no_reply(case, actor, now)
        case Action.ANSWER_ANYWAY:
            workflow.answer_anyway(case, actor, dl, now)
        case Action.TRANSFER:
            transfers.hand_over(case, actor, now, "Дорога республиканская")
        case Action.REFUSE_TRANSFER:
            transfers.give_back(case, actor, now, "Не наша компетенция", received_by_transfer=True)


def with_declined(case: Case) -> Case:
    """A department that said «не наша компетенция» sits on the case's list (what WITHDRAW removes)."""
    case.assignments.append(Assignment(D3, DeptState.DECLINED, T0, declined_at=T0, declined_reason="Не наш вопрос",
                                       department_name="Культура"))
    return case


ROLES = [Role.OPERATOR, Role.ADMIN, Role.EXECUTOR, Role.HEAD, Role.OFFICIAL]
COMBINATIONS = [(a, s, r) for a in Action for s in Status for r in ROLES]


@pytest.mark.parametrize(("action", "status", "role"), COMBINATIONS,
                         ids=[f"{a.value}-{s.value}-{r.value}" for a, s, r in COMBINATIONS])
def test_transition_table(action: Action, status: Status, role: Role, deadlines: Deadlines) -> None:
    case = case_in(status, deadlines)
    if action == Action.WITHDRAW:
        with_declined(case)
    if action == Action.END_OFF_HOURS:
        case.calendar_since = T0        # the head's decision is in force: what ending it needs
    actor = actor_for(role, action, case)
    now = T0 + timedelta(minutes=20)
    rule = TRANSITIONS[action]
    # Mode guards on top of the table: a single-department case has no information round, and only a
    # case with several departments is composed by the operator.
    mode_ok = not ((action in (Action.SUBMIT_INFO, Action.COMPOSE) and not case.multi)
                   or (action == Action.SUBMIT_DRAFT and case.multi))
    if status in rule.sources and role in rule.roles and mode_ok:
        perform(case, action, actor, deadlines, now)
        assert case.status in rule.targets
    else:
        before = copy.deepcopy(case)
        with pytest.raises((AccessDenied, InvalidTransition)):
            perform(case, action, actor, deadlines, now)
        assert case == before


@pytest.mark.parametrize("action", sorted(DEPARTMENT_ACTIONS - {Action.PUBLISH}))
def test_executor_of_another_department_is_refused(action: Action, deadlines: Deadlines) -> None:
    status = {Action.ACCEPT: Status.ROUTED, Action.DECLINE: Status.ROUTED, Action.SUBMIT_DRAFT: Status.IN_WORK,
              Action.SUBMIT_INFO: Status.COLLECTING}[action]
    case = case_in(status, deadlines)
    with pytest.raises(AccessDenied):
        perform(case, action, STRANGER_EXEC, deadlines, T0 + timedelta(minutes=20))


def test_publish_by_other_department_refused(deadlines: Deadlines) -> None:
    case = case_in(Status.APPROVED, deadlines)
    with pytest.raises(AccessDenied):
        workflow.publish(case, STRANGER_EXEC, deadlines, T0, "f", "u", None)


def test_second_accept_is_refused_and_not_doubled(deadlines: Deadlines) -> None:
    case = case_in(Status.ROUTED, deadlines)
    workflow.accept(case, EXEC1, T0)
    colleague = Actor(203, Role.EXECUTOR, "Коллега", department_id=D1)
    with pytest.raises(InvalidTransition):
        workflow.accept(case, colleague, T0)
    assert case.assignment(D1).accepted_by == EXEC1.user_id  # type: ignore[union-attr]
    assert sum(1 for d in case.deadlines if d.rule == "decline" and d.is_open) == 0


def test_every_action_is_in_the_table() -> None:
    assert set(TRANSITIONS) == set(Action)


# ---- re-routing and several departments (cl. 12, 17) -----------------------------------------------

def test_cl12_late_decline_after_accept_is_a_missed_clock(deadlines: Deadlines) -> None:
    case = case_in(Status.IN_WORK, deadlines)            # routed and accepted at 10:05, decline term 10:35
    workflow.decline(case, EXEC1, deadlines, T0 + timedelta(minutes=50), "Не наш вопрос")
    (d,) = [d for d in case.deadlines if d.rule == "decline"]
    assert d.outcome == Outcome.MISSED and d.closed_at == T0 + timedelta(minutes=50)
    assert d.blame == (f"department:{D1}",) and not d.blame_inherited
    assert case.status == Status.NEW and case.open_deadline("route") is not None


def test_cl12_decline_after_accept_within_the_term_is_no_miss(deadlines: Deadlines) -> None:
    case = case_in(Status.IN_WORK, deadlines)
    workflow.decline(case, EXEC1, deadlines, T0 + timedelta(minutes=20), "Не наш вопрос")
    (d,) = [d for d in case.deadlines if d.rule == "decline"]
    assert d.outcome == Outcome.MET and d.blame is None


def test_cl12_late_decline_in_collecting_records_the_miss_of_that_department(deadlines: Deadlines) -> None:
    case = case_in(Status.COLLECTING, deadlines)         # D1 accepted, D2 not yet
    workflow.accept(case, EXEC2, T0 + timedelta(minutes=6))
    workflow.decline(case, EXEC2, deadlines, T0 + timedelta(minutes=60), "Не наш вопрос")
    d2 = [d for d in case.deadlines if d.rule == "decline" and d.department_id == D2][0]
    d1 = [d for d in case.deadlines if d.rule == "decline" and d.department_id == D1][0]
    assert d2.outcome == Outcome.MISSED and d2.blame == (f"department:{D2}",)
    assert d1.outcome == Outcome.MET and d1.blame is None
    assert case.status == Status.COLLECTING


def test_cl17_added_department_turns_a_draft_into_information(deadlines: Deadlines) -> None:
    case = case_in(Status.IN_WORK, deadlines)
    later = T0 + timedelta(minutes=40)
    workflow.add_department(case, OPERATOR, deadlines, later, (D3, "Культура"))
    assert case.multi and case.status == Status.COLLECTING
    assert case.open_deadline("draft", D1) is None and case.open_deadline("info", D1) is not None
    info = case.open_deadline("info", D3)
    assert info is not None and info.started_at == later
    assert case.open_deadline("decline", D3) is not None
    assert case.assignment(D3).state == DeptState.ROUTED      # type: ignore[union-attr]


def test_cl17_adding_a_department_already_in_work_is_refused(deadlines: Deadlines) -> None:
    case = case_in(Status.IN_WORK, deadlines)
    before = copy.deepcopy(case)
    with pytest.raises(ValidationFailed):
        workflow.add_department(case, OPERATOR, deadlines, T0 + timedelta(minutes=30), (D1, "ЖКХ"))
    assert case == before


def test_cl12_only_a_declined_department_is_withdrawn(deadlines: Deadlines) -> None:
    case = case_in(Status.COLLECTING, deadlines)
    with pytest.raises(InvalidTransition):
        workflow.withdraw(case, OPERATOR, D2)
    workflow.decline(case, EXEC2, deadlines, T0 + timedelta(minutes=10), "Не наш вопрос")
    workflow.withdraw(case, OPERATOR, D2)
    assert [a.department_id for a in case.assignments] == [D1]
    assert any(d.rule == "decline" and d.department_id == D2 for d in case.deadlines)   # its clock stays


# ---- cl. 8 per case ends early (☀️ Вернуть рабочее время) ------------------------------------------

def test_cl8_ending_the_decision_early_counts_the_rest_in_working_time(deadlines: Deadlines) -> None:
    case = Case(number="2026-0002", status=Status.NEW, platform="vk", text="Прорыв трубы",
                detected_at=msk(2026, 12, 1, 17, 30), operator_id=OPERATOR.user_id, id=2)
    workflow.register(case, deadlines)
    workflow.work_off_hours(case, HEAD, deadlines, msk(2026, 12, 1, 19, 0), None)
    assert case.open_deadline("answer").due_at == msk(2026, 12, 1, 21, 30)  # type: ignore[union-attr]
    workflow.end_off_hours(case, ADMIN, deadlines, msk(2026, 12, 1, 20, 0))
    # 30 working minutes before 18:00, 60 on the plain clock 19:00–20:00, the other 90 from the next opening
    assert case.calendar_span == (msk(2026, 12, 1, 19, 0), msk(2026, 12, 1, 20, 0))
    assert case.open_deadline("answer").due_at == msk(2026, 12, 2, 10, 30)  # type: ignore[union-attr]
    assert not case.on_calendar_time(msk(2026, 12, 1, 20, 0))
    before = copy.deepcopy(case)
    with pytest.raises(ValidationFailed):                     # no decision in force any more
        workflow.end_off_hours(case, HEAD, deadlines, msk(2026, 12, 1, 20, 30))
    with pytest.raises(AccessDenied):
        workflow.end_off_hours(case, OPERATOR, deadlines, msk(2026, 12, 1, 20, 30))
    assert case == before


def test_cl8_ending_a_decision_that_was_never_taken_is_refused(deadlines: Deadlines) -> None:
    case = new_case(deadlines)
    with pytest.raises(ValidationFailed):
        workflow.end_off_hours(case, HEAD, deadlines, T0 + timedelta(minutes=5))
    assert case.calendar_since is None and case.calendar_until is None
