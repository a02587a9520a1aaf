"""Who may act in a bound group (issue 13 §2), through a real Dispatcher: former members are refused at the
moment of a press, Telegram is asked when the bot is unsure, new members are announced (and, under
STRICT_MEMBERS, confirmed by an admin), public groups are not bound, strangers cannot grow the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.app.runner import serve
from bot.domain.model import Status
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from tests.integration.test_handlers import forward_post, route_to
from tests.support import updates
from tests.support.harness import (
    ADMIN,
    DEPT_A_CHAT,
    EXEC_A,
    EXEC_A2,
    HEAD_CHAT,
    STRANGER,
    UNBOUND_CHAT,
    Harness,
    bound_harness,
    make_harness,
)
from tests.support.members import came, in_public_group, member_update, went

NEWCOMER = 777


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """Both departments bound; ``STRICT`` (indirect parametrisation) turns STRICT_MEMBERS on."""
    async with bound_harness(tmp_path, clock, strict_members=getattr(request, "param", False)) as harness:
        yield harness


STRICT = pytest.mark.parametrize("h", [True], indirect=True, ids=["strict"])


async def routed_case(h: Harness) -> int:
    case_id = await forward_post(h)
    await route_to(h, "Отдел ЖКХ")
    return case_id


async def status(h: Harness, case_id: int) -> Status:
    return (await h.app.cases.get(case_id, scope=Scope.all())).status


async def refused(h: Harness, kind: str) -> list[int]:
    rows = await h.app.db.fetchall("SELECT actor_id FROM events WHERE kind = ? AND refused = 1", (kind,))
    return [r[0] for r in rows]


async def test_a_member_seen_leaving_is_refused_at_the_press_and_nothing_changes(h: Harness) -> None:
    case_id = await routed_case(h)
    await h.feed(went(DEPT_A_CHAT, EXEC_A))
    asked = len(h.session.calls("getChatMember"))

    alert = await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")

    assert alert == texts.MEMBER_REFUSED["gone"]
    assert await status(h, case_id) == Status.ROUTED
    assert await refused(h, "refused:member_gone") == [EXEC_A]
    for _ in range(5):                                         # pressing on: answered, counted, not audited
        assert await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу") == texts.MEMBER_REFUSED["gone"]
    assert await refused(h, "refused:member_gone") == [EXEC_A]
    counted = await h.app.db.fetchone("SELECT count FROM refused_counts WHERE user_id = ?", (EXEC_A,))
    assert counted is not None and counted[0] == 6
    assert len(h.session.calls("getChatMember")) == asked      # the bot saw the leave: nothing to ask
    # a colleague still in the group takes the case
    await h.press(EXEC_A2, DEPT_A_CHAT, "Принять в работу")
    assert await status(h, case_id) == Status.IN_WORK


@pytest.mark.parametrize("gone", ["left", "kicked"])
async def test_a_chat_member_update_removing_a_member_refuses_their_commands_and_presses(h: Harness,
                                                                                        gone: str) -> None:
    case_id = await routed_case(h)
    await h.feed(member_update(DEPT_A_CHAT, EXEC_A, "member", gone))
    before = len(h.session.sent_texts(DEPT_A_CHAT))

    await h.say_in(DEPT_A_CHAT, EXEC_A, "/my")
    assert await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу") == texts.MEMBER_REFUSED["gone"]

    assert h.session.sent_texts(DEPT_A_CHAT)[before:] == [texts.MEMBER_REFUSED["gone"]]
    assert await status(h, case_id) == Status.ROUTED


async def test_unknown_person_is_checked_with_telegram_and_the_answer_is_believed_for_five_minutes(
        h: Harness) -> None:
    case_id = await routed_case(h)
    h.session.core.set_member(DEPT_A_CHAT, EXEC_A, "left")   # left while the bot did not watch
    asked = len(h.session.calls("getChatMember"))

    assert await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу") == texts.MEMBER_REFUSED["gone"]
    assert await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу") == texts.MEMBER_REFUSED["gone"]
    assert len(h.session.calls("getChatMember")) == asked + 1          # cached
    assert await status(h, case_id) == Status.ROUTED

    h.session.core.set_member(DEPT_A_CHAT, EXEC_A, "member")          # came back
    h.clock.advance(minutes=5)
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    assert len(h.session.calls("getChatMember")) == asked + 2          # asked again after five minutes
    assert await status(h, case_id) == Status.IN_WORK


async def test_when_telegram_cannot_say_the_press_is_refused_and_nothing_changes(h: Harness) -> None:
    case_id = await routed_case(h)
    h.session.fail_next("getChatMember", description="Bad Gateway", status=502)
    assert await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу") == texts.MEMBER_REFUSED["unknown"]
    assert await status(h, case_id) == Status.ROUTED


async def test_ordinary_talk_in_a_bound_group_asks_telegram_nothing(h: Harness) -> None:
    asked = len(h.session.calls("getChatMember"))
    await h.say_in(DEPT_A_CHAT, EXEC_A, "коллеги, кто сегодня дежурит?")
    assert len(h.session.calls("getChatMember")) == asked


async def test_a_new_member_of_a_department_group_is_announced_to_the_admins_once(h: Harness) -> None:
    await h.feed(came(DEPT_A_CHAT, NEWCOMER, "Пётр <Новиков>"))
    await h.feed(member_update(DEPT_A_CHAT, NEWCOMER, "left", "member", name="Пётр <Новиков>"))  # the same join

    announced = [t for t in h.session.sent_texts(ADMIN) if "новый участник" in t]
    assert announced == [texts.NEW_MEMBER.format(department="Отдел ЖКХ", name="Пётр &lt;Новиков&gt;",
                                                 user_id=NEWCOMER)]
    assert h.last(ADMIN).markup is None                               # no strict mode: nothing to confirm
    joined = await h.app.db.fetchall("SELECT actor_id FROM events WHERE kind = 'member_joined'")
    assert [r[0] for r in joined] == [NEWCOMER]


async def test_joins_of_the_head_chat_are_tracked_but_not_announced(h: Harness) -> None:
    await h.feed(came(HEAD_CHAT, NEWCOMER))
    await h.feed(went(HEAD_CHAT, NEWCOMER))
    assert not [t for t in h.session.sent_texts(ADMIN) if "новый участник" in t]
    await h.say_in(HEAD_CHAT, NEWCOMER, "/open")
    assert h.session.sent_texts(HEAD_CHAT)[-1] == texts.MEMBER_REFUSED["gone"]


async def test_joins_of_an_unbound_group_are_not_recorded(h: Harness) -> None:
    await h.feed(came(UNBOUND_CHAT, NEWCOMER))
    assert await h.app.db.fetchone("SELECT 1 FROM chat_members") is None
    assert h.session.sent_texts(ADMIN) == [t for t in h.session.sent_texts(ADMIN) if "новый участник" not in t]


@STRICT
async def test_strict_members_a_new_member_acts_only_after_an_admin_confirms(h: Harness) -> None:
    await h.feed(came(DEPT_A_CHAT, NEWCOMER))
    case_id = await routed_case(h)
    notice = h.find(ADMIN, "новый участник")
    assert "STRICT_MEMBERS" in notice.text

    assert await h.press(NEWCOMER, DEPT_A_CHAT, "Принять в работу") == texts.MEMBER_REFUSED["unconfirmed"]
    assert await status(h, case_id) == Status.ROUTED
    # only an admin may confirm: the button forged by the newcomer in their private chat is refused
    _, data = h.button(ADMIN, texts.BTN_CONFIRM_MEMBER, notice.message_id)
    await h.feed(updates.callback(NEWCOMER, NEWCOMER, data, notice.message_id))
    assert h.alerts()[-1] == texts.NO_ACCESS

    assert await h.press(ADMIN, ADMIN, texts.BTN_CONFIRM_MEMBER, notice.message_id) == texts.MEMBER_CONFIRMED
    assert h.messages[(ADMIN, notice.message_id)].markup is None
    await h.press(NEWCOMER, DEPT_A_CHAT, "Принять в работу")
    assert await status(h, case_id) == Status.IN_WORK
    # a confirmation ends with the stay: back after a leave, the member waits for an admin again
    await h.feed(went(DEPT_A_CHAT, NEWCOMER))
    h.clock.advance(minutes=2)
    await h.feed(came(DEPT_A_CHAT, NEWCOMER))
    await h.say_in(DEPT_A_CHAT, NEWCOMER, "/my")
    assert h.session.sent_texts(DEPT_A_CHAT)[-1] == texts.MEMBER_REFUSED["unconfirmed"]
    assert len([t for t in h.session.sent_texts(ADMIN) if "новый участник" in t]) == 2


@STRICT
async def test_strict_members_somebody_never_seen_joining_is_announced_at_their_first_press(h: Harness) -> None:
    case_id = await routed_case(h)
    assert await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу") == texts.MEMBER_REFUSED["unconfirmed"]
    assert await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу") == texts.MEMBER_REFUSED["unconfirmed"]
    assert len([t for t in h.session.sent_texts(ADMIN) if "новый участник" in t]) == 1
    await h.press(ADMIN, ADMIN, texts.BTN_CONFIRM_MEMBER)
    await h.press(EXEC_A, DEPT_A_CHAT, "Принять в работу")
    assert await status(h, case_id) == Status.IN_WORK


@STRICT
async def test_confirming_somebody_who_left_meanwhile_is_refused(h: Harness) -> None:
    await h.feed(came(DEPT_A_CHAT, NEWCOMER))
    await h.feed(went(DEPT_A_CHAT, NEWCOMER))
    assert await h.press(ADMIN, ADMIN, texts.BTN_CONFIRM_MEMBER) == texts.MEMBER_NOT_THERE


@pytest.mark.parametrize("command", ["/bind Отдел благоустройства", "/bind_head"])
async def test_a_public_group_is_not_bound(tmp_path: Path, clock: FakeClock, command: str) -> None:
    h = await make_harness(tmp_path, clock, head_chat_id=None)
    try:
        await h.feed(in_public_group(-1005, ADMIN, command))
        assert h.session.sent_texts(-1005) == [texts.BIND_PUBLIC_GROUP]
        assert await h.app.access.departments(org_id=1) == []
        assert await h.app.access.head_chat_id(1) is None
    finally:
        await h.app.close()


@pytest.mark.parametrize("command", ["/bind_head", "/bind Отдел", "/bind_head@test_bot"])
async def test_admin_commands_stay_silent_for_strangers_in_unbound_groups(h: Harness, command: str) -> None:
    await h.say_in(UNBOUND_CHAT, STRANGER, command)
    assert h.session.sent_texts(UNBOUND_CHAT) == []
    await h.say_in(DEPT_A_CHAT, EXEC_A, command)            # a bound group: its people are told
    assert h.session.sent_texts(DEPT_A_CHAT)[-1] == texts.ADMIN_ONLY


@pytest.mark.parametrize("command", ["/invite", "/backup@test_bot", "/operators", "/dayoff 05.12.2026",
                                     "/calendar", "/departments"])
async def test_other_admin_commands_get_no_answer_in_unbound_groups(h: Harness, command: str) -> None:
    await h.say_in(UNBOUND_CHAT, STRANGER, command)
    await h.say_in(UNBOUND_CHAT, ADMIN, command)
    assert h.session.sent_texts(UNBOUND_CHAT) == []
    await h.say_in(UNBOUND_CHAT, STRANGER, "/start@test_bot")     # the one hint of an unbound group still comes
    assert h.session.sent_texts(UNBOUND_CHAT) == [texts.GROUP_UNBOUND]


async def test_admin_commands_in_a_bound_group_are_answered_as_before(h: Harness) -> None:
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/dayoff 05.12.2026")
    assert h.session.sent_texts(DEPT_A_CHAT)[-1] == texts.ADMIN_ONLY


async def test_a_strangers_start_flood_writes_bounded_rows_and_is_answered_once(h: Harness) -> None:
    events = (await h.app.db.fetchone("SELECT count(*) FROM events"))[0]  # type: ignore[index]
    for minute in range(3):
        for i in range(30):
            await h.say(STRANGER, f"/start inv_forged{minute}_{i}")
        h.clock.advance(minutes=1)
    h.clock.advance(days=1)
    await h.say(STRANGER, "/start inv_next_day")

    # one audit row per stranger per day; the rest counted
    assert (await h.app.db.fetchone("SELECT count(*) FROM events"))[0] == events + 2  # type: ignore[index]
    counts = await h.app.db.fetchall("SELECT count FROM refused_counts WHERE user_id = ? ORDER BY day", (STRANGER,))
    assert [r[0] for r in counts] == [60, 1]      # 20 a minute were handled, the rest of each minute dropped
    sent = h.session.sent_texts(STRANGER)
    assert sent.count(texts.FLOOD) == 3 and len(sent) == 3 * 21 + 1


async def test_staff_is_never_throttled(h: Harness) -> None:
    for _ in range(30):
        await h.say_in(DEPT_A_CHAT, EXEC_A, "/my")
    assert texts.FLOOD not in h.session.sent_texts(DEPT_A_CHAT)


async def test_the_bot_asks_telegram_for_chat_member_updates(h: Harness) -> None:
    assert {"chat_member", "message", "callback_query"} <= set(h.app.dp.resolve_used_update_types())


async def test_polling_asks_for_member_updates_and_limits_the_updates_handled_at_once(
        tmp_path: Path, clock: FakeClock) -> None:
    h = await make_harness(tmp_path, clock, web_port=0, updates_concurrency=7)
    asked: dict[str, Any] = {}

    async def polling(*args: Any, **kwargs: Any) -> None:
        asked.update(kwargs)                        # ends at once: only how it was started matters

    h.app.dp.start_polling = polling  # type: ignore[method-assign]
    await serve(h.app, asyncio.Event())
    assert asked["tasks_concurrency_limit"] == 7
    assert "chat_member" in asked["allowed_updates"]
