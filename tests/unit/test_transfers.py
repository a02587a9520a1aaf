"""The rules of a transfer between organisations (bot/domain/transfers.py): the clocks each side keeps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain import transfers, workflow
from bot.domain.errors import InvalidTransition, ValidationFailed
from bot.domain.model import Actor, Case, Outcome, Role, Status
from deadlines.rules import Deadlines
from tests.conftest import msk

T0 = msk(2026, 12, 1, 10, 0)
OPERATOR = Actor(100, Role.OPERATOR, "Оператор")
OPERATOR_B = Actor(400, Role.OPERATOR, "Оператор Б", org_id=2)


def new_case(dl: Deadlines) -> Case:
    case = Case(number="2026-0001", status=Status.NEW, platform="vk", text="Яма на дороге", detected_at=T0,
                operator_id=OPERATOR.user_id, id=1, link="https://vk.com/wall-1_2", link_norm="vk.com/wall-1_2")
    workflow.register(case, dl)
    return case


def answer(case: Case):  # type: ignore[no-untyped-def]
    return [d for d in case.deadlines if d.rule == "answer"][-1]


def test_reason_is_required_and_limited(deadlines: Deadlines) -> None:
    case = new_case(deadlines)
    for bad in ("", "   ", "х" * (transfers.MAX_REASON + 1)):
        with pytest.raises(ValidationFailed):
            transfers.hand_over(case, OPERATOR, T0, bad)
    assert case.status == Status.NEW and all(d.is_open for d in case.deadlines)
    assert transfers.clean_reason("  Дорога республиканская  ") == "Дорога республиканская"


def test_only_another_active_organisation_receives(deadlines: Deadlines) -> None:
    transfers.check_target(1, 2, {1, 2})
    for to_org, active in ((1, {1, 2}), (3, {1, 2}), (2, {1})):
        with pytest.raises(ValidationFailed, match="transfer_org_not_found"):
            transfers.check_target(1, to_org, active)


def test_the_receiver_keeps_detection_and_the_answer_due_and_routes_from_receipt(deadlines: Deadlines) -> None:
    case = new_case(deadlines)
    due = answer(case).due_at
    at = T0 + timedelta(minutes=45)                      # the route clock (10:30) ran out in A
    case.deadlines[0].blame = ("operator:100",)          # as uow.load attributes it
    transfers.hand_over(case, OPERATOR, at, "Дорога республиканская")
    route = [d for d in case.deadlines if d.rule == "route"][0]
    assert case.status == Status.TRANSFERRED and route.outcome == Outcome.MISSED
    assert answer(case).outcome == Outcome.CANCELLED
    got = transfers.received(case, 2, OPERATOR_B.user_id, deadlines, at)
    assert (got.org_id, got.detected_at, got.status, got.link_norm) == (2, T0, Status.NEW, case.link_norm)
    assert answer(got).due_at == due and answer(got).started_at == T0 and answer(got).blame is None
    assert got.open_deadline("route").started_at == at   # type: ignore[union-attr]


def test_an_answer_clock_already_run_out_in_the_giver_stays_the_givers(deadlines: Deadlines) -> None:
    case = new_case(deadlines)
    late = answer(case).due_at + timedelta(minutes=5)
    answer(case).blame = ("operator:100",)
    transfers.hand_over(case, OPERATOR, late, "Дорога республиканская")
    got = transfers.received(case, 2, OPERATOR_B.user_id, deadlines, late)
    copy = answer(got)
    assert copy.blame == ("operator:100",) and copy.blame_inherited
    assert copy.expired_notified_at is not None          # the giver's miss is not announced again in B


def test_refusal_back_only_of_a_received_case_and_the_giver_gets_its_due_again(deadlines: Deadlines) -> None:
    case = new_case(deadlines)
    due = answer(case).due_at
    transfers.hand_over(case, OPERATOR, T0 + timedelta(minutes=10), "Дорога республиканская")
    got = transfers.received(case, 2, OPERATOR_B.user_id, deadlines, T0 + timedelta(minutes=10))
    with pytest.raises(InvalidTransition):
        transfers.give_back(got, OPERATOR_B, T0, "Не наше", received_by_transfer=False)
    back_at = T0 + timedelta(minutes=20)
    transfers.give_back(got, OPERATOR_B, back_at, "Не наше", received_by_transfer=True)
    transfers.take_back(case, deadlines, back_at)
    assert got.status == Status.TRANSFERRED and not any(d.is_open for d in got.deadlines)
    assert case.status == Status.NEW and case.open_deadline("answer").due_at == due    # type: ignore[union-attr]
    assert case.open_deadline("route").started_at == back_at                           # type: ignore[union-attr]
    with pytest.raises(InvalidTransition):
        transfers.take_back(case, deadlines, back_at)                                   # not given away now


def test_a_post_of_an_incident_is_not_transferred_alone(deadlines: Deadlines) -> None:
    case = new_case(deadlines)
    case.incident_lead = "2026-0001"
    with pytest.raises(ValidationFailed, match="transfer_incident"):
        transfers.hand_over(case, OPERATOR, T0, "Дорога республиканская")
    assert case.status == Status.NEW
