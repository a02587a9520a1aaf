"""Chats that change under the bot, through a real Dispatcher and the outbox sender (issue 13, section 2 and 5):
a removed operator's open cases handed over and nothing sent to them any more; an operator who blocked the
bot; a department group upgraded to a supergroup (service messages or the send error); the bot removed from
a bound group (its notices wait, and go out once a group is bound again)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.exceptions import TelegramForbiddenError

from bot import texts
from bot.domain.notices import Notice, NoticeKind, Words
from bot.domain.orgs import Scope
from bot.fake_telegram.updates import migration_dicts
from bot.runtime.clock import FakeClock
from storage.outbox import OutboxRepository
from tests.support import updates
from tests.support.harness import (
    ADMIN,
    DEPT_A_CHAT,
    DEPT_B_CHAT,
    EXEC_A,
    EXEC_B,
    OPERATOR,
    OPERATOR2,
    Harness,
    bound_harness,
)

OP3 = 103                 # an invited operator (those of OPERATOR_IDS cannot be removed)
NEW_A_CHAT = -100_777_1001
POST = "Во дворе дома на ул. Ленина, 5 третью неделю не вывозят мусор"


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        token = await harness.app.access.create_invite(ADMIN, org_id=1)
        await harness.say(OP3, f"/start inv_{token}", full_name="Ольга Третьякова")
        yield harness


async def new_case(h: Harness, operator: int, text: str = POST, route: str | None = "Отдел ЖКХ") -> int:
    await h.say(operator, text, forward_from_chat=(-100555, "Подслушано Зеленчукская", "zelen_online"),
                forward_message_id=len(h.session.requests))
    case = (await h.app.cases.open_cases(scope=Scope.all()))[-1]
    assert case.id is not None and case.operator_id == operator
    if route is not None:
        await h.press(operator, operator, route, h.find(operator, case.number).message_id)
        await h.press(operator, operator, "Направить", h.find(operator, case.number).message_id)
    return case.id


async def remove_op3(h: Harness) -> str:
    await h.say(ADMIN, "/operators")
    return await h.press(ADMIN, ADMIN, "Ольга")


async def events(h: Harness, kind: str) -> list[dict[str, object]]:
    rows = await h.app.db.fetchall("SELECT * FROM events WHERE kind = ? ORDER BY id", (kind,))
    return [dict(r) for r in rows]


def sent_to(h: Harness, chat_id: int, since: int = 0) -> list[str]:
    return [str(getattr(r, "text", "") or getattr(r, "caption", "") or "") for r in h.session.requests[since:]
            if getattr(r, "chat_id", None) == chat_id]


# ---- a removed operator ---------------------------------------------------------------------------------

async def test_removing_an_operator_with_open_cases_asks_whom_and_hands_them_to_the_chosen_one(h: Harness) -> None:
    case_id = await new_case(h, OP3)
    assert await remove_op3(h) == ""                      # not removed yet: the admin is asked first
    ask = h.last(ADMIN)
    assert "открытых сообщений: 1" in ask.text
    assert await h.app.access.is_operator(OP3)
    await h.press(ADMIN, ADMIN, str(OPERATOR2), ask.message_id)

    assert not await h.app.access.is_operator(OP3)
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.operator_id == OPERATOR2
    assert "Переданы сообщения" in h.messages[(ADMIN, ask.message_id)].text
    assert h.find(OPERATOR2, "Вам переданы")
    assert h.find(OPERATOR2, f"Сообщение {case.number}")          # the card, with its buttons, for the new one
    handed = await events(h, "case_handed_over")
    assert [(e["case_id"], e["actor_id"]) for e in handed] == [(case_id, ADMIN)]
    assert await events(h, "operator_removed")

    # the department's draft goes to the new operator; the removed one gets nothing more
    before = len(h.session.requests)
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    await h.press(EXEC_A, DEPT_A_CHAT, "Подготовить ответ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Ответ")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Мусор вывезен 1 декабря.")
    await h.press(EXEC_A, DEPT_A_CHAT, "На согласование")
    assert h.find(OPERATOR2, "Согласуйте или верните")
    assert sent_to(h, OP3, before) == []                 # no message, no card edit


async def test_removed_operators_cases_spread_over_the_pool_evenly(h: Harness) -> None:
    first = await new_case(h, OP3, "Не вывозят мусор, ул. Мира, 1")
    second = await new_case(h, OP3, "Яма на дороге, ул. Садовая, 3", route=None)
    await remove_op3(h)
    await h.press(ADMIN, ADMIN, "Распределить")
    owners = {(await h.app.cases.get(c, scope=Scope.all())).operator_id for c in (first, second)}
    assert owners == {OPERATOR, OPERATOR2}                  # one each: both held none before


async def test_cancelling_the_handover_keeps_the_operator_and_the_cases(h: Harness) -> None:
    case_id = await new_case(h, OP3)
    await remove_op3(h)
    await h.press(ADMIN, ADMIN, "Отмена")
    assert await h.app.access.is_operator(OP3)
    assert (await h.app.cases.get(case_id, scope=Scope.all())).operator_id == OP3


async def test_a_forged_handover_button_from_a_stranger_changes_nothing(h: Harness) -> None:
    case_id = await new_case(h, OP3)
    await remove_op3(h)
    _, data = h.button(ADMIN, str(OPERATOR2))
    await h.feed(updates.callback(EXEC_A, EXEC_A, data, 1))
    assert h.alerts()[-1] == texts.NO_ACCESS
    assert await h.app.access.is_operator(OP3)
    assert (await h.app.cases.get(case_id, scope=Scope.all())).operator_id == OP3


async def test_nothing_reaches_an_operator_removed_without_a_handover(h: Harness) -> None:
    """Whatever path queued it (a card refresh, a decline, a surge), a removed operator's chat gets nothing."""
    case_id = await new_case(h, OP3)
    async with h.app.db.transaction() as conn:              # removed the old way: the cases stayed theirs
        await conn.execute("UPDATE operators SET active = 0 WHERE user_id = ?", (OP3,))
    before = len(h.session.requests)
    await h.press(EXEC_A, DEPT_A_CHAT, "Не наша компетенция")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Это вопрос управляющей компании")
    assert (await h.app.cases.get(case_id, scope=Scope.all())).operator_id == OP3
    assert sent_to(h, OP3, before) == []
    assert [r for r in h.session.requests[before:] if getattr(r, "chat_id", None) == DEPT_A_CHAT]


async def test_an_operator_who_blocked_the_bot_has_the_admins_told_and_the_cases_handed_over(h: Harness) -> None:
    case_id = await new_case(h, OP3)
    h.session.fail_next("sendMessage", TelegramForbiddenError, chat_id=OP3, description="Forbidden: bot was blocked by the user")
    await h.press(EXEC_A, DEPT_A_CHAT, "Не наша компетенция")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Это вопрос управляющей компании")
    await h.app.notifier.flush()
    h._scan()
    assert any("Не удаётся доставить" in t for t in h.texts(ADMIN))
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.operator_id in (OPERATOR, OPERATOR2)
    assert await h.app.access.is_operator(OP3)             # the role stays: only the cases move
    assert [e["actor_role"] for e in await events(h, "case_handed_over")] == ["system"]


# ---- a group upgraded to a supergroup ----------------------------------------------------------------------

async def test_department_group_upgraded_keeps_its_binding_and_the_cases_flow_to_the_new_id(h: Harness) -> None:
    case_id = await new_case(h, OPERATOR)
    now = h.clock.now()
    async with h.app.db.transaction() as conn:             # a notice queued for the old id, not sent yet
        await OutboxRepository().add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", DEPT_A_CHAT, None,
                                                  Words("Напоминание отделу")), now)
    h.session.core.migrate_chat(DEPT_A_CHAT, NEW_A_CHAT)
    await h.feed([updates.to_update(u) for u in migration_dicts(DEPT_A_CHAT, NEW_A_CHAT, ADMIN)])

    dept = await h.app.access.department_for_chat(NEW_A_CHAT)
    assert dept is not None and dept.name == "Отдел ЖКХ"
    assert await h.app.access.department_for_chat(DEPT_A_CHAT) is None
    assert "Напоминание отделу" in h.texts(NEW_A_CHAT)            # the queued notice followed the chat
    card = h.find(NEW_A_CHAT, "Сообщение 2026-0001")               # the open case's card, anew with buttons
    assert "Принять в работу" in h.labels(NEW_A_CHAT, card.message_id)
    assert any("супергруппу" in t for t in h.texts(ADMIN))
    await h.press(EXEC_A, NEW_A_CHAT, "Принять в работу", card.message_id)
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.assignments[0].card_message_id == card.message_id
    assert "в работе" in h.messages[(NEW_A_CHAT, card.message_id)].text     # edits go to the new chat
    assert [e["kind"] for e in await events(h, "chat_migrated")] == ["chat_migrated"]   # once for both messages


async def test_head_chat_upgraded_keeps_the_head_role(h: Harness) -> None:
    head = await h.app.access.head_chat_id(1)
    assert head is not None
    await h.feed([updates.to_update(u) for u in migration_dicts(head, -100_900, ADMIN, chat_title="Глава")])
    assert await h.app.access.head_chat_id(1) == -100_900


async def test_upgrade_learnt_from_a_send_error_rebinds_and_sends_again(h: Harness) -> None:
    h.session.core.migrate_chat(DEPT_A_CHAT, NEW_A_CHAT)        # no service message reached the bot
    await new_case(h, OPERATOR)
    await h.app.notifier.flush()
    h._scan()
    assert h.find(NEW_A_CHAT, "Сообщение 2026-0001")
    assert (await h.app.access.department_for_chat(NEW_A_CHAT)) is not None
    failed = await h.app.db.fetchall("SELECT * FROM outbox WHERE failed_at IS NOT NULL")
    assert failed == []


# ---- the bot removed from a bound group ---------------------------------------------------------------------

async def test_bot_removed_from_a_department_group_tells_admins_and_its_notices_wait_until_bound_again(
        h: Harness) -> None:
    await h.feed(updates.my_chat_member(DEPT_B_CHAT, EXEC_B, chat_title="Дорожный отдел", old_status="member",
                                        new_status="kicked"))
    assert any("не может писать" in t for t in h.texts(ADMIN))      # at once
    h.session.fail_next("sendMessage", TelegramForbiddenError, chat_id=DEPT_B_CHAT, times=5,
                        description="Forbidden: bot was kicked from the group chat")
    await new_case(h, OPERATOR, route="Дорожный отдел")
    await h.app.notifier.flush()
    rows = await h.app.db.fetchall("SELECT * FROM outbox WHERE kind = 'case_routed'")
    assert len(rows) == 1 and rows[0]["failed_at"] is None and rows[0]["sent_at"] is None
    _, report = await h.app.health.report()
    assert report["chats"]["waiting_notices"] == 1
    assert [c["chat_id"] for c in report["chats"]["unreachable"]] == [DEPT_B_CHAT]
    assert set(report["problems"]) <= {"sender", "scheduler"}   # the harness starts neither; waiting is no failure
    await h.say(ADMIN, "/chats")
    assert str(DEPT_B_CHAT) in h.last(ADMIN).text and "ждут" in h.last(ADMIN).text

    new_chat = -1003
    await h.say_in(new_chat, ADMIN, "/bind Дорожный отдел", chat_title="Дорожный отдел")
    await h.app.notifier.flush()
    h._scan()
    assert h.find(new_chat, "Сообщение 2026-0001")
    _, report = await h.app.health.report()
    assert report["chats"] == {"unreachable": [], "waiting_notices": 0, "oldest_waiting_age_seconds": None}


async def test_bot_removed_from_an_unbound_group_is_not_an_alarm(h: Harness) -> None:
    await h.feed(updates.my_chat_member(-1077, EXEC_B, old_status="member", new_status="left"))
    assert not any("не может писать" in t for t in h.texts(ADMIN))


async def test_chats_command_is_for_admins_only(h: Harness) -> None:
    await h.say(OPERATOR, "/chats")
    assert h.last(OPERATOR).text == texts.ADMIN_ONLY
    await h.say(ADMIN, "/chats")
    assert h.last(ADMIN).text == texts.CHATS_NONE


async def test_a_chat_that_keeps_answering_upgraded_fails_after_a_few_tries_instead_of_looping(h: Harness) -> None:
    async with h.app.db.transaction() as conn:
        item = await OutboxRepository().add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", -5555, None, Words("Текст")),
                                            h.clock.now())
    h.session.fail_next("sendMessage", status=400, description="Bad Request: group chat was upgraded to a supergroup chat",
                        migrate_to_chat_id=-6666, times=10)
    for _ in range(5):
        await h.app.notifier.flush()
    row = (await h.app.db.fetchall("SELECT * FROM outbox WHERE id = ?", (item,)))[0]
    assert row["failed_at"] is not None and row["target_id"] == -6666 and row["attempts"] == 4


async def test_waiting_notices_are_not_counted_as_pending_and_come_back_when_released(h: Harness) -> None:
    repo = OutboxRepository()
    async with h.app.db.transaction() as conn:
        item = await repo.add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", DEPT_B_CHAT, None, Words("Ждёт")), h.clock.now())
        assert item is not None
        before = await repo.pending_count(conn)
        await repo.wait_for_chat(conn, item, DEPT_B_CHAT, "Forbidden: bot was kicked")
        assert await repo.pending_count(conn) == before - 1
        assert await repo.due(conn, h.clock.now()) == []
        assert (await repo.waiting(conn))[0] == 1
        assert await repo.release_waiting(conn, h.clock.now()) == 1
        assert [i.id for i in await repo.due(conn, h.clock.now())] == [item]


async def test_an_operator_blocking_the_bot_hands_their_cases_over_at_once(h: Harness) -> None:
    case_id = await new_case(h, OP3)
    await h.feed(updates.my_chat_member(OP3, OP3, chat_type="private", old_status="member", new_status="kicked"))
    assert (await h.app.cases.get(case_id, scope=Scope.all())).operator_id in (OPERATOR, OPERATOR2)
    assert any("заблокировал бота" in t and "2026-0001" in t for t in h.texts(ADMIN))
