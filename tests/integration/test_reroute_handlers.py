"""Re-routing and several departments (cl. 12, 17) through a real Dispatcher with the recording fake Telegram."""

from __future__ import annotations

from bot.domain.model import Status
from bot.domain.orgs import Scope
from handlers.callbacks import CaseCb, Op
from tests.conftest import msk
from tests.integration.test_handlers import forward_post, h, route_to
from tests.support import updates
from tests.support.harness import DEPT_A_CHAT, DEPT_B_CHAT, EXEC_A, EXEC_B, OPERATOR, Harness

__all__ = ["h"]     # the fixture


async def test_cl17_operator_adds_a_department_from_the_card(h: Harness) -> None:
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    await h.press(OPERATOR, OPERATOR, "➕ Добавить отдел")
    ask = h.find(OPERATOR, "Какой отдел добавить")
    assert h.labels(OPERATOR, ask.message_id) == ["Дорожный отдел"]           # not the one already in work
    alert = await h.press(OPERATOR, OPERATOR, "Дорожный отдел", ask.message_id)
    assert "Дорожный отдел" in alert and "добавлен" in alert
    card_b = h.find(DEPT_B_CHAT, "Сообщение 2026-0001")
    assert "Вам направлено сообщение" in card_b.text
    assert "Принять в работу" in h.labels(DEPT_B_CHAT, card_b.message_id)
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.COLLECTING and case.multi
    card_a = h.find(DEPT_A_CHAT, "Сообщение 2026-0001")
    assert "Отправить информацию" in " ".join(h.labels(DEPT_A_CHAT, card_a.message_id))  # no longer a draft
    # pressed again on the stale list: refused with a message, nothing lost
    await h.press(OPERATOR, OPERATOR, "Дорожный отдел", ask.message_id)
    assert "уже работает с сообщением" in h.alerts()[-1]
    assert len((await h.app.cases.get(case_id, scope=Scope.all())).assignments) == 2


async def test_cl12_declined_department_is_withdrawn_from_the_card(h: Harness) -> None:
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ", "Дорожный отдел")
    await h.press(EXEC_A, DEPT_A_CHAT, "Не наша компетенция")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Это дорога, не ЖКХ")
    alert = await h.press(OPERATOR, OPERATOR, "➖ Убрать «Отдел ЖКХ»")
    assert "убран" in alert
    card = h.find(OPERATOR, "Сообщение 2026-0001")
    assert "Отдел ЖКХ" not in card.text and "Дорожный отдел" in card.text
    assert not any("Убрать" in label for label in h.labels(OPERATOR, card.message_id))
    # a forged withdraw of a department still working on the case: a clear message, nothing lost
    data = CaseCb(op=Op.WITHDRAW, case_id=case_id, arg=2).pack()
    await h.feed(updates.callback(OPERATOR, OPERATOR, data, card.message_id))
    assert "только отдел, который отказался" in h.alerts()[-1]
    assert [a.department_name for a in (await h.app.cases.get(case_id, scope=Scope.all())).assignments] == ["Дорожный отдел"]


async def test_cl12_department_that_gets_the_case_too_late_is_told_on_its_card(h: Harness) -> None:
    await forward_post(h)                                          # 10:00: draft due 12:00
    h.clock.set(msk(2026, 12, 1, 10, 10))
    await route_to(h, "Отдел ЖКХ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    h.clock.set(msk(2026, 12, 1, 11, 20))
    await h.press(EXEC_A, DEPT_A_CHAT, "Не наша компетенция")      # late, after accepting
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Это дорога, не ЖКХ")
    h.clock.set(msk(2026, 12, 1, 11, 55))
    await h.press(OPERATOR, OPERATOR, "➖ Убрать «Отдел ЖКХ»")
    await route_to(h, "Дорожный отдел")
    card_b = h.find(DEPT_B_CHAT, "Сообщение 2026-0001")
    assert "Срок проекта ответа (п. 13) истекает через 5 мин" in card_b.text
    assert "просрочка не будет засчитана вашему отделу" in card_b.text
    await h.press(EXEC_B, DEPT_B_CHAT, "Принять в работу")
    card_b = h.messages[(DEPT_B_CHAT, card_b.message_id)]
    assert "не будет засчитана вашему отделу" in card_b.text           # stays while the draft is due
