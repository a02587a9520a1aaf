"""Fuzz (hypothesis) through the real Dispatcher: random button data and message contents from a stranger,
a former member of a department's group and an executor of another department (issue 13, «Done when»).
Every update is answered or ignored, nothing raises, and no case, draft or deadline changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.runtime.clock import FakeClock
from handlers.callbacks import AdminOp, Op
from tests.integration.test_handlers import draft_for_approval, forward_post, route_to
from tests.support import updates
from tests.support.harness import (
    DEPT_A_CHAT,
    DEPT_B_CHAT,
    EXEC_A,
    EXEC_B,
    OPERATOR,
    STRANGER,
    Harness,
    bound_harness,
)
from tests.support.members import went

#: Who sends, and where: a stranger in a private chat, a former member in the group they left, an executor
#: of the other department in their own group.
SENDERS = [(STRANGER, STRANGER), (EXEC_A, DEPT_A_CHAT), (EXEC_B, DEPT_B_CHAT)]
COMMANDS = ["/start", "/help", "/my", "/open", "/case", "/cancel", "/bind", "/bind_head", "/report", "/backup",
            "/invite", "/invite_official", "/operators", "/officials", "/departments", "/dayoff", "/workday",
            "/calendar", "/start inv_", "/my@test_bot", "/bind_head@test_bot"]
SMALL = st.integers(min_value=-3, max_value=12)
ANY_INT = st.one_of(SMALL, st.integers(min_value=-(2**63), max_value=2**63 - 1))
TEXT = st.text(max_size=120)

#: What a department's buttons carry, on the cases that exist: the likeliest to do harm.
DEPARTMENT_OPS = [Op.ACCEPT, Op.DECLINE, Op.PREPARE, Op.KIND, Op.SEND, Op.CANCEL, Op.INFO, Op.FULL, Op.OFF_HOURS,
                  Op.WORKING_HOURS]

CALLBACK_DATA = st.one_of(
    st.text(max_size=64),
    st.builds(lambda op, case, arg: f"c:{op.value}:{case}:{arg}", st.sampled_from(DEPARTMENT_OPS),
              st.sampled_from([1, 2]), st.integers(min_value=0, max_value=3)),
    st.builds(lambda op, case, arg: f"c:{op}:{case}:{arg}",
              st.one_of(st.sampled_from([o.value for o in Op]), st.text(max_size=3)),
              st.one_of(SMALL, st.text(max_size=5)), st.one_of(ANY_INT, st.text(max_size=5))),
    st.builds(lambda op, target: f"a:{op}:{target}", st.sampled_from([o.value for o in AdminOp]), ANY_INT),
    st.builds(lambda chat, user: f"m:{chat}:{user}", st.sampled_from([DEPT_A_CHAT, DEPT_B_CHAT]),
              st.sampled_from([EXEC_A, EXEC_B, STRANGER])),
    st.builds(lambda surge: f"s:mg:{surge}", ANY_INT),
    st.builds(lambda message: f"p:{message}", ANY_INT),
).map(lambda data: data.encode()[:64].decode(errors="ignore") or "x")

MESSAGE_TEXT = st.one_of(TEXT, st.builds(lambda c, rest: f"{c}{rest}", st.sampled_from(COMMANDS), TEXT))

UPDATE = st.one_of(
    st.tuples(st.just("press"), st.sampled_from(SENDERS), CALLBACK_DATA, st.booleans()),
    st.tuples(st.just("say"), st.sampled_from(SENDERS), MESSAGE_TEXT, st.booleans()),
)


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock) as harness:
        await forward_post(harness)                                 # a case routed to the first department
        await route_to(harness, "Отдел ЖКХ")
        await harness.say(OPERATOR, "Яма на дороге у школы № 3, ул. Мира, 12")
        await route_to(harness, "Отдел ЖКХ")
        await draft_for_approval(harness, "Ответ", "Яму заделают до пятницы.")   # one with a draft on approval
        await harness.feed(went(DEPT_A_CHAT, EXEC_A))               # EXEC_A is a former member now
        yield harness


async def snapshot(h: Harness) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted((tuple(r) for r in await h.app.db.fetchall(f"SELECT * FROM {table}")), key=repr)  # noqa: S608
            for table in ("cases", "drafts", "deadlines", "case_departments", "publications", "departments",
                          "operators", "officials", "invites")}


def _card(h: Harness) -> int:
    """The newest message of the department's group: the fuzz presses and replies under it."""
    return h.last(DEPT_A_CHAT).message_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(UPDATE, min_size=1, max_size=8))
async def test_fuzz_strangers_former_members_and_other_departments_change_nothing(
        h: Harness, batch: list[tuple[str, tuple[int, int], str, bool]]) -> None:
    before = await snapshot(h)
    card = _card(h)
    for what, (user_id, chat_id), payload, under_card in batch:
        chat_type = "private" if chat_id > 0 else "supergroup"
        if what == "press":
            update = updates.callback(user_id, chat_id, payload, card if under_card else 1, chat_type=chat_type)
        elif chat_id > 0:
            update = updates.private_message(user_id, payload)
        else:
            update = updates.group_message(chat_id, user_id, payload,
                                           **({"reply_to_message_id": card} if under_card else {}))
        await h.feed(update)                      # raises if the Dispatcher does
    assert await snapshot(h) == before
    said = h.session.sent_texts() + [a for a in h.alerts()]
    assert texts.SORRY not in said                # no handler failed (the error router apologises)
