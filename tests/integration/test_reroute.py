"""Re-routing and several departments (cl. 12, 17) on a real SQLite database, the clock moved by hand.

A department may say «не наша компетенция» after accepting, but late it is a missed cl. 12 clock; the
operator then owes a re-route clock; a department that gets the case too late for its draft deadline is
told so, and a miss it could not avoid is attributed to whoever used the time up; the operator can add a
department to a case already with departments and withdraw one that declined.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.domain.accountability import Party, owners
from bot.domain.errors import InvalidTransition, ValidationFailed
from bot.domain.model import Actor, Case, DeptState, Outcome, Role, Status
from bot.reminders import ReminderService
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from deadlines.rules import Deadlines
from handlers import render
from storage.db import Database
from tests.conftest import ADMIN_ID, msk

TZ = ZoneInfo("Europe/Moscow")


@pytest.fixture
def reminders(db: Database, deadlines: Deadlines, clock: FakeClock) -> ReminderService:
    return ReminderService(db, deadlines, clock)


async def departments(access: AccessService, *names: str) -> list[int]:
    return [(await access.bind_department(ADMIN_ID, -1000 - i, name)).id for i, name in enumerate(names)]


def executor(dept_id: int) -> Actor:
    return Actor(200 + dept_id, Role.EXECUTOR, f"Исполнитель {dept_id}", department_id=dept_id)


async def new_case(cases: CaseService, operator: Actor, clock: FakeClock) -> int:
    post = NewPost(platform="vk", text="Во дворе яма", operator_id=operator.user_id, detected_at=clock.now())
    case = (await cases.register(post, operator)).case
    assert case.id is not None
    return case.id


async def simulate(svc: ReminderService, clock: FakeClock, until: datetime) -> None:
    """Play the scheduler: jump to each due moment and run what is due, up to ``until``."""
    while True:
        await svc.plan()
        nxt = await svc.next_due()
        if nxt is None or nxt > until:
            clock.set(until)
            return
        clock.set(max(nxt, clock.now()))
        await svc.run_due()


def clocks(case: Case, rule: str, dept: int | None = None) -> list:  # type: ignore[type-arg]
    return [d for d in case.deadlines if d.rule == rule and d.department_id == dept]


async def outbox(db: Database, kind: str) -> list[tuple[str, str | None, int | None, dict]]:  # type: ignore[type-arg]
    rows = await db.fetchall("SELECT kind, target_kind, target_id, payload FROM outbox WHERE kind = ? ORDER BY id",
                             (kind,))
    return [(r["kind"], r["target_kind"], r["target_id"], json.loads(r["payload"] or "{}")) for r in rows]


async def test_cl12_late_decline_after_accept_is_a_missed_clock(cases: CaseService, access: AccessService,
                                                               operator: Actor, clock: FakeClock) -> None:
    (a,) = await departments(access, "ЖКХ")
    case_id = await new_case(cases, operator, clock)
    await cases.route(case_id, operator, [a])               # 10:00, decline term 10:30
    clock.advance(minutes=5)
    await cases.accept(case_id, executor(a))
    clock.advance(minutes=40)                               # 10:45: later than 30 minutes after receipt
    case = await cases.decline(case_id, executor(a), "Это вопрос управляющей компании")
    (decline,) = clocks(case, "decline", a)
    assert decline.outcome == Outcome.MISSED and decline.closed_at == msk(2026, 12, 1, 10, 45)
    assert decline.blame == (f"department:{a}",) and not decline.blame_inherited
    case = await cases.get(case_id)                         # as stored
    (decline,) = clocks(case, "decline", a)
    assert decline.outcome == Outcome.MISSED and decline.blame == (f"department:{a}",)
    assert case.status == Status.NEW


async def test_cl12_decline_after_accept_within_30_minutes_is_met(cases: CaseService, access: AccessService,
                                                                 operator: Actor, clock: FakeClock) -> None:
    (a,) = await departments(access, "ЖКХ")
    case_id = await new_case(cases, operator, clock)
    await cases.route(case_id, operator, [a])
    await cases.accept(case_id, executor(a))
    clock.advance(minutes=20)
    case = await cases.decline(case_id, executor(a), "Не наш вопрос")
    (decline,) = clocks(case, "decline", a)
    assert decline.outcome == Outcome.MET and decline.blame is None


async def test_cl12_reroute_clock_from_the_decline_is_the_operators(db: Database, cases: CaseService,
                                                                    access: AccessService, operator: Actor,
                                                                    clock: FakeClock,
                                                                    reminders: ReminderService) -> None:
    (a,) = await departments(access, "ЖКХ")
    case_id = await new_case(cases, operator, clock)
    await cases.route(case_id, operator, [a])
    clock.advance(minutes=10)
    case = await cases.decline(case_id, executor(a), "Не наш вопрос")      # 10:10
    reroute = [d for d in clocks(case, "route") if d.is_open]
    assert len(reroute) == 1
    assert reroute[0].started_at == msk(2026, 12, 1, 10, 10) and reroute[0].due_at == msk(2026, 12, 1, 10, 40)
    assert owners(case, reroute[0]) == (Party.operator(operator.user_id),)
    await simulate(reminders, clock, msk(2026, 12, 1, 10, 45))
    reminded = [n for n in await outbox(db, "reminder") if n[3].get("rule") == "route"]
    expired = [n for n in await outbox(db, "expired") if n[3].get("rule") == "route"]
    assert reminded and expired                      # reminded, then told it ran out
    case = await cases.get(case_id)
    (missed,) = [d for d in clocks(case, "route") if d.started_at == msk(2026, 12, 1, 10, 10)]
    assert missed.blame == (f"operator:{operator.user_id}",)
