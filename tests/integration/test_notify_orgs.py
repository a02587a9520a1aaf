"""Issue 14 §1, §3: every notice of a case reaches its own organisation's head, officials, admins and operators,
never another's; the coordinator (cl. 2) gets significant posts, surges and the cl. 6/7 misses naming the
organisation. A real Dispatcher, SQLite and the recording fake Telegram; the second organisation is made in
the database (its intake is the scope-cases part)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.domain.orgs import OrgKind, Scope
from bot.runtime.clock import FakeClock
from deadlines.rules import RULES
from storage.orgs import OrganisationRepository
from tests.conftest import msk
from tests.integration.test_handlers import POST
from tests.integration.test_members import came
from tests.support import updates
from tests.support.harness import (
    ADMIN,
    DEPT_A_CHAT,
    DEPT_B_CHAT,
    EXEC_A,
    EXEC_B,
    HEAD_CHAT,
    OPERATOR,
    OPERATOR2,
    Harness,
    bound_harness,
)

OFFICIAL_A = 700
OPERATOR_B = 150
OFFICIAL_B = 750
ADMIN_B = 760            # organisation B's own admin
HEAD_B = -950
COORDINATOR = 800
COORDINATOR_CHAT = -990
ORG_B = "Минстрой КЧР"
ALL_RULES = ",".join(RULES)


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock, official_ids=[OFFICIAL_A], coordinator_ids=[COORDINATOR],
                             escalate_rules=ALL_RULES, escalate_official_rules=ALL_RULES) as harness:
        await second_organisation(harness)
        yield harness


async def second_organisation(h: Harness, *, official: bool = True) -> int:
    """Organisation B: the «Дорожный отдел» group, its head's chat, an operator, an official, an admin; and the
    directorate's group bound for the coordinator."""
    orgs = OrganisationRepository()
    now = h.clock.now()
    async with h.app.db.transaction() as conn:
        org = await orgs.add(conn, ORG_B, "MIN", OrgKind.REPUBLIC, now)
        await orgs.bind_head(conn, org.id, HEAD_B)
        await orgs.add_admin(conn, org.id, ADMIN_B, "Админ Б", ADMIN, now)
        await conn.execute("UPDATE departments SET org_id = ? WHERE chat_id = ?", (org.id, DEPT_B_CHAT))
        await conn.execute("INSERT INTO operators (user_id, full_name, added_at, active, org_id) "
                           "VALUES (?, 'Оператор Б', ?, 1, ?)", (OPERATOR_B, now.isoformat(), org.id))
        if official:
            await conn.execute("INSERT INTO officials (user_id, full_name, added_at, active, org_id) "
                               "VALUES (?, 'Замглавы Б', ?, 1, ?)", (OFFICIAL_B, now.isoformat(), org.id))
        await conn.execute("INSERT INTO kv (key, value) VALUES ('coordinator_chat_id', ?)", (str(COORDINATOR_CHAT),))
    return org.id


async def forward(h: Harness, operator: int, text: str = POST, message_id: int = 77) -> int:
    await h.say(operator, text, forward_from_chat=(-100555, "Подслушано Зеленчукская", "zelen_online"),
                forward_message_id=message_id)
    case = (await h.app.cases.open_cases(scope=Scope.all()))[-1]
    assert case.id is not None
    return case.id


async def move_to_b(h: Harness, case_id: int) -> None:
    """B's operator registered it: the case is organisation B's, numbered with B's prefix."""
    case = await h.app.cases.get(case_id, scope=Scope.all())
    assert case.org_id != 1 and case.number.startswith("MIN-")


def mentions(text: str, number: str) -> bool:
    """The text names the case ``number`` itself (``2026-0001`` is not named by ``MIN-2026-0001``)."""
    return re.search(rf"(?<![\w-]){re.escape(number)}(?!\d)", text) is not None


async def two_cases(h: Harness, stage: str) -> tuple[str, str]:
    """Case A (organisation no. 1: OPERATOR, «Отдел ЖКХ») and case B (organisation B: OPERATOR_B, «Дорожный
    отдел»), both taken to ``stage``; their numbers."""
    a = await forward(h, OPERATOR)
    b = await forward(h, OPERATOR_B, "Яма на дороге Черкесск — Архыз у поворота на Кардоникскую", 78)
    await move_to_b(h, b)
    for operator, dept, chat, executor in ((OPERATOR, "Отдел ЖКХ", DEPT_A_CHAT, EXEC_A),
                                           (OPERATOR_B, "Дорожный отдел", DEPT_B_CHAT, EXEC_B)):
        if stage == "new":
            continue
        await h.press(operator, operator, dept)
        await h.press(operator, operator, "Направить")
        if stage == "routed":
            continue
        await h.press(executor, chat, "Принять в работу")
        if stage == "accepted":
            continue
        await h.press(executor, chat, "Подготовить ответ")
        await h.press(executor, chat, "Ответ")
        await h.say_in(chat, executor, "Яму засыплют сегодня, мусор вывезут.")
        await h.press(executor, chat, "На согласование")
        if stage == "approval":
            continue
        await h.press(operator, operator, "Согласовать")
    return (await h.app.cases.get(a, scope=Scope.all())).number, (await h.app.cases.get(b, scope=Scope.all())).number


async def run_day(h: Harness) -> None:
    """The reminder job through the working day (every half hour until 18:00 and the next day), delivered."""
    assert h.app.reminders is not None
    service = h.app.reminders.service
    for day, hour, minute in [(1, hh, mm) for hh in range(10, 18) for mm in (5, 35)] + [(2, 18, 0)]:
        await service.plan()
        h.clock.set(msk(2026, 12, day, hour, minute))
        await service.run_due()
        await h.app.notifier.flush()
    h._scan()


def chats_of(h: Harness) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for call in h.session.calls("sendMessage"):
        out.setdefault(int(call.chat_id), []).append(call.text)  # type: ignore[arg-type]
    return out


def missed_rules(texts_: list[str]) -> set[str]:
    names = {v: k for k, v in texts.RULE.items()}
    return {names[m] for t in texts_ if "Просрочка" in t for m in re.findall(r"Срок «([^»]+)» истёк", t)}


#: The clocks each stage leaves to run out (every rule escalates to the head and to the officials here).
MISSED = {"new": {"route", "answer"}, "routed": {"decline", "draft", "answer"}, "accepted": {"draft", "answer"},
          "approval": {"approval", "answer"}, "approved": {"publish", "answer"}}


@pytest.mark.parametrize("stage", list(MISSED))
async def test_every_miss_of_each_organisation_reaches_only_its_own_chats_and_people(h: Harness, stage: str) -> None:
    a, b = await two_cases(h, stage)
    await run_day(h)
    sent = chats_of(h)
    own_a = (HEAD_CHAT, OFFICIAL_A, OPERATOR, OPERATOR2, DEPT_A_CHAT)
    own_b = (HEAD_B, OFFICIAL_B, OPERATOR_B, DEPT_B_CHAT, ADMIN_B)
    for chat in own_a:
        assert not any(mentions(t, b) for t in sent.get(chat, [])), (chat, sent.get(chat))
    for chat in own_b:
        assert not any(mentions(t, a) for t in sent.get(chat, [])), (chat, sent.get(chat))
    # Each head and each official got their own organisation's misses, the same rules for both.
    for head, official, number in ((HEAD_CHAT, OFFICIAL_A, a), (HEAD_B, OFFICIAL_B, b)):
        head_misses = [t for t in sent.get(head, []) if "Просрочка" in t]
        assert head_misses and all(mentions(t, number) for t in head_misses)
        assert [t for t in sent.get(official, []) if "Просрочка" in t]
    assert missed_rules(sent[HEAD_CHAT]) == missed_rules(sent[HEAD_B])
    assert missed_rules(sent[HEAD_B]) == missed_rules(sent[OFFICIAL_B]) == MISSED[stage]
    # The coordinator: only the answer (cl. 6) misses of both (COORDINATOR_RULES' default), each naming its
    # organisation; the deployment admin gets no miss (each organisation has an official).
    for chat in (COORDINATOR, COORDINATOR_CHAT):
        misses = [t for t in sent.get(chat, []) if "Просрочка" in t]
        assert missed_rules(misses) == MISSED[stage] & {"answer", "final"} and len(misses) == 2 * len(missed_rules(misses))
        if misses:
            assert any(mentions(t, a) and "Администрация" in t for t in misses)
            assert any(b in t and ORG_B in t for t in misses)
    assert not [t for t in sent.get(ADMIN, []) if "Просрочка" in t]


async def test_without_its_own_official_the_step_misses_go_to_its_admins_not_to_another_organisations_official(
        tmp_path: Path, clock: FakeClock) -> None:
    async with bound_harness(tmp_path, clock, official_ids=[OFFICIAL_A]) as h:
        await second_organisation(h, official=False)
        b = await forward(h, OPERATOR_B)
        await move_to_b(h, b)
        number = (await h.app.cases.get(b, scope=Scope.all())).number
        await run_day(h)                         # «Направление» (cl. 9) missed by B's operator
        sent = chats_of(h)
        assert not [t for t in sent.get(OFFICIAL_A, []) if number in t]
        for admin in (ADMIN, ADMIN_B):
            assert [t for t in sent.get(admin, []) if "Просрочка" in t and number in t], admin


async def test_significant_post_goes_to_its_organisations_head_and_to_the_coordinator_naming_it(h: Harness) -> None:
    b = await forward(h, OPERATOR_B)
    await move_to_b(h, b)
    await h.press(OPERATOR_B, OPERATOR_B, "Общественно значимое")
    number = (await h.app.cases.get(b, scope=Scope.all())).number
    sent = chats_of(h)
    assert [t for t in sent.get(HEAD_B, []) if "Общественно значимое" in t and number in t]
    assert not [t for t in sent.get(HEAD_CHAT, []) if "Общественно значимое" in t]
    for chat in (COORDINATOR, COORDINATOR_CHAT):
        [text] = [t for t in sent.get(chat, []) if "Общественно значимое" in t]
        assert number in text and text.startswith(f"🏛 <b>{ORG_B}</b>\n")


async def test_a_new_member_of_bs_group_is_told_to_the_deployments_and_bs_admins(h: Harness) -> None:
    await h.feed(came(DEPT_B_CHAT, 555, "Новый Исполнитель"))
    sent = chats_of(h)
    for admin in (ADMIN, ADMIN_B):
        assert [t for t in sent.get(admin, []) if "Новый Исполнитель" in t], admin
    await h.feed(came(DEPT_A_CHAT, 556, "Другой Исполнитель"))
    assert not [t for t in chats_of(h).get(ADMIN_B, []) if "Другой Исполнитель" in t]


async def test_the_bot_removed_from_bs_group_is_told_to_bs_admins_too_and_as_group_to_no_other_orgs(
        h: Harness) -> None:
    await h.feed(updates.my_chat_member(DEPT_B_CHAT, EXEC_B, chat_title="Дорожный отдел", old_status="member",
                                        new_status="kicked"))
    for admin in (ADMIN, ADMIN_B):
        assert [t for t in chats_of(h).get(admin, []) if "не может писать" in t], admin
    await h.feed(updates.my_chat_member(DEPT_A_CHAT, EXEC_A, chat_title="Отдел ЖКХ", old_status="member",
                                        new_status="kicked"))
    assert len([t for t in chats_of(h).get(ADMIN_B, []) if "не может писать" in t]) == 1
    assert len([t for t in chats_of(h).get(ADMIN, []) if "не может писать" in t]) == 2


async def test_with_empty_coordinator_rules_the_coordinator_gets_no_miss(tmp_path: Path, clock: FakeClock) -> None:
    async with bound_harness(tmp_path, clock, coordinator_ids=[COORDINATOR], coordinator_rules="") as h:
        await second_organisation(h)
        await forward(h, OPERATOR)
        await run_day(h)
        assert [t for t in chats_of(h).get(HEAD_CHAT, []) if "Просрочка" in t]        # the head still is told
        assert not [t for t in chats_of(h).get(COORDINATOR, []) if "Просрочка" in t]
        assert not await h.app.db.fetchall("SELECT id FROM outbox WHERE kind = 'coordinator_miss'")
