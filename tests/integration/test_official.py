"""The responsible official (cl. 5): their private chat, read-only views, and the misses of operational steps;
the head's chat keeps the misses of cl. 6, 7. A real Dispatcher, SQLite and the recording fake Telegram."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.domain.model import Status
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from tests.conftest import msk
from tests.integration.test_handlers import POST, draft_for_approval, forward_post, route_to
from tests.support import updates
from tests.support.harness import (
    ADMIN,
    DEPT_A_CHAT,
    EXEC_A,
    HEAD_CHAT,
    OPERATOR,
    STRANGER,
    Harness,
    bound_harness,
)

OFFICIAL = 700


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock, official_ids=[OFFICIAL]) as harness:
        yield harness


@pytest.fixture
async def h_no_official(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        yield harness


async def run_reminders_at(h: Harness, hour: int, minute: int) -> None:
    """Move the clock and do what the reminder job does at that moment, then deliver."""
    assert h.app.reminders is not None
    service = h.app.reminders.service
    await service.plan()
    h.clock.set(msk(2026, 12, 1, hour, minute))
    await service.run_due()
    await h.app.notifier.flush()
    h._scan()


def escalations(h: Harness, chat_id: int) -> list[str]:
    return [t for t in h.session.sent_texts(chat_id) if "Просрочка" in t]


async def test_cl5_official_gets_the_missed_approval_naming_the_operator_and_the_head_does_not(h: Harness) -> None:
    await forward_post(h)                                     # 01.12 10:00
    await route_to(h, "Отдел ЖКХ")
    await draft_for_approval(h, "Ответ", "Мусор вывезут сегодня.")    # approval due 11:00 (cl. 14)
    await run_reminders_at(h, 11, 5)
    [missed] = escalations(h, OFFICIAL)
    assert "2026-0001" in missed and f"«{texts.RULE['approval']}»" in missed
    assert "Отвечает: оператор" in missed and "Иван Петров" in missed    # the operator held the step
    assert "Ход работы" in missed                                        # the chain, as the head is told
    assert escalations(h, HEAD_CHAT) == []
    assert escalations(h, ADMIN) == []                                  # an official is configured


async def test_cl6_with_an_official_the_head_still_gets_the_missed_answer(h: Harness) -> None:
    await forward_post(h)                                     # answer due 15:00 (cl. 6; lunch 13-14)
    await route_to(h, "Отдел ЖКХ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    await run_reminders_at(h, 15, 5)
    head = escalations(h, HEAD_CHAT)
    assert len(head) == 1 and f"«{texts.RULE['answer']}»" in head[0]
    official = escalations(h, OFFICIAL)
    assert [f"«{texts.RULE['draft']}»" in t for t in official] == [True]    # the draft (cl. 13), not the answer


async def test_cl5_without_an_official_operational_misses_go_to_the_admins(h_no_official: Harness) -> None:
    h = h_no_official
    await forward_post(h)                                     # route due 10:30 (cl. 9)
    await run_reminders_at(h, 10, 35)
    [missed] = escalations(h, ADMIN)
    assert f"«{texts.RULE['route']}»" in missed and "2026-0001" in missed
    assert escalations(h, HEAD_CHAT) == []


async def test_cl5_official_start_and_help_list_their_commands(h: Harness) -> None:
    for command in ("/start", "/help"):
        await h.say(OFFICIAL, command)
        text = h.last(OFFICIAL).text
        assert "ответственное лицо" in text
        assert "/open" in text and "/case" in text and "/report" in text


async def test_cl5_official_sees_open_cases_a_card_and_the_report(h: Harness) -> None:
    await forward_post(h)
    await h.say(OFFICIAL, "/open")
    assert "2026-0001" in h.last(OFFICIAL).text
    await h.say(OFFICIAL, "/case 2026-0001")
    assert any("Сообщение 2026-0001" in t for t in h.texts(OFFICIAL))
    assert any("не вывозят мусор" in t for t in h.texts(OFFICIAL))
    await h.say(OFFICIAL, "/report")
    assert [r.chat_id for r in h.session.calls("sendDocument")] == [OFFICIAL]
    assert [r.chat_id for r in h.session.calls("sendPhoto")][-1] == OFFICIAL


async def test_cl5_official_cannot_press_operator_buttons_nor_register_posts(h: Harness) -> None:
    case_id = await forward_post(h)
    for label in ("Отдел ЖКХ", "Направить", "Не требует реакции"):
        message_id, data = h.button(OPERATOR, label)
        before = len(h.session.calls("answerCallbackQuery"))
        await h.feed(updates.callback(OFFICIAL, OFFICIAL, data, message_id, chat_type="private"))
        assert h.session.calls("answerCallbackQuery")[before:][-1].text == texts.OFFICIAL_READ_ONLY
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.status == Status.NEW and not case.assignments
    assert await h.app.cases.selection(case_id) == set()
    refused = await h.app.db.fetchall("SELECT * FROM events WHERE actor_id = ? AND refused = 1", (OFFICIAL,))
    assert len(refused) == 3
    await h.say(OFFICIAL, POST)                              # a post sent by the official: not a case
    assert h.last(OFFICIAL).text.startswith("Публикации заводят операторы")
    assert len(await h.app.cases.open_cases(scope=Scope.all())) == 1


async def test_cl5_admin_invites_an_official_and_removes_them(h_no_official: Harness) -> None:
    h = h_no_official
    await h.say(ADMIN, "/invite_official")
    link = h.last(ADMIN).text
    token = re.search(r"start=(\S+)", link)
    assert token is not None and "ответственного лица" in link
    await h.say(STRANGER, f"/start {token.group(1)}")
    assert "ответственное лицо" in h.last(STRANGER).text
    await forward_post(h)
    await h.say(STRANGER, "/open")
    assert "2026-0001" in h.last(STRANGER).text
    await run_reminders_at(h, 10, 35)                        # the invited official now gets the route miss
    assert len(escalations(h, STRANGER)) == 1 and escalations(h, ADMIN) == []
    await h.say(ADMIN, "/officials")
    assert "Иван Петров" in h.last(ADMIN).text
    assert await h.press(ADMIN, ADMIN, "Удалить") == texts.OFFICIAL_REMOVED
    await h.say(STRANGER, "/open")
    assert "Доступа у вас нет" in h.last(STRANGER).text


async def test_cl8_official_decides_off_hours_work_from_the_escalation(h: Harness) -> None:
    """Cl. 8 per case is the head's or the official's decision: the official's escalation of a missed step
    carries «Работать в нерабочее время», and pressing it puts the case's clocks on calendar time, audited."""
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    await draft_for_approval(h, "Ответ", "Мусор вывезут сегодня.")
    await run_reminders_at(h, 11, 5)
    missed = h.find(OFFICIAL, "Просрочка")
    assert "🌙 Работать в нерабочее время" in h.labels(OFFICIAL, missed.message_id)
    await h.press(OFFICIAL, OFFICIAL, "Работать в нерабочее время", missed.message_id)
    assert "до закрытия" in await h.press(OFFICIAL, OFFICIAL, "До закрытия сообщения")
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.calendar_since == msk(2026, 12, 1, 11, 5) and case.calendar_until is None
    events = await h.app.cases.history(case_id)
    assert [(e.kind, e.actor_role) for e in events if e.kind == "off_hours_declared"] == [
        ("off_hours_declared", "official")]
