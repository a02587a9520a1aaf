"""The operator's two buttons after an unanswered clarification (cl. 6, docs/workflow.md «Clarification
requests») pressed through a real Dispatcher: the reminder run asks, the operator answers, a stale press
is told and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.domain.model import CLOSURE_CLARIFICATION, Status
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from tests.conftest import msk
from tests.integration.test_handlers import published
from tests.support.harness import (
    DEPT_A_CHAT,
    OPERATOR,
    STRANGER,
    Harness,
    bound_harness,
)


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock, clarification_wait_days=1) as harness:
        yield harness


async def _asked(h: Harness) -> int:
    """A published clarification nobody answers; the reminder run asks the operator a working day later."""
    case_id = await published(h, "Уточнение", "Уточните, пожалуйста, номер дома.")
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.AWAITING_AUTHOR
    assert h.app.reminders is not None
    h.clock.set(msk(2026, 12, 2, 11, 0))              # Wednesday: one working day after Tuesday's request
    assert (await h.app.reminders.service.run_due()).clarifications == 1
    await h.app.notifier.flush()
    h._scan()
    return case_id


async def test_cl6_operator_presses_close_no_reply_and_the_case_closes_counted_apart(h: Harness) -> None:
    case_id = await _asked(h)
    question = h.find(OPERATOR, "не ответил на уточнение с 01.12")
    assert h.labels(OPERATOR, question.message_id) == [texts.BTN_CLOSE_NO_REPLY, texts.BTN_ANSWER_ANYWAY]
    message_id, data = h.button(OPERATOR, texts.BTN_CLOSE_NO_REPLY)

    assert await h.press(OPERATOR, OPERATOR, texts.BTN_CLOSE_NO_REPLY) == texts.CLOSED_NO_REPLY_DONE
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.CLOSED and case.closure == CLOSURE_CLARIFICATION
    assert h.labels(OPERATOR, message_id) == []                  # the buttons are gone

    # the same button pressed again (a second device, an old copy of the message): told, nothing changes
    from tests.support import updates
    events = len(await h.app.cases.history(case_id))
    await h.feed(updates.callback(OPERATOR, OPERATOR, data, message_id))
    assert h.alerts()[-1] == texts.ERRORS["invalid_transition"]
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.CLOSED and case.closure == CLOSURE_CLARIFICATION
    history = await h.app.cases.history(case_id)
    assert len([e for e in history if not e.refused]) == len([e for e in history[:events] if not e.refused])


async def test_cl6_operator_presses_answer_anyway_and_the_department_prepares_the_answer(h: Harness) -> None:
    case_id = await _asked(h)
    message_id, data = h.button(OPERATOR, texts.BTN_ANSWER_ANYWAY)

    assert await h.press(OPERATOR, OPERATOR, texts.BTN_ANSWER_ANYWAY) == texts.ANSWER_ANYWAY_DONE
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.IN_WORK and case.closure is None
    answer = case.open_deadline("answer")
    assert answer is not None and answer.started_at == h.clock.now()      # a new cl. 6 clock from the press
    assert "2026-0001" in h.find(DEPT_A_CHAT, "не ответил на уточнение").text
    assert h.labels(OPERATOR, message_id) == []

    # «Закрыть» from the same old message after the case went back to work: told, the case stays in work
    from handlers.callbacks import CaseCb, Op
    from tests.support import updates
    close = CaseCb(op=Op.NO_REPLY, case_id=case_id).pack()
    await h.feed(updates.callback(OPERATOR, OPERATOR, close, message_id))
    assert h.alerts()[-1] == texts.ERRORS["invalid_transition"]
    await h.feed(updates.callback(OPERATOR, OPERATOR, data, message_id))
    assert h.alerts()[-1] == texts.ERRORS["invalid_transition"]
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.IN_WORK
    # forged data and a stranger's press: refused, the case stays in work
    await h.feed(updates.callback(OPERATOR, OPERATOR, "c:zz:1:0", message_id))
    assert h.alerts()[-1] == texts.BUTTON_STALE
    await h.feed(updates.callback(STRANGER, STRANGER, close, message_id))
    assert h.alerts()[-1] == texts.ERRORS["access_denied"]
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.IN_WORK and case.closure is None
