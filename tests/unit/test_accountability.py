"""The accountability matrix: who owes every clock in every state (docs/workflow.md, «Кто отвечает за срок»).

The expected owners are written out below, state by state, for a one-department case, a several-department
case (cl. 17), an incident member (cl. 21) and a case waiting for the author. A state added to `Status`
without a row in `MATRIX` and in these tables fails here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import workflow
from bot.domain.accountability import MATRIX, Party, attribute, blame_for, chain, culprits, owners
from bot.domain.model import Case, DraftKind, Outcome, Status
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from deadlines.schedule import DEFAULT_SCHEDULE
from tests.conftest import MSK
from tests.unit.test_workflow_table import D1, D2, EXEC1, EXEC2, OPERATOR, T0, case_in, clean, new_case

DL = Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK))
OP = Party.operator(OPERATOR.user_id)
P1, P2 = Party.department(D1), Party.department(D2)
T = T0 + timedelta(minutes=5)


def owner_map(case: Case, lead: Case | None = None) -> dict[str, tuple[Party, ...]]:
    """Every open clock of the case → who owes it (department step clocks keyed as rule@department)."""
    out = {}
    for d in case.open_deadlines():
        key = d.rule if d.department_id is None else f"{d.rule}@{d.department_id}"
        out[key] = owners(case, d, lead)
    return out


# One department: the case walked through real transitions to each state.
ONE_DEPARTMENT: dict[Status, dict[str, tuple[Party, ...]]] = {
    Status.NEW: {"route": (OP,), "answer": (OP,)},
    Status.ROUTED: {"answer": (P1,), f"decline@{D1}": (P1,), f"draft@{D1}": (P1,)},
    Status.IN_WORK: {"answer": (P1,), f"draft@{D1}": (P1,)},
    Status.ON_APPROVAL: {"answer": (OP,), "approval": (OP,)},            # cl. 14: the operator holds it
    Status.REWORK: {"answer": (P1,), f"rework@{D1}": (P1,)},
    Status.APPROVED: {"answer": (P1,), f"publish@{D1}": (P1,)},          # cl. 16: the department publishes
    Status.AWAITING_FINAL: {"final": (P1,)},
    Status.AWAITING_AUTHOR: {},                                           # nobody: the author is to answer
    Status.CLOSED: {},
    Status.EXCLUDED: {},
    Status.DISMISSED: {},
    Status.TRANSFERRED: {},                                               # its clocks closed at the transfer
}


def several(status: Status) -> Case:
    """A cl. 17 case with two departments in ``status``."""
    case = new_case(DL)
    workflow.route(case, OPERATOR, DL, T, [(D1, "ЖКХ"), (D2, "Дороги")])
    if status == Status.ROUTED:         # several departments are collecting from the start
        return case
    workflow.accept(case, EXEC1, T)
    workflow.accept(case, EXEC2, T)
    if status == Status.COLLECTING:
        workflow.submit_info(case, EXEC1, T, "Сведения ЖКХ", [])
        return case
    workflow.submit_info(case, EXEC1, T, "Сведения ЖКХ", [])
    workflow.submit_info(case, EXEC2, T, "Сведения дорог", [])
    if status == Status.NEW:            # all sent: the operator composes (still COLLECTING)
        return case
    kind = DraftKind.INTERMEDIATE if status == Status.AWAITING_FINAL else DraftKind.ANSWER
    workflow.compose(case, OPERATOR, DL, T, kind, "Ответ", [], clean)
    if status == Status.APPROVED:
        return case
    workflow.publish(case, OPERATOR, DL, T, "file", "uniq", None)
    assert case.status == status
    return case


#: States only a several-department case has, with the test that covers them.
SEVERAL_ONLY = {Status.COLLECTING: "test_cl17_each_department_without_information_owes_the_answer_then_the_operator"}


@pytest.mark.parametrize("status", list(Status))
def test_matrix_has_a_row_for_every_state(status: Status) -> None:
    assert status in MATRIX
    assert status in ONE_DEPARTMENT or SEVERAL_ONLY[status] in globals()


@pytest.mark.parametrize("status", list(ONE_DEPARTMENT))
def test_owner_of_every_clock_one_department(status: Status) -> None:
    assert owner_map(case_in(status, DL)) == ONE_DEPARTMENT[status]


def test_cl17_each_department_without_information_owes_the_answer_then_the_operator() -> None:
    collecting = several(Status.COLLECTING)          # ЖКХ sent its information, Дороги not yet
    assert owner_map(collecting) == {"answer": (P2,), f"info@{D2}": (P2,)}
    all_in = several(Status.NEW)                     # every department's information is in: the operator composes
    assert all_in.status == Status.COLLECTING
    assert owner_map(all_in) == {"answer": (OP,)}
    composed = several(Status.APPROVED)              # the operator publishes what they composed
    assert owner_map(composed) == {"answer": (OP,), "publish": (OP,)}
    final = several(Status.AWAITING_FINAL)           # the operator composes the final answer too (cl. 7, 17)
    assert owner_map(final) == {"final": (OP,)}


def test_cl17_before_anyone_accepts_both_departments_owe_the_answer() -> None:
    case = several(Status.ROUTED)
    assert owner_map(case)["answer"] == (P1, P2)


def test_cl12_after_a_decline_the_operator_owes_the_answer_and_the_reroute() -> None:
    case = case_in(Status.IN_WORK, DL)
    workflow.decline(case, EXEC1, DL, T, "Не наш вопрос")
    assert owner_map(case) == {"route": (OP,), "answer": (OP,)}


def test_cl21_incident_member_follows_its_lead() -> None:
    lead = case_in(Status.ON_APPROVAL, DL)
    member = new_case(DL)
    member.number, member.incident_lead = "2026-0002", lead.number
    member.deadlines = [d for d in member.deadlines if d.rule == "answer"]   # its route closed at the merge
    assert owner_map(member, lead) == {"answer": (OP,)}
    lead_in_work = case_in(Status.IN_WORK, DL)
    assert owner_map(member, lead_in_work) == {"answer": (P1,)}


def test_cl21_incident_member_waiting_for_the_final_answer_follows_its_lead() -> None:
    """After the lead's intermediate answer was published under every post, each member's final clock (cl. 7)
    is owed by whoever holds the lead's next step; once the lead is closed the member answers for itself."""
    lead = case_in(Status.AWAITING_FINAL, DL)
    member = case_in(Status.AWAITING_FINAL, DL)
    member.number, member.incident_lead = "2026-0002", lead.number
    assert owner_map(member, lead) == {"final": (P1,)}
    workflow.submit_draft(lead, EXEC1, DL, T, DraftKind.ANSWER, "Окончательный ответ", [], clean)
    assert owner_map(member, lead) == {"final": (OP,)}                 # the lead's final waits for approval
    workflow.approve(lead, OPERATOR, DL, T, clean)
    workflow.publish(lead, EXEC1, DL, T, "file", "uniq", None)
    assert not lead.is_open
    assert owner_map(member, lead) == {"final": (P1,)}                 # its own department publishes it


def test_cl14_operator_sitting_on_an_on_time_draft_owns_the_missed_answer() -> None:
    case = case_in(Status.ON_APPROVAL, DL)
    answer = case.open_deadline("answer")
    assert answer is not None
    fixed = attribute(case, answer.due_at + timedelta(minutes=1))
    assert answer in fixed and answer.blame == (OP.key,)
    draft = next(d for d in case.deadlines if d.rule == "draft")
    assert draft.outcome == Outcome.MET and draft.blame is None        # the department finished in time


def test_attribution_is_fixed_once() -> None:
    case = case_in(Status.IN_WORK, DL)
    answer = case.open_deadline("answer")
    assert answer is not None
    attribute(case, answer.due_at + timedelta(minutes=1))
    assert answer.blame == (P1.key,)
    workflow.submit_draft(case, EXEC1, DL, answer.due_at + timedelta(minutes=2), DraftKind.ANSWER, "Ответ", [], clean)
    attribute(case, answer.due_at + timedelta(minutes=3))
    assert answer.blame == (P1.key,)                                     # not moved to the operator


def test_inherited_time_is_blamed_on_whoever_used_it_up() -> None:
    case = new_case(DL)
    # The operator routes 2 h late (cl. 9 missed), with less than the window left before the draft deadline.
    late = T0 + timedelta(hours=2, minutes=10)
    attribute(case, late)
    workflow.route(case, OPERATOR, DL, late, [(D1, "ЖКХ")])
    a = case.assignment(D1)
    assert a is not None and a.inherited_from == (OP.key,)
    draft = case.open_deadline("draft", D1)
    assert draft is not None
    b = blame_for(case, draft)
    assert b.parties == (OP,) and b.inherited


def test_culprits_name_a_late_decline_and_a_slow_reroute() -> None:
    case = case_in(Status.IN_WORK, DL)
    decline = next(d for d in case.deadlines if d.rule == "decline")
    decline.outcome = Outcome.MISSED
    route = next(d for d in case.deadlines if d.rule == "route")
    route.outcome = Outcome.MISSED
    assert culprits(case, T0 + timedelta(hours=3)) == tuple(sorted((OP, P1)))


def test_chain_lists_each_step_with_how_it_ended() -> None:
    case = case_in(Status.ON_APPROVAL, DL)
    steps = chain(case)
    assert [s.rule for s in steps] == ["route", "decline", "draft", "approval"]
    assert [s.done for s in steps] == [True, True, True, False]
    assert steps[1].decision == "accepted" and steps[3].party == OP


@given(st.sampled_from(list(ONE_DEPARTMENT)), st.integers(min_value=0, max_value=600))
def test_every_open_clock_has_an_owner_unless_the_case_waits_for_the_author(status: Status, minutes: int) -> None:
    case = case_in(status, DL)
    now = T0 + timedelta(minutes=minutes)
    for d in case.open_deadlines():
        parties = owners(case, d)
        assert parties, (status, d.rule)
        assert all(p == OP or p.id in {D1, D2} for p in parties)
    for d in attribute(case, now):
        assert d.blame                                                   # a miss is never nobody's


def test_cl12_inherited_time_is_measured_in_working_minutes_across_lunch() -> None:
    """Detected 11:10, routed 12:50: the draft is due 14:10 — 80 minutes by the clock but 20 working minutes
    (lunch 13:00–14:00), less than half the usual time: the department inherits, the late routing owes it."""
    case = new_case(DL)
    case.detected_at = T0.replace(hour=11, minute=10)
    case.deadlines = []
    workflow.register(case, DL)
    routed = T0.replace(hour=12, minute=50)
    attribute(case, routed)
    workflow.route(case, OPERATOR, DL, routed, [(D1, "ЖКХ")])
    draft = case.open_deadline("draft", D1)
    assert draft is not None and draft.due_at == T0.replace(hour=14, minute=10)
    a = case.assignment(D1)
    assert a is not None and a.inherited_from == (OP.key,)


def test_cl8_a_deadline_moved_past_now_loses_its_blame_one_still_past_keeps_it() -> None:
    """A date declared working (or any recount) moves a missed answer clock: if it now runs out later, nobody
    has missed it yet; if it still ran out, the miss stays with whoever held the step."""
    from deadlines.rules import RuleSpec

    for minutes, still_missed in ((600, False), (170, True)):
        case = case_in(Status.IN_WORK, DL)
        answer = case.open_deadline("answer")
        assert answer is not None
        now = answer.due_at + timedelta(minutes=1)
        attribute(case, now)
        assert answer.blame == (P1.key,)
        recounted = Deadlines(DL.calendar, {"answer": RuleSpec(minutes)})
        assert answer in workflow.recompute(case, recounted, now)
        assert (answer.blame == (P1.key,)) is still_missed
