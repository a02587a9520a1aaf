"""The regulation's own chain (cl. 13–16): a draft sent at the last allowed moment ends late unless
approved earlier than cl. 14 says; the operator is told by when, and the reminder comes before that."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import workflow
from bot.domain.model import Actor, Case, DraftKind, Role, Status
from deadlines.rules import Deadlines
from handlers.render import draft_for_operator
from tests.conftest import MSK, msk


def test_cl13_16_latest_approval_is_answer_less_publish_term(deadlines: Deadlines) -> None:
    answer_due = msk(2026, 12, 1, 12, 0)                       # detected 09:00 (cl. 6: +3 working hours)
    draft_at = answer_due - timedelta(minutes=60)              # the last moment cl. 13 allows
    approval_due = deadlines.due("approval", draft_at)
    assert approval_due == answer_due                          # cl. 14: +60 min = the answer deadline
    assert answer_due + timedelta(minutes=10) == deadlines.due("publish", approval_due)   # 10 min late
    assert deadlines.latest_approval(approval_due, answer_due) == msk(2026, 12, 1, 11, 50)
    early = msk(2026, 12, 1, 10, 0)                             # a draft two hours before: cl. 14 is enough
    assert deadlines.latest_approval(deadlines.due("approval", early), answer_due) == msk(2026, 12, 1, 11, 0)


def _case_on_approval(deadlines: Deadlines, sent_at_minutes_before_answer: int) -> Case:
    operator = Actor(100, Role.OPERATOR, "Оператор")
    ex = Actor(201, Role.EXECUTOR, "Исполнитель", department_id=11)
    case = Case(number="2026-0001", status=Status.NEW, platform="vk", text="Яма", detected_at=msk(2026, 12, 1, 10),
                operator_id=100)
    workflow.register(case, deadlines)
    workflow.route(case, operator, deadlines, msk(2026, 12, 1, 10, 10), [(11, "ЖКХ")])
    workflow.accept(case, ex, msk(2026, 12, 1, 10, 15))
    answer_due = msk(2026, 12, 1, 13, 0)
    at = answer_due - timedelta(minutes=sent_at_minutes_before_answer)
    d = workflow.submit_draft(case, ex, deadlines, at, DraftKind.ANSWER, "Яму заделают", [], lambda _t: [])
    d.id = 1
    return case


def test_cl13_16_operator_request_says_by_when_to_approve(deadlines: Deadlines) -> None:
    case = _case_on_approval(deadlines, 60)
    assert workflow.approve_by(case, deadlines) == msk(2026, 12, 1, 12, 50)
    text = draft_for_operator(case, case.drafts[-1], MSK, workflow.approve_by(case, deadlines))
    assert "Согласуйте до 12:50, чтобы ответ вышел в срок (п. 6)" in text
    assert "до 01.12 13:00" in text                            # the cl. 14 deadline itself is unchanged
    assert case.open_deadline("approval") is not None and case.open_deadline("approval").due_at == msk(2026, 12, 1, 13)


def test_cl14_no_warning_when_the_approval_deadline_is_early_enough(deadlines: Deadlines) -> None:
    case = _case_on_approval(deadlines, 120)
    assert workflow.approve_by(case, deadlines) is None
    assert "Согласуйте до" not in draft_for_operator(case, case.drafts[-1], MSK, None)
