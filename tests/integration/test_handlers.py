"""Every flow through a real Dispatcher with a recording session: what each chat is sent and shown."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.model import Status
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from tests.support.harness import (
    ADMIN,
    DEPT_A_CHAT,
    DEPT_B_CHAT,
    EXEC_A,
    EXEC_A2,
    EXEC_B,
    HEAD_CHAT,
    OPERATOR,
    OPERATOR2,
    STRANGER,
    UNBOUND_CHAT,
    Harness,
    bound_harness,
)

POST = "Во дворе дома на ул. Ленина, 5 третью неделю не вывозят мусор <b>никто</b> не отвечает"


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        yield harness


async def forward_post(h: Harness, text: str = POST, **options: object) -> int:
    await h.say(OPERATOR, text, forward_from_chat=(-100555, "Подслушано Зеленчукская", "zelen_online"),
                forward_message_id=77, **options)
    case = (await h.app.cases.open_cases(scope=Scope.all()))[-1]
    assert case.id is not None
    return case.id


async def route_to(h: Harness, *departments: str) -> None:
    for name in departments:
        await h.press(OPERATOR, OPERATOR, name)
    await h.press(OPERATOR, OPERATOR, "Направить")


async def draft_for_approval(h: Harness, kind: str, text: str) -> None:
    """The department accepts the routed case and sends a draft of ``kind`` with ``text`` for approval."""
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    await h.press(EXEC_A, DEPT_A_CHAT, "Подготовить ответ")
    await h.press(EXEC_A, DEPT_A_CHAT, kind)
    await h.say_in(DEPT_A_CHAT, EXEC_A, text)
    await h.press(EXEC_A, DEPT_A_CHAT, "На согласование")


async def three_posts_about_one_address(h: Harness) -> None:
    """Three posts about ул. Ленина, 5 within 20 minutes: a surge (cl. 21)."""
    for text in ("Не вывозят мусор, ул. Ленина, 5", "Опять мусор у дома ул. Ленина, 5", "ул. Ленина, 5 — свалка"):
        await h.say(OPERATOR, text)
        h.clock.advance(minutes=10)
    await h.app.notifier.flush()
    h._scan()


async def test_start_tells_each_person_their_role(h: Harness) -> None:
    await h.say(STRANGER, "/start")
    await h.say(OPERATOR, "/start")
    await h.say(ADMIN, "/start")
    assert "Доступа у вас нет" in h.last(STRANGER).text
    assert "оператор" in h.last(OPERATOR).text
    assert "администратор" in h.last(ADMIN).text


async def test_cl9_forwarded_post_opens_a_card_with_department_buttons(h: Harness) -> None:
    await forward_post(h)
    card = h.find(OPERATOR, "Сообщение 2026-0001")
    assert "Telegram" in card.text and "https://t.me/zelen_online/77" in card.text
    assert any("&lt;b&gt;никто&lt;/b&gt;" in t for t in h.session.sent_texts(OPERATOR))   # citizen text escaped
    assert "Направить до 01.12 10:30" in card.text
    labels = h.labels(OPERATOR, card.message_id)
    for label in ("Отдел ЖКХ", "Дорожный отдел", "Срочно", "Общественно значимое", "59-ФЗ", "Не требует реакции",
                  "Направить"):
        assert any(label in b for b in labels), label


async def test_cl16_one_department_from_forward_to_screenshot(h: Harness) -> None:
    case_id = await forward_post(h)
    await h.press(OPERATOR, OPERATOR, "Отдел ЖКХ")
    assert "✅ Отдел ЖКХ" in h.labels(OPERATOR, h.find(OPERATOR, "Сообщение 2026-0001").message_id)
    await route_to(h)
    dept_card = h.find(DEPT_A_CHAT, "Сообщение 2026-0001")
    assert h.labels(DEPT_A_CHAT, dept_card.message_id)[:2] == ["Принять в работу", "Не наша компетенция"]
    assert not h.chat(DEPT_B_CHAT)[1:]                        # only the bind confirmation there

    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    assert "в работе" in h.messages[(DEPT_A_CHAT, dept_card.message_id)].text    # the card edited in place
    await h.press(EXEC_A, DEPT_A_CHAT, "Подготовить ответ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Ответ")
    await h.say_in(DEPT_A_CHAT, EXEC_A, None, photo_file_ids=["photo-before"])
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Мусор вывезен 1 декабря, график восстановлен.")
    assert "Предпросмотр" in h.last(DEPT_A_CHAT).text
    await h.press(EXEC_A, DEPT_A_CHAT, "На согласование")

    draft = h.find(OPERATOR, "Согласуйте или верните")
    assert "Мусор вывезен" in draft.text and "Вложений: 1" in draft.text
    assert any(r.photo == "photo-before" for r in h.session.calls("sendPhoto"))
    h.clock.advance(minutes=20)
    await h.press(OPERATOR, OPERATOR, "Согласовать")
    approved = h.find(DEPT_A_CHAT, "опубликуйте ответ в течение 10 минут".capitalize()[0:0] + "Опубликуйте ответ")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "https://vk.com/wall-1_2?reply=3", photo_file_ids=["shot-1"],
                   reply_to_message_id=approved.message_id)
    shots = [r for r in h.session.calls("sendPhoto") if r.chat_id == OPERATOR]
    assert shots and shots[-1].photo == "shot-1" and "vk.com" in (shots[-1].caption or "")
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.CLOSED
    assert "Закрыто" in h.find(OPERATOR, "Сообщение 2026-0001").text


async def test_cl12_decline_and_reroute(h: Harness) -> None:
    await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Не наша компетенция")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Это дорога, не ЖКХ")
    notice = h.find(OPERATOR, "не в его компетенции")
    assert "Это дорога, не ЖКХ" in notice.text and "направьте его в другой отдел" in notice.text
    await route_to(h, "Дорожный отдел")
    assert h.find(DEPT_B_CHAT, "Сообщение 2026-0001")


async def test_cl15_return_for_rework_shows_comment_and_deadline(h: Harness) -> None:
    await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await draft_for_approval(h, "Ответ", "Разберёмся.")
    await h.press(OPERATOR, OPERATOR, "На доработку")
    await h.say(OPERATOR, "Укажите срок вывоза")
    returned = h.find(DEPT_A_CHAT, "возвращён на доработку")
    assert "Укажите срок вывоза" in returned.text and "до 01.12" in returned.text


async def test_reply_to_card_with_text_prepares_an_answer(h: Harness) -> None:
    await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    card = h.find(DEPT_A_CHAT, "Сообщение 2026-0001")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Вывезем сегодня до 18:00.", reply_to_message_id=card.message_id)
    await h.press(EXEC_A, DEPT_A_CHAT, "На согласование")
    assert h.find(OPERATOR, "Вывезем сегодня")


async def test_cl19_profane_draft_is_refused_naming_the_words(h: Harness) -> None:
    await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    await h.press(EXEC_A, DEPT_A_CHAT, "Подготовить ответ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Ответ")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Жители сами идиоты, мусорят")
    assert "недопустимые выражения" in h.last(DEPT_A_CHAT).text and "идиоты" in h.last(DEPT_A_CHAT).text
    assert not [t for t in h.texts(OPERATOR) if "Согласуйте" in t]


async def test_cl17_several_departments_operator_composes_and_proves(h: Harness) -> None:
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ", "Дорожный отдел")
    for chat, user in ((DEPT_A_CHAT, EXEC_A), (DEPT_B_CHAT, EXEC_B)):
        await h.press(user, chat, "Принять в работу")
        await h.press(user, chat, "Отправить информацию")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Контейнеры заменим")
    assert "Ещё ждём: Дорожный отдел" in h.find(OPERATOR, "Контейнеры заменим").text
    await h.say_in(DEPT_B_CHAT, EXEC_B, "Подъезд расчистим")
    assert "от всех отделов" in h.find(OPERATOR, "Подъезд расчистим").text
    await h.press(OPERATOR, OPERATOR, "Составить ответ")
    await h.press(OPERATOR, OPERATOR, "Ответ")
    await h.say(OPERATOR, "Контейнеры заменим, подъезд расчистим до пятницы.")
    card = h.find(OPERATOR, "Сообщение 2026-0001")
    await h.say(OPERATOR, None, photo_file_ids=["shot-op"], reply_to_message_id=card.message_id)
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.CLOSED


async def published(h: Harness, kind: str, text: str) -> int:
    """A post routed to ЖКХ, its ``kind`` drafted, approved and published with a screenshot; the case id."""
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await draft_for_approval(h, kind, text)
    await h.press(OPERATOR, OPERATOR, "Согласовать")
    approved = h.find(DEPT_A_CHAT, "Опубликуйте ответ")
    await h.say_in(DEPT_A_CHAT, EXEC_A, None, photo_file_ids=[f"shot-{kind}"], reply_to_message_id=approved.message_id)
    return case_id


async def test_cl7_intermediate_then_final(h: Harness) -> None:
    case_id = await published(h, "Промежуточный ответ", "Проводим проверку, ответим завтра.")
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.AWAITING_FINAL
    assert "Окончательный ответ до 02.12 18:00" in h.find(OPERATOR, "Сообщение 2026-0001").text
    await h.press(EXEC_A, DEPT_A_CHAT, "Подготовить ответ")
    assert h.labels(DEPT_A_CHAT, h.last(DEPT_A_CHAT).message_id) == ["Ответ", "Отмена"]


async def test_clarification_and_authors_reply(h: Harness) -> None:
    case_id = await published(h, "Уточнение", "Уточните, пожалуйста, номер дома.")
    await h.press(OPERATOR, OPERATOR, "Ответ автора")
    await h.say(OPERATOR, "Дом 5, корпус 2")
    assert "Дом 5, корпус 2" in h.find(DEPT_A_CHAT, "Автор ответил").text
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.IN_WORK


async def test_album_is_one_case(h: Harness) -> None:
    from tests.support import updates

    await h.feed(updates.album(OPERATOR, ["p1", "p2", "p3"], "Яма на дороге https://vk.com/wall-5_9"))
    open_cases = await h.app.cases.open_cases(scope=Scope.all())
    assert len(open_cases) == 1 and len(open_cases[0].media) == 3
    assert open_cases[0].platform == "vk"
    assert len([t for t in h.texts(OPERATOR) if "Сообщение 2026-" in t]) == 1


async def test_cl3_duplicate_joins_open_case(h: Harness) -> None:
    await h.say(OPERATOR, "Яма https://vk.com/wall-5_9")
    await h.say(OPERATOR, "Та же яма https://m.vk.com/wall-5_9?utm_source=share")
    assert "уже есть в открытом сообщении 2026-0001" in h.last(OPERATOR).text
    assert len(await h.app.cases.open_cases(scope=Scope.all())) == 1


async def test_cl21_significant_goes_to_head(h: Harness) -> None:
    await forward_post(h)
    await h.press(OPERATOR, OPERATOR, "Общественно значимое")
    assert "Общественно значимое сообщение 2026-0001" in h.last(HEAD_CHAT).text


async def test_refusals_stranger_other_department_forged_and_unbound(h: Harness) -> None:
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    # a stranger writes to the bot
    await h.say(STRANGER, "Покажите сообщения")
    assert "Доступа у вас нет" in h.last(STRANGER).text
    # an executor of another department presses a button of this case (forged into their chat)
    from handlers.callbacks import CaseCb, Op
    from tests.support import updates

    data = CaseCb(op=Op.ACCEPT, case_id=case_id).pack()
    await h.feed(updates.callback(EXEC_B, DEPT_B_CHAT, data, 5, chat_type="supergroup"))
    assert "Нет доступа" in h.alerts()[-1]
    # forged data
    await h.feed(updates.callback(EXEC_A, DEPT_A_CHAT, "c:zz:1:0", 5, chat_type="supergroup"))
    assert h.alerts()[-1] == "Кнопка устарела."
    # a stranger presses the operator's button
    await h.feed(updates.callback(STRANGER, STRANGER, CaseCb(op=Op.ROUTE, case_id=case_id).pack(), 5))
    assert h.alerts()[-1] == "Нет доступа."
    # an unbound group: the bot says so once when addressed, then keeps quiet
    await h.say_in(UNBOUND_CHAT, EXEC_A2, "/my")
    await h.say_in(UNBOUND_CHAT, EXEC_A2, "/my")
    assert h.texts(UNBOUND_CHAT) == [h.texts(UNBOUND_CHAT)[0]] and "не подключена" in h.texts(UNBOUND_CHAT)[0]
    history = await h.app.cases.history(case_id)
    assert [e.kind for e in history if e.refused]


async def test_second_executor_accept_is_told(h: Harness) -> None:
    await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    message_id, data = h.button(DEPT_A_CHAT, "Принять в работу")
    from tests.support import updates

    await h.feed(updates.callback(EXEC_A, DEPT_A_CHAT, data, message_id, chat_type="supergroup"))
    await h.feed(updates.callback(EXEC_A2, DEPT_A_CHAT, data, message_id, chat_type="supergroup"))
    assert "уже" in h.alerts()[-1] or "недоступно" in h.alerts()[-1]


async def test_open_and_case_commands(h: Harness) -> None:
    await forward_post(h)
    await h.say(OPERATOR, "/open")
    assert "2026-0001" in h.last(OPERATOR).text and "оператор" in h.last(OPERATOR).text
    await h.say(OPERATOR, "/case 1")
    assert "История" in h.last(OPERATOR).text or "История" in "".join(h.texts(OPERATOR)[-2:])
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/my")
    assert "нет открытых" in h.last(DEPT_A_CHAT).text


async def test_unsupported_message_gets_a_hint(h: Harness) -> None:
    from tests.support import updates

    upd = updates.private_message(OPERATOR, None)
    await h.feed(upd)
    assert "не обрабатываю" in h.last(OPERATOR).text


async def test_cl21_surge_of_posts_about_one_address_alerts_the_head(h: Harness) -> None:
    await three_posts_about_one_address(h)
    head = " ".join(h.texts(HEAD_CHAT))
    assert "2026-0001" in head and "2026-0003" in head


async def test_cl21_operator_merges_surge_into_incident_one_answer_under_every_post(h: Harness) -> None:
    await three_posts_about_one_address(h)
    alert = h.find(OPERATOR, "Повышенная социальная активность")
    assert "2026-0001" in alert.text and "2026-0003" in alert.text
    assert h.labels(OPERATOR, alert.message_id) == ["🔗 Объединить в инцидент"]
    assert not [m for m in h.chat(HEAD_CHAT) if m.markup]           # the head reads; operators merge

    await h.press(OPERATOR, OPERATOR, "Объединить в инцидент")
    merged = h.find(OPERATOR, "Объединено в инцидент")
    assert "2026-0001, 2026-0002, 2026-0003" in merged.text and "по сообщению 2026-0001" in merged.text
    assert h.labels(OPERATOR, alert.message_id) == []                # the button is gone
    # The members are routed through the lead: their own "Направить" clocks close, their answer clocks stay.
    for case in await h.app.cases.open_cases(scope=Scope.all()):
        if case.number != "2026-0001":
            assert case.open_deadline("route") is None and case.open_deadline("answer") is not None
    # Every card says so, in place.
    assert "Ведущее сообщение инцидента" in h.find(OPERATOR, "Сообщение 2026-0001").text
    for number in ("2026-0002", "2026-0003"):
        assert "В инциденте: ответ готовится по сообщению 2026-0001" in h.find(OPERATOR, f"Сообщение {number}").text
    await h.say(OPERATOR, "/open")
    assert "2026-0002 · В инциденте — ответ по сообщению 2026-0001" in h.last(OPERATOR).text
    # The second operator's copy of the alert is now stale: pressing it says so, nothing changes.
    answer = await h.press(OPERATOR2, OPERATOR2, "Объединить в инцидент")
    assert "уже объединены" in answer

    lead_card = h.find(OPERATOR, "Сообщение 2026-0001")
    await h.press(OPERATOR, OPERATOR, "Отдел ЖКХ", lead_card.message_id)
    await h.press(OPERATOR, OPERATOR, "Направить", lead_card.message_id)
    await draft_for_approval(h, "Ответ", "Контейнерную площадку на ул. Ленина, 5 очистили сегодня.")
    await h.press(OPERATOR, OPERATOR, "Согласовать")
    ready = h.find(OPERATOR, "Ответ по инциденту 2026-0001 согласован")
    assert "2026-0001, 2026-0002, 2026-0003" in ready.text

    # The department is asked to publish the one answer under each of the three posts, with a screenshot.
    approved = [m for m in h.chat(DEPT_A_CHAT) if "Опубликуйте ответ" in m.text]
    assert sorted(re.search(r"2026-\d{4}", m.text).group(0) for m in approved) == [  # type: ignore[union-attr]
        "2026-0001", "2026-0002", "2026-0003"]
    assert all("Контейнерную площадку" in m.text for m in approved)
    for n, m in enumerate(approved, start=1):
        await h.say_in(DEPT_A_CHAT, EXEC_A, None, photo_file_ids=[f"shot-{n}"], reply_to_message_id=m.message_id)
    for case in await h.app.cases.open_cases(scope=Scope.all()):
        raise AssertionError(f"{case.number} still open: {case.status}")
    shots = sorted(r.photo for r in h.session.calls("sendPhoto") if r.chat_id == OPERATOR)
    assert shots == ["shot-1", "shot-2", "shot-3"]


async def test_cl12_department_card_keeps_its_accept_or_decline_header_until_it_answers(h: Harness) -> None:
    await forward_post(h)
    await route_to(h, "Отдел ЖКХ", "Дорожный отдел")
    card_a = h.find(DEPT_A_CHAT, "Сообщение 2026-0001")
    card_b = h.find(DEPT_B_CHAT, "Сообщение 2026-0001")
    assert "Вам направлено сообщение" in card_a.text and "Вам направлено сообщение" in card_b.text
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")          # both cards are re-rendered
    card_a = h.messages[(DEPT_A_CHAT, card_a.message_id)]
    card_b = h.messages[(DEPT_B_CHAT, card_b.message_id)]
    assert card_a.method == "editMessageText" and card_b.method == "editMessageText"
    assert "Вам направлено сообщение" not in card_a.text                  # answered: no longer asked
    assert "Вам направлено сообщение" in card_b.text and "Срок принять или отказаться" in card_b.text


async def test_cl21_open_and_case_name_the_lead_posts_department_for_incident_members(h: Harness) -> None:
    """An incident member's answer clock is owed by whoever holds the lead's next step (cl. 21): /open and
    /case name the lead's department once the lead is in its work, not the operator."""
    await three_posts_about_one_address(h)
    await h.press(OPERATOR, OPERATOR, "Объединить в инцидент")
    lead_card = h.find(OPERATOR, "Сообщение 2026-0001")
    await h.press(OPERATOR, OPERATOR, "Отдел ЖКХ", lead_card.message_id)
    await h.press(OPERATOR, OPERATOR, "Направить", lead_card.message_id)
    await h.say(OPERATOR, "/open")
    listing = h.last(OPERATOR).text
    assert "2026-0002 · В инциденте — ответ по сообщению 2026-0001 · Отдел ЖКХ · ответ до" in listing
    await h.say(OPERATOR, "/case 2026-0003")
    card = next(t for t in reversed(h.texts(OPERATOR)) if "Сообщение 2026-0003" in t)
    assert "— Отдел ЖКХ" in card and "Ответ до" in card


async def test_cl21_forged_or_foreign_merge_button_is_refused(h: Harness) -> None:
    from handlers.callbacks import SurgeCb, SurgeOp
    from tests.support import updates

    data = SurgeCb(op=SurgeOp.MERGE, surge_id=999).pack()
    await h.feed(updates.callback(OPERATOR, OPERATOR, data, 5))
    assert "кнопка устарела" in h.alerts()[-1]                        # no such surge
    await h.feed(updates.callback(STRANGER, STRANGER, data, 5))
    assert h.alerts()[-1] == "Нет доступа."
    await h.feed(updates.callback(EXEC_A, DEPT_A_CHAT, data, 5, chat_type="supergroup"))
    assert h.alerts()[-1] in ("Нет доступа.", "Кнопка устарела.")     # executors cannot merge
    await h.feed(updates.callback(OPERATOR, OPERATOR, "s:mg:notanumber", 5))
    assert h.alerts()[-1] == "Кнопка устарела."


# ---- a stray message is not a case ---------------------------------------------------------------

async def test_thumbs_up_or_spaces_get_a_hint_make_no_case_and_consume_no_number(h: Harness) -> None:
    for stray in ("👍", "   ", "🔥🔥 !!!"):
        await h.say(OPERATOR, stray)
        assert "сообщение не заведено" in h.last(OPERATOR).text
        assert h.last(OPERATOR).markup is None                        # nothing to press either
    assert await h.app.cases.open_cases(scope=Scope.all()) == []
    await forward_post(h)
    assert h.find(OPERATOR, "Сообщение 2026-0001")


async def test_short_text_is_a_case_only_after_the_button_and_only_once(h: Harness) -> None:
    from tests.support import updates

    detected = h.clock.now()
    await h.say(OPERATOR, "Яма, Ленина")
    question = h.last(OPERATOR)
    assert "Зарегистрировать как сообщение?" in question.text and "Яма, Ленина" in question.text
    assert await h.app.cases.open_cases(scope=Scope.all()) == []
    message_id, data = h.button(OPERATOR, "Зарегистрировать")

    h.clock.advance(minutes=5)
    await h.feed(updates.callback(OPERATOR, OPERATOR, data, message_id))
    [case] = await h.app.cases.open_cases(scope=Scope.all())
    assert case.number == "2026-0001" and case.text == "Яма, Ленина"
    assert case.detected_at == detected                                  # when it was sent, not pressed
    card = h.find(OPERATOR, "Сообщение 2026-0001")                      # the same card as a post's
    assert "Направить" in h.labels(OPERATOR, card.message_id)
    assert "Зарегистрировано как сообщение <b>2026-0001</b>" in h.messages[(OPERATOR, message_id)].text
    assert h.messages[(OPERATOR, message_id)].markup is None

    await h.feed(updates.callback(OPERATOR, OPERATOR, data, message_id))   # a second press, a double tap
    assert "Уже зарегистрировано: сообщение 2026-0001" in h.alerts()[-1]
    assert len(await h.app.cases.open_cases(scope=Scope.all())) == 1
    assert len([m for m in h.chat(OPERATOR) if "Сообщение 2026-" in m.text and m.markup]) == 1


async def test_short_text_waits_for_its_button_through_a_prompt(h: Harness) -> None:
    await h.say(OPERATOR, "Ок")
    await forward_post(h)
    await h.press(OPERATOR, OPERATOR, "Время обнаружения")
    await h.say(OPERATOR, "09:40")                                      # the prompt clears its state
    await h.press(OPERATOR, OPERATOR, "Зарегистрировать")
    assert sorted(c.text for c in await h.app.cases.open_cases(scope=Scope.all())) == sorted([POST, "Ок"])


async def test_stale_or_forged_register_button_makes_no_case(h: Harness) -> None:
    from handlers.callbacks import StrayCb
    from tests.support import updates

    await h.feed(updates.callback(OPERATOR, OPERATOR, StrayCb(message_id=4242).pack(), 5))
    assert h.alerts()[-1] == "Кнопка устарела."
    await h.say(OPERATOR, "Ок")
    message_id, data = h.button(OPERATOR, "Зарегистрировать")
    await h.feed(updates.callback(STRANGER, STRANGER, data, message_id))
    assert h.alerts()[-1] == "Нет доступа."
    assert await h.app.cases.open_cases(scope=Scope.all()) == []


async def test_link_forward_or_a_few_words_still_register_at_once(h: Harness) -> None:
    await h.say(OPERATOR, "Яма https://vk.com/wall-5_9")
    await h.say(OPERATOR, "👍", forward_from_chat=(-100555, "Подслушано Зеленчукская", "zelen_online"),
                forward_message_id=78)
    await h.say(OPERATOR, "Мусор не вывозят")
    await h.say(OPERATOR, None, photo_file_ids=["photo-only"])
    assert [c.number for c in await h.app.cases.open_cases(scope=Scope.all())] == ["2026-0001", "2026-0002", "2026-0003",
                                                                  "2026-0004"]
    assert not [t for t in h.texts(OPERATOR) if "Зарегистрировать как сообщение?" in t]


# ---- commands nobody answers ---------------------------------------------------------------------

async def test_unknown_command_is_answered_as_one_with_a_pointer_to_help(h: Harness) -> None:
    for user in (OPERATOR, ADMIN, STRANGER, EXEC_A):                   # EXEC_A in private is a stranger
        await h.say(user, "/foo bar")
        assert h.last(user).text == "Неизвестная команда /foo, список команд — /help."
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/foo@test_bot")
    assert h.last(DEPT_A_CHAT).text == "Неизвестная команда /foo, список команд — /help."
    await h.say_in(HEAD_CHAT, EXEC_A, "/foo@test_bot")
    assert "Неизвестная команда /foo" in h.last(HEAD_CHAT).text
    assert await h.app.cases.open_cases(scope=Scope.all()) == []


async def test_group_command_for_another_bot_is_left_alone(h: Harness) -> None:
    before = len(h.chat(DEPT_A_CHAT))
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/foo")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/foo@other_bot")
    assert len(h.chat(DEPT_A_CHAT)) == before


async def test_known_command_out_of_place_says_so(h: Harness) -> None:
    await h.say(OPERATOR, "/my")
    assert h.last(OPERATOR).text == "Команда /my здесь недоступна, список команд — /help."
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/open@test_bot")
    assert "Команда /open здесь недоступна" in h.last(DEPT_A_CHAT).text
    await h.say(STRANGER, "/open")
    assert "Доступа у вас нет" in h.last(STRANGER).text


def test_every_command_in_the_menus_is_known() -> None:
    from bot.app.container import GROUP_COMMANDS, PRIVATE_COMMANDS
    from handlers import known_commands

    assert {name for name, _ in PRIVATE_COMMANDS + GROUP_COMMANDS} <= known_commands()
    assert {"help", "report", "bind", "backup", "workday"} <= known_commands()
    assert "foo" not in known_commands()


# ---- section 4 of issue 11: terms people decide (cl. 8 per case, cl. 9) ----------------------------

HEAD_USER = 700


async def test_cl9_operator_sets_60_minutes_and_the_department_gets_a_new_message(h: Harness) -> None:
    case_id = await forward_post(h)                           # 10:00 Tuesday
    await route_to(h, "Отдел ЖКХ")
    h.clock.advance(minutes=5)
    await h.press(OPERATOR, OPERATOR, "Срок ответа")
    assert "180 рабочих минут" in h.last(OPERATOR).text
    await h.press(OPERATOR, OPERATOR, "Другой срок")
    await h.say(OPERATOR, "три часа")                         # not a number: asked again, nothing lost
    assert "целое число минут от 1 до 179" in h.last(OPERATOR).text
    await h.say(OPERATOR, "600")                              # not shorter than the normal term
    assert "целое число минут от 1 до 179" in h.last(OPERATOR).text
    before = len(h.session.calls("sendMessage"))
    await h.say(OPERATOR, "60")
    assert "ответ — до 01.12 11:00" in h.last(OPERATOR).text
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.answer_minutes == 60
    sent = [c for c in h.session.calls("sendMessage")[before:] if int(c.chat_id) == DEPT_A_CHAT]
    assert [c.text for c in sent] == ["⏱ Срок ответа по сообщению <b>2026-0001</b> сокращён: ответ — до 01.12 11:00, "
                                      "проект — до 01.12 10:00 (п. 9)."]
    history = await h.app.cases.history(case_id)
    assert [e.payload.get("minutes") for e in history if e.kind == "answer_term_set"] == [60]


async def test_cl9_preset_of_one_hour_and_a_forged_term_is_refused(h: Harness) -> None:
    case_id = await forward_post(h)
    await h.press(OPERATOR, OPERATOR, "Срок ответа")
    assert await h.press(OPERATOR, OPERATOR, "1 час") == "Срок ответа сокращён: ответ — до 01.12 11:00."
    from handlers.callbacks import CaseCb, Op
    from tests.support import updates

    await h.feed(updates.callback(OPERATOR, OPERATOR, CaseCb(op=Op.TERM, case_id=case_id, arg=999).pack(), 5))
    assert "короче обычного" in h.alerts()[-1]
    assert (await h.app.cases.get(case_id, scope=Scope.all())).answer_minutes == 60


async def test_cl8_head_works_off_hours_from_the_escalation_and_others_are_refused(h: Harness) -> None:
    from bot.domain.model import Role
    from handlers.callbacks import CaseCb, Op
    from tests.conftest import msk
    from tests.support import updates

    h.clock.set(msk(2026, 12, 1, 17, 30))
    case_id = await forward_post(h)
    h.clock.set(msk(2026, 12, 2, 11, 31))                     # the answer clock ran out at 11:30
    assert h.app.reminders is not None
    await h.app.reminders.service.plan()
    await h.app.reminders.service.run_due()
    await h.app.notifier.flush()
    h._scan()
    escalation = h.find(HEAD_CHAT, "2026-0001")
    assert "🌙 Работать в нерабочее время" in h.labels(HEAD_CHAT, escalation.message_id)
    # an operator presses a forged copy of the head's button
    data = CaseCb(op=Op.OFF_HOURS, case_id=case_id, arg=1).pack()
    await h.feed(updates.callback(OPERATOR, OPERATOR, data, 5))
    assert h.alerts()[-1] == "Нет доступа."
    await h.press(HEAD_USER, HEAD_CHAT, "Работать в нерабочее время", escalation.message_id)
    answer = await h.press(HEAD_USER, HEAD_CHAT, "До начала рабочего дня")
    assert "календарному времени до 03.12 09:00" in answer
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.calendar_since == msk(2026, 12, 2, 11, 31) and case.calendar_until == msk(2026, 12, 3, 9, 0)
    history = await h.app.cases.history(case_id)
    assert [(e.kind, e.actor_role) for e in history if e.kind.endswith("off_hours_declared")] == [
        ("refused:off_hours_declared", Role.OPERATOR.value), ("off_hours_declared", Role.HEAD.value)]


async def test_cl8_case_command_offers_the_decision_to_head_and_admin_only(h: Harness) -> None:
    case_id = await forward_post(h)
    await h.say(OPERATOR, "/case 1")
    assert "🌙 Работать в нерабочее время" not in h.labels(OPERATOR, h.last(OPERATOR).message_id)
    await h.say(ADMIN, "/case 1")
    await h.press(ADMIN, ADMIN, "Работать в нерабочее время")
    assert "До какого момента" in h.last(ADMIN).text
    assert "до закрытия" in await h.press(ADMIN, ADMIN, "До закрытия сообщения")
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.calendar_since is not None and case.calendar_until is None
    await h.say_in(HEAD_CHAT, HEAD_USER, "/case 1")           # decided already: no second button
    assert "🌙 Работать в нерабочее время" not in h.labels(HEAD_CHAT, h.last(HEAD_CHAT).message_id)


# ---- polish2: cl. 8 per case ends early; commands inside prompts stay commands ---------------------

async def test_cl8_head_returns_working_time_from_case_command_and_a_forged_press_is_refused(h: Harness) -> None:
    from bot.domain.model import Role
    from handlers.callbacks import CaseCb, Op
    from tests.conftest import msk
    from tests.support import updates

    h.clock.set(msk(2026, 12, 1, 17, 30))                     # Tuesday, half an hour before closing
    case_id = await forward_post(h)
    h.clock.set(msk(2026, 12, 1, 19, 0))
    await h.say_in(HEAD_CHAT, HEAD_USER, "/case 2026-0001")
    await h.press(HEAD_USER, HEAD_CHAT, "Работать в нерабочее время")
    await h.press(HEAD_USER, HEAD_CHAT, "До закрытия сообщения")
    h.clock.set(msk(2026, 12, 1, 20, 0))
    await h.say_in(HEAD_CHAT, HEAD_USER, "/case 2026-0001")
    shown = h.last(HEAD_CHAT)
    assert h.labels(HEAD_CHAT, shown.message_id) == ["☀️ Вернуть рабочее время"]   # while the decision holds
    # an operator presses a forged copy of the head's button: refused, audited, nothing changes
    await h.feed(updates.callback(OPERATOR, OPERATOR, CaseCb(op=Op.WORKING_HOURS, case_id=case_id).pack(), 5))
    assert h.alerts()[-1] == "Нет доступа."
    assert (await h.app.cases.get(case_id, scope=Scope.all())).calendar_until is None
    answer = await h.press(HEAD_USER, HEAD_CHAT, "Вернуть рабочее время", shown.message_id)
    # 30 working minutes before 18:00, 60 on the plain clock 19:00–20:00, the other 90 from the next opening
    assert answer == ("Работа в нерабочее время по сообщению 2026-0001 завершена: сроки снова идут по рабочему "
                      "времени, ответ — до 02.12 10:30.")
    assert h.labels(HEAD_CHAT, shown.message_id) == []
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.calendar_until == msk(2026, 12, 1, 20, 0)
    assert case.open_deadline("answer").due_at == msk(2026, 12, 2, 10, 30)  # type: ignore[union-attr]
    assert "02.12 10:30" in h.find(OPERATOR, "Сообщение 2026-0001").text     # the operator's card refreshed
    # a second press (a stale copy) is told the decision no longer holds
    await h.feed(updates.callback(HEAD_USER, HEAD_CHAT, CaseCb(op=Op.WORKING_HOURS, case_id=case_id).pack(),
                                  shown.message_id, chat_type="supergroup"))
    assert h.alerts()[-1] == "По этому сообщению сейчас не работают в нерабочее время."
    await h.say_in(HEAD_CHAT, HEAD_USER, "/case 2026-0001")
    assert h.labels(HEAD_CHAT, h.last(HEAD_CHAT).message_id) == []
    history = await h.app.cases.history(case_id)
    assert [(e.kind, e.actor_role) for e in history if e.kind.endswith("off_hours_ended")] == [
        ("refused:off_hours_ended", Role.OPERATOR.value), ("off_hours_ended", Role.HEAD.value),
        ("refused:off_hours_ended", Role.HEAD.value)]


async def test_operator_command_inside_return_prompt_stays_a_command(h: Harness) -> None:
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await draft_for_approval(h, "Ответ", "Разберёмся.")
    await h.press(OPERATOR, OPERATOR, "На доработку")
    await h.say(OPERATOR, "/foo")                             # unknown: answered as such, the prompt still waits
    assert h.last(OPERATOR).text == "Неизвестная команда /foo, список команд — /help."
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.ON_APPROVAL
    await h.say(OPERATOR, "/open")                            # known: the prompt ends politely, the command runs
    shown = h.texts(OPERATOR)
    assert shown[-2] == "Ввод отменён: вы отправили команду /open."
    assert "2026-0001" in shown[-1]
    await h.say(OPERATOR, "/cancel")
    assert h.last(OPERATOR).text == "Нечего отменять."          # the prompt was really ended
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.ON_APPROVAL
    assert not [e for e in await h.app.cases.history(case_id) if e.kind == "returned"]
    await h.press(OPERATOR, OPERATOR, "На доработку")
    await h.say(OPERATOR, "/cancel")                          # /cancel still cancels
    assert h.last(OPERATOR).text == "Отменено."


async def test_executor_command_inside_decline_prompt_stays_a_command(h: Harness) -> None:
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Не наша компетенция")
    before = len(h.chat(DEPT_A_CHAT))
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/foo")                # maybe another bot's: left alone, not the reason
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/start@other_bot")
    assert len(h.chat(DEPT_A_CHAT)) == before
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/foo@test_bot")
    assert h.last(DEPT_A_CHAT).text == "Неизвестная команда /foo, список команд — /help."
    assert (await h.app.cases.get(case_id, scope=Scope.all())).status == Status.ROUTED
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/help")
    shown = h.texts(DEPT_A_CHAT)
    assert shown[-2] == "Ввод отменён: вы отправили команду /help." and "Отдел ЖКХ" in shown[-1]
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Не наш вопрос")      # the prompt is over: ordinary talk in the group
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.ROUTED
    assert not [e for e in await h.app.cases.history(case_id) if e.kind == "declined"]
