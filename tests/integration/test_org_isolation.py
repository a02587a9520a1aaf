"""Issue 14 §2, the isolation matrix: role × organisation (own / other) × every command and every case button,
through a real Dispatcher and the recording fake Telegram.

Organisation A is the harness's no. 1; B is a second organisation whose cases are made by B's own people
(tests/support/orgs.py). For every person of A and every command or button aimed at B's case: nothing of B
reaches any chat (no number, text, author, department or name of B in any Bot API call), none of B's rows
changes, and the answer is exactly the answer for a case id / number that does not exist. The own column
proves the same person does reach their own organisation's case (so the other column is not vacuous)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.runtime.clock import FakeClock
from handlers.callbacks import CaseCb, Op
from tests.integration.test_handlers import forward_post, route_to
from tests.support import updates
from tests.support.harness import ADMIN, DEPT_A_CHAT, EXEC_A, HEAD_CHAT, OPERATOR, Harness, bound_harness
from tests.support.orgs import (
    B_SECRETS,
    DEPT_B1_CHAT,
    EXEC_B1,
    HEAD_B_CHAT,
    OFFICIAL_B,
    OP_B,
    OrgB,
    add_org_b,
    b_day,
    rows_of,
)

OFFICIAL_A = 700
HEAD_PERSON = 555
MISSING_ID = 987_654
#: Reads the bot makes of Telegram, cached after the first (who am I, is this person in the group): they say
#: nothing to anybody, so they are left out of the comparison of two answers.
LOOKUPS = ("getMe", "getChatMember")
A_SECRETS = ("третью неделю не вывозят мусор", "Подслушано Зеленчукская", "zelen_online")


@dataclass(frozen=True)
class Person:
    role: str
    user_id: int
    chat_id: int

    @property
    def chat_type(self) -> str:
        return "private" if self.chat_id > 0 else "supergroup"


A_PEOPLE = (
    Person("operator", OPERATOR, OPERATOR),
    Person("admin", ADMIN, ADMIN),                  # a deployment admin acting for no. 1 (org admins: another part)
    Person("executor", EXEC_A, DEPT_A_CHAT),
    Person("head", HEAD_PERSON, HEAD_CHAT),
    Person("official", OFFICIAL_A, OFFICIAL_A),
)
B_PEOPLE = (
    Person("operator", OP_B, OP_B),
    Person("admin for B", ADMIN, ADMIN),            # the deployment admin, having chosen to act for B
    Person("executor", EXEC_B1, DEPT_B1_CHAT),
    Person("head", HEAD_PERSON, HEAD_B_CHAT),
    Person("official", OFFICIAL_B, OFFICIAL_B),
)
#: Every case button; arg 0, or 1 where 0 means something else (a kind index, a term, a department id is set below).
OPS = tuple(Op)


@dataclass
class World:
    h: Harness
    b: OrgB
    a_case: int
    a_dept: int


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[World]:
    async with bound_harness(tmp_path, clock, official_ids=[OFFICIAL_A]) as h:
        b = await add_org_b(h)
        a_case = await forward_post(h)                 # A's 2026-0001, routed to A's department
        await route_to(h, "Отдел ЖКХ")
        await b_day(h, b)                              # B's MSTR-2026-0001 (new) and -0002 (on approval)
        assert b.numbers == ["MSTR-2026-0001", "MSTR-2026-0002"]
        a_dept = (await h.app.access.departments(org_id=1))[0].id
        yield World(h, b, a_case, a_dept)


def _since(h: Harness, start: int) -> list[tuple[str, dict[str, Any]]]:
    """The Bot API calls since ``start``, without what differs between two updates by nature (the query id)."""
    out = []
    for request, params in zip(h.session.requests[start:], h.session.params[start:], strict=True):
        if request.__api_method__ in LOOKUPS:
            continue
        kept = {k: v for k, v in params.items() if k not in ("callback_query_id",)}
        out.append((request.__api_method__, kept))
    return out


def _leaks(calls: list[tuple[str, dict[str, Any]]], secrets: tuple[str, ...]) -> list[str]:
    dumped = json.dumps(calls, ensure_ascii=False, default=str)
    return [s for s in secrets if s in dumped]


async def _acting_for(w: World, who: Person) -> None:
    """A deployment admin acts for the organisation they chose last: B's row of the matrix chooses B."""
    if who.user_id == ADMIN:
        await w.h.app.access.choose_org(ADMIN, w.b.org_id if who.role == "admin for B" else 1)


async def _command(w: World, who: Person, text: str) -> list[tuple[str, dict[str, Any]]]:
    await _acting_for(w, who)
    start = len(w.h.session.requests)
    if who.chat_id > 0:
        await w.h.say(who.user_id, text)
    else:
        await w.h.say_in(who.chat_id, who.user_id, text)
    return _since(w.h, start)


async def _press(w: World, who: Person, op: Op, case_id: int, arg: int) -> list[tuple[str, dict[str, Any]]]:
    await _acting_for(w, who)
    start = len(w.h.session.requests)
    data = CaseCb(op=op, case_id=case_id, arg=arg).pack()
    message_id = max((m for (c, m) in w.h.messages if c == who.chat_id), default=1)
    await w.h.feed(updates.callback(who.user_id, who.chat_id, data, message_id, chat_type=who.chat_type))
    return _since(w.h, start)


def _arg(op: Op, dept_id: int) -> int:
    if op in (Op.TOGGLE, Op.ADD_DEPT, Op.WITHDRAW):
        return dept_id                     # the presser's own organisation's department: only the case is foreign
    if op in (Op.TERM, Op.OFF_HOURS):
        return 1
    return 0


# ---- commands ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", A_PEOPLE, ids=lambda p: p.role)
async def test_case_command_of_another_organisations_number_answers_like_a_missing_number(
        world: World, who: Person) -> None:
    w = world
    before = await rows_of(w.h, w.b.case_ids)
    for number in w.b.numbers + [n.lower() for n in w.b.numbers]:
        foreign = await _command(w, who, f"/case {number}")
        missing = await _command(w, who, "/case MSTR-2026-0999")
        assert foreign == missing, number
        assert _leaks(foreign, B_SECRETS) == []
    assert await rows_of(w.h, w.b.case_ids) == before


@pytest.mark.parametrize("who", [p for p in A_PEOPLE if p.role != "executor"], ids=lambda p: p.role)
async def test_case_command_of_the_own_organisation_shows_the_case(world: World, who: Person) -> None:
    for arg in ("2026-0001", "1"):             # a bare number: the own organisation's, this year
        shown = await _command(world, who, f"/case {arg}")
        assert _leaks(shown, A_SECRETS), arg
        assert _leaks(shown, B_SECRETS) == []


async def test_case_command_of_b_reads_bs_own_numbers_bare_and_prefixed(world: World) -> None:
    b_operator = B_PEOPLE[0]
    for arg in ("MSTR-2026-0001", "1", "2026-1", "mstr-2026-1"):
        shown = await _command(world, b_operator, f"/case {arg}")
        assert "MSTR-2026-0001" in json.dumps(shown, ensure_ascii=False), arg
        assert _leaks(shown, A_SECRETS) == []


@pytest.mark.parametrize("who", A_PEOPLE + B_PEOPLE, ids=lambda p: f"{p.role}-{p.chat_id}")
@pytest.mark.parametrize("command", ["/open", "/my", "/report", "/report month", "/case 2", "/start"])
async def test_lists_and_reports_show_nothing_of_the_other_organisation(world: World, who: Person,
                                                                        command: str) -> None:
    w = world
    own_is_a = who in A_PEOPLE
    before = await rows_of(w.h, w.b.case_ids + [w.a_case])
    shown = await _command(w, who, command)
    assert _leaks(shown, B_SECRETS if own_is_a else A_SECRETS) == []
    assert await rows_of(w.h, w.b.case_ids + [w.a_case]) == before


@pytest.mark.parametrize("who", [A_PEOPLE[0], A_PEOPLE[1], B_PEOPLE[0], B_PEOPLE[1]],
                         ids=["a-operator", "a-admin", "b-operator", "admin-for-b"])
async def test_open_lists_the_own_organisations_cases(world: World, who: Person) -> None:
    shown = json.dumps(await _command(world, who, "/open"), ensure_ascii=False)
    if who in A_PEOPLE:
        assert "2026-0001" in shown and "MSTR" not in shown
    else:
        assert "MSTR-2026-0001" in shown and "MSTR-2026-0002" in shown


async def test_an_operators_report_counts_only_the_own_organisations_cases(world: World) -> None:
    a = json.dumps(await _command(world, A_PEOPLE[0], "/report today"), ensure_ascii=False)
    b = json.dumps(await _command(world, B_PEOPLE[0], "/report today"), ensure_ascii=False)
    assert "Поступило: <b>1</b>" in a and "Отдел ЖКХ" in a
    assert "Поступило: <b>2</b>" in b and "Управление капремонта" in b and "Отдел ЖКХ" not in b


async def _a_post(h: Harness, text: str) -> int:
    """A's operator sends a post as text (no link: a case of its own, not a duplicate of the forwarded one)."""
    await h.say(OPERATOR, text)
    row = await h.app.db.conn.execute_fetchall("SELECT MAX(id) FROM cases WHERE org_id = 1")
    return int(list(row)[0][0])


# ---- buttons -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", A_PEOPLE, ids=lambda p: p.role)
@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
async def test_every_button_forged_with_another_organisations_case_answers_like_a_missing_case(
        world: World, who: Person, op: Op) -> None:
    w = world
    before = await rows_of(w.h, w.b.case_ids)
    arg = _arg(op, w.a_dept)
    for case_id in w.b.case_ids:
        foreign = await _press(w, who, op, case_id, arg)
        missing = await _press(w, who, op, MISSING_ID, arg)
        assert foreign == missing, (case_id, foreign, missing)
        assert _leaks(foreign, B_SECRETS) == []
        assert foreign, "the press is answered"
    assert await rows_of(w.h, w.b.case_ids) == before


@pytest.mark.parametrize("who", B_PEOPLE, ids=lambda p: p.role)
@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
async def test_b_forging_a_button_on_as_case_answers_like_a_missing_case(world: World, who: Person,
                                                                         op: Op) -> None:
    w = world
    before = await rows_of(w.h, [w.a_case])
    arg = _arg(op, w.b.department_id)
    foreign = await _press(w, who, op, w.a_case, arg)
    missing = await _press(w, who, op, MISSING_ID, arg)
    assert foreign == missing
    assert _leaks(foreign, A_SECRETS) == []
    assert await rows_of(w.h, [w.a_case]) == before


async def test_the_own_button_still_works_so_the_forged_column_is_not_vacuous(world: World) -> None:
    """A's operator ticking A's department on A's case is obeyed; the same press on B's case is not."""
    w = world
    h = w.h
    a2 = await _a_post(h, "Яма на дороге ул. Мира, 3")
    own = await _press(w, A_PEOPLE[0], Op.URGENT, a2, 0)
    assert any(m == "answerCallbackQuery" and "срочное" in json.dumps(p, ensure_ascii=False) for m, p in own)
    assert [tuple(r) for r in await h.app.db.conn.execute_fetchall("SELECT urgent FROM cases WHERE id = ?",
                                                                   (a2,))] == [(1,)]


async def test_a_forged_department_of_another_organisation_is_refused_like_an_unknown_one(world: World) -> None:
    w = world
    h = w.h
    a2 = await _a_post(h, "Не горит фонарь на ул. Садовой")
    foreign = await _press(w, A_PEOPLE[0], Op.TOGGLE, a2, w.b.department_id)
    missing = await _press(w, A_PEOPLE[0], Op.TOGGLE, a2, 99_999)
    assert foreign == missing and foreign
    assert _leaks(foreign, B_SECRETS) == []
    ticked = [tuple(r) for r in await h.app.db.conn.execute_fetchall(
        "SELECT value FROM kv WHERE key = ?", (f"selection:{a2}",))]
    assert ticked in ([], [("",)])
    own = await _press(w, A_PEOPLE[0], Op.TOGGLE, a2, w.a_dept)      # A's own department is ticked
    assert own != foreign
    assert [tuple(r) for r in await h.app.db.conn.execute_fetchall(
        "SELECT value FROM kv WHERE key = ?", (f"selection:{a2}",))] == [(str(w.a_dept),)]
