"""Issue 14: the admins' alerts about one organisation reach its own admins besides the deployment's (a notice
of its case that cannot be delivered, its operator who blocked the bot, its cases nobody can take), never another
organisation's admins; and an organisation's own day off holds its reminders like a public holiday, while another
organisation's go out that day. A real Dispatcher, SQLite, the recording fake Telegram, the real scheduler on
the injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.exceptions import TelegramForbiddenError

from bot import texts
from bot.domain.notices import Notice, NoticeKind
from bot.domain.orgs import DEFAULT_ORG, Scope
from bot.jobs.reminders import ReminderScheduler
from bot.runtime.clock import FakeClock
from handlers.notices import NoticeRenderer
from storage.codec import dt_req
from storage.orgs import OrganisationRepository
from tests.conftest import msk
from tests.integration.test_notify_orgs import (
    ADMIN_B,
    HEAD_B,
    OPERATOR_B,
    chats_of,
    forward,
    move_to_b,
    second_organisation,
)
from tests.support import updates
from tests.support.harness import ADMIN, DEPT_B_CHAT, EXEC_B, OPERATOR, Harness, bound_harness

ADMIN_A = 761            # organisation no. 1's own admin (not a deployment admin)
BLOCKED = "Forbidden: bot was blocked by the user"


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        await second_organisation(harness)
        async with harness.app.db.transaction() as conn:
            await OrganisationRepository().add_admin(conn, DEFAULT_ORG, ADMIN_A, "Админ А", ADMIN, clock.now())
        yield harness


def told(h: Harness, admin: int, words: str) -> list[str]:
    h._scan()
    return [t for t in chats_of(h).get(admin, []) if words in t]


async def b_case(h: Harness) -> tuple[int, str]:
    case_id = await forward(h, OPERATOR_B, "Яма на дороге Черкесск — Архыз у поворота на Кардоникскую", 78)
    await move_to_b(h, case_id)
    return case_id, (await h.app.cases.get(case_id, scope=Scope.all())).number


async def test_an_undeliverable_notice_of_bs_case_reaches_bs_admin_and_the_deployments_not_as(h: Harness) -> None:
    _, number = await b_case(h)
    await h.press(OPERATOR_B, OPERATOR_B, "Дорожный отдел")
    await h.press(OPERATOR_B, OPERATOR_B, "Направить")
    # B's operator blocked the bot: the decline cannot reach them (B has no other operator to take the case).
    h.session.fail_next("sendMessage", TelegramForbiddenError, chat_id=OPERATOR_B, description=BLOCKED)
    await h.press(EXEC_B, DEPT_B_CHAT, "Не наша компетенция")
    await h.say_in(DEPT_B_CHAT, EXEC_B, "Это вопрос республиканского дорожного управления")
    await h.app.notifier.flush()
    for admin in (ADMIN, ADMIN_B):
        assert told(h, admin, "Не удаётся доставить"), admin
        assert told(h, admin, "некому передать"), admin      # B has no other operator to take the case
    assert not told(h, ADMIN_A, "Не удаётся доставить")
    assert not told(h, ADMIN_A, number)


async def test_a_notice_of_as_case_failing_goes_to_as_admin_not_to_bs(h: Harness) -> None:
    h.session.fail_next("sendMessage", TelegramForbiddenError, chat_id=OPERATOR, description=BLOCKED)
    await forward(h, OPERATOR)                          # the intake card cannot reach A's operator
    await h.app.notifier.flush()
    assert told(h, ADMIN, "Не удаётся доставить") and told(h, ADMIN_A, "Не удаётся доставить")
    assert not told(h, ADMIN_B, "Не удаётся доставить")


async def test_a_failing_notice_without_a_case_concerns_its_addressees_organisation(h: Harness) -> None:
    """A handover's words to an operator, a department's or a head's group: whose they are; the coordinator's
    chats are the deployment's."""
    renderer = h.app.notifier.renderer
    assert isinstance(renderer, NoticeRenderer)
    dept_b = await h.app.access.department_for_chat(DEPT_B_CHAT)
    assert dept_b is not None
    words = {"text": "…"}
    for kind, to, org in (("chat", OPERATOR_B, dept_b.org_id), ("chat", OPERATOR, DEFAULT_ORG),
                          ("chat", DEPT_B_CHAT, dept_b.org_id), ("chat", HEAD_B, dept_b.org_id),
                          ("department", dept_b.id, dept_b.org_id), ("chat", 999_999, None)):
        assert await renderer.concerns(Notice(NoticeKind.CHAT_TEXT, kind, to, None, words)) == org, (kind, to)
    assert await renderer.concerns(Notice(NoticeKind.COORDINATOR_ALERT, "coordinator", None, None,
                                          {"text": "…", "org_id": dept_b.org_id})) is None


async def test_bs_operator_blocking_the_bot_is_told_to_bs_admins_only(h: Harness) -> None:
    _, number = await b_case(h)
    await h.feed(updates.my_chat_member(OPERATOR_B, OPERATOR_B, chat_type="private", old_status="member", new_status="kicked"))
    blocked = texts.OPERATOR_BLOCKED.split("{")[0]
    for admin in (ADMIN, ADMIN_B):
        assert told(h, admin, blocked), admin
        assert told(h, admin, number), admin              # nobody of B could take it: the admins are told
    assert not told(h, ADMIN_A, blocked) and not told(h, ADMIN_A, number)


async def test_as_operator_blocking_the_bot_is_told_to_as_admins_only(h: Harness) -> None:
    await h.feed(updates.my_chat_member(OPERATOR, OPERATOR, chat_type="private", old_status="member", new_status="kicked"))
    blocked = texts.OPERATOR_BLOCKED.split("{")[0]
    assert told(h, ADMIN, blocked) and told(h, ADMIN_A, blocked)
    assert not told(h, ADMIN_B, blocked)


async def test_bs_own_day_off_holds_its_notices_until_its_next_morning_while_as_go_out(h: Harness) -> None:
    h.clock.set(msk(2026, 12, 4, 17, 0))               # Friday
    a = await forward(h, OPERATOR)
    b, number_b = await b_case(h)
    number_a = (await h.app.cases.get(a, scope=Scope.all())).number
    await h.app.access.choose_org(ADMIN, 2)
    await h.say(ADMIN, "/org_day_off 07.12.2026")          # Monday is B's own day off
    # The bot is down from Friday 17:05 (before the route clocks' reminders at 17:20 and expiry at 17:30) until
    # Monday 10:30: the restart's catch-up.
    h.clock.set(msk(2026, 12, 7, 10, 30))
    reminders = h.app.reminders
    assert reminders is not None
    await reminders.start()
    await h.app.notifier.flush()
    h._scan()
    sent = chats_of(h)
    to_a = [t for t in sent.get(OPERATOR, []) if number_a in t]
    assert any("Срок истёк" in t for t in to_a)             # A's route clock ran out on Friday
    assert any("Напоминание" in t for t in to_a)            # A's answer clock, due Monday 10:00
    assert not [t for t in sent.get(OPERATOR_B, []) if "Срок истёк" in t or "Напоминание" in t]
    # The next run: A's answer clock at 11:00 (A works on Monday), then B's opening on Tuesday.
    assert reminders.next_run == msk(2026, 12, 7, 11, 0)
    h.clock.set(msk(2026, 12, 7, 11, 0))
    await h.app.scheduler.fire(ReminderScheduler.JOB_ID)
    await h.app.notifier.flush()
    h._scan()
    assert not [t for t in chats_of(h).get(OPERATOR_B, []) if "Срок истёк" in t or "Напоминание" in t]
    assert reminders.next_run == msk(2026, 12, 8, 9, 0)
    h.clock.set(msk(2026, 12, 8, 9, 0))
    await h.app.scheduler.fire(ReminderScheduler.JOB_ID)
    await h.app.notifier.flush()
    h._scan()
    to_b = [t for t in chats_of(h).get(OPERATOR_B, []) if number_b in t]
    assert [t for t in to_b if "Срок истёк" in t]            # B's route clock, told on B's next working morning
    assert not [t for t in chats_of(h).get(OPERATOR, []) if number_b in t]
    rows = await h.app.db.fetchall("SELECT created_at FROM outbox WHERE kind = 'expired' AND case_id = ?", (b,))
    assert [dt_req(r[0]) for r in rows] == [msk(2026, 12, 8, 9, 0)]
