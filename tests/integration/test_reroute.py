"""Re-routing and several departments (cl. 12, 17) on a real SQLite database, the clock moved by hand.

A department may say «не наша компетенция» after accepting, but late it is a missed cl. 12 clock; the
operator then owes a re-route clock; a department that gets the case too late for its draft deadline is
told so, and a miss it could not avoid is attributed to whoever used the time up; the operator can add a
department to a case already with departments and withdraw one that declined.
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from bot.domain.accountability import Party, owners
from bot.domain.errors import InvalidTransition, ValidationFailed
from bot.domain.model import Actor, Case, DeptState, DraftKind, Outcome, Status
from bot.domain.orgs import Scope
from bot.jobs.reminders import ReminderService
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService
from deadlines.rules import Deadlines
from handlers import render
from storage.db import Database
from storage.reports import ReportRepository
from tests.conftest import ADMIN_ID, msk
from tests.integration.test_reminders import executor, new_case, simulate

TZ = ZoneInfo("Europe/Moscow")


@pytest.fixture
def reminders(db: Database, deadlines: Deadlines, clock: FakeClock) -> ReminderService:
    return ReminderService(db, deadlines, clock)


async def departments(access: AccessService, *names: str) -> list[int]:
    return [(await access.bind_department(ADMIN_ID, -1000 - i, name, org_id=1)).id for i, name in enumerate(names)]


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
    case = await cases.get(case_id, scope=Scope.all())                         # as stored
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
    case = await cases.get(case_id, scope=Scope.all())
    (missed,) = [d for d in clocks(case, "route") if d.started_at == msk(2026, 12, 1, 10, 10)]
    assert missed.blame == (f"operator:{operator.user_id}",)


async def test_cl12_inherited_draft_miss_goes_to_the_late_decline_and_the_slow_reroute(
        db: Database, cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock,
        reminders: ReminderService) -> None:
    a, b = await departments(access, "ЖКХ", "Дороги")
    case_id = await new_case(cases, operator, clock)            # 10:00: draft due 12:00, answer 13:00
    clock.advance(minutes=10)
    await cases.route(case_id, operator, [a])                    # 10:10, decline term 10:40
    clock.advance(minutes=5)
    await cases.accept(case_id, executor(a))
    clock.set(msk(2026, 12, 1, 11, 20))
    await cases.decline(case_id, executor(a), "Не наш вопрос")   # late decline; re-route due 11:50
    await simulate(reminders, clock, msk(2026, 12, 1, 11, 55))
    case = await cases.route(case_id, operator, [b])             # slow re-route: 5 minutes to the draft term
    assert case.assignment(b).inherited_from == (f"department:{a}", f"operator:{operator.user_id}")  # type: ignore[union-attr]
    note = render.inherited_note(case, b, clock.now(), TZ, cases.deadlines)
    assert "Срок проекта ответа (п. 13) истекает через 5 мин" in note and "не будет засчитана вашему отделу" in note
    assert render.inherited_note(case, a, clock.now(), TZ, cases.deadlines) == ""
    await cases.accept(case_id, executor(b))
    await simulate(reminders, clock, msk(2026, 12, 1, 13, 5))
    case = await cases.get(case_id, scope=Scope.all())
    (draft,) = clocks(case, "draft", b)
    (answer,) = clocks(case, "answer")
    for missed in (draft, answer):
        assert missed.blame == (f"department:{a}", f"operator:{operator.user_id}")     # not department b
        assert missed.blame_inherited
    assert "уже прошёл" in render.inherited_note(case, b, clock.now(), TZ, cases.deadlines)
    escalation = [n for n in await outbox(db, "escalation") if n[3].get("rule") == "answer"]
    assert escalation
    await cases.withdraw(case_id, operator, a)              # the declined department leaves the card …
    kpis = await ReportRepository().kpis(db.conn, msk(2026, 12, 1, 0, 0), msk(2026, 12, 2, 0, 0), clock.now(), scope=Scope.all())
    total = next(k for k in kpis if k.dim == "total")
    by_dept = {k.key: k for k in kpis if k.dim == "department"}
    assert (total.open_overdue, total.inherited) == (1, 1)              # KPIs show the miss as inherited
    assert (by_dept[b].open_overdue, by_dept[b].inherited) == (1, 1)
    assert by_dept[a].declines == 1 and total.declines == 1           # … its decline still counts


async def test_cl12_department_in_time_inherits_nothing(cases: CaseService, access: AccessService,
                                                        operator: Actor, clock: FakeClock,
                                                        reminders: ReminderService) -> None:
    (a,) = await departments(access, "ЖКХ")
    case_id = await new_case(cases, operator, clock)
    case = await cases.route(case_id, operator, [a])
    assert case.assignment(a).inherited_from == ()            # type: ignore[union-attr]
    assert render.inherited_note(case, a, clock.now(), TZ, cases.deadlines) == ""
    await cases.accept(case_id, executor(a))
    await simulate(reminders, clock, msk(2026, 12, 1, 12, 5))
    (draft,) = clocks(await cases.get(case_id, scope=Scope.all()), "draft", a)
    assert draft.blame == (f"department:{a}",) and not draft.blame_inherited


async def test_cl17_operator_adds_a_department_to_a_case_in_work(db: Database, cases: CaseService,
                                                               access: AccessService, operator: Actor,
                                                               clock: FakeClock) -> None:
    a, b = await departments(access, "ЖКХ", "Дороги")
    case_id = await new_case(cases, operator, clock)
    await cases.route(case_id, operator, [a])
    await cases.accept(case_id, executor(a))
    clock.advance(minutes=25)
    case = await cases.add_department(case_id, operator, b)
    assert case.multi and case.status == Status.COLLECTING
    assert not any(d.is_open for d in clocks(case, "draft", a))                  # the draft gives way …
    assert [d.started_at for d in clocks(case, "info", a)] == [msk(2026, 12, 1, 10, 25)]   # … to information
    (info,) = clocks(case, "info", b)
    assert info.started_at == msk(2026, 12, 1, 10, 25) and info.is_open          # from its receipt
    assert case.assignment(b).state == DeptState.ROUTED                          # type: ignore[union-attr]
    routed = await outbox(db, "case_routed")
    assert routed[-1][1:3] == ("department", b)                                  # its card goes out
    history = [e.kind for e in await cases.history(case_id)]
    assert "department_added" in history
    with pytest.raises(ValidationFailed):
        await cases.add_department(case_id, operator, a)                         # already working on it
    await cases.accept(case_id, executor(b))
    await cases.submit_info(case_id, executor(a), "Яму засыплем", [])
    case = await cases.submit_info(case_id, executor(b), "Асфальт положим", [])
    assert case.status == Status.COLLECTING and len(case.info_drafts()) == 2


async def test_cl17_no_department_is_added_once_a_draft_is_on_approval(cases: CaseService, access: AccessService,
                                                                      operator: Actor, clock: FakeClock) -> None:
    a, b = await departments(access, "ЖКХ", "Дороги")
    case_id = await new_case(cases, operator, clock)
    await cases.route(case_id, operator, [a])
    await cases.accept(case_id, executor(a))
    await cases.submit_draft(case_id, executor(a), DraftKind.ANSWER, "Яму засыплем", [])
    with pytest.raises(InvalidTransition):
        await cases.add_department(case_id, operator, b)
    history = await cases.history(case_id)
    assert history[-1].refused and history[-1].kind == "refused:department_added"


async def test_cl12_operator_withdraws_a_department_that_declined(cases: CaseService, access: AccessService,
                                                                 operator: Actor, clock: FakeClock) -> None:
    a, b = await departments(access, "ЖКХ", "Дороги")
    case_id = await new_case(cases, operator, clock)
    await cases.route(case_id, operator, [a, b])
    with pytest.raises(InvalidTransition):
        await cases.withdraw(case_id, operator, a)                  # still working on it
    await cases.decline(case_id, executor(a), "Не наш вопрос")
    case = await cases.withdraw(case_id, operator, a)
    assert [x.department_id for x in case.assignments] == [b]
    assert clocks(case, "decline", a)                                # its decline stays for the record
    events = await cases.history(case_id)
    assert events[-1].kind == "department_withdrawn" and events[-1].payload["reason"] == "Не наш вопрос"
    card = render.case_card(case, clock.now(), TZ)
    assert "ЖКХ" not in card and "Дороги" in card


async def test_cl12_inherited_card_counts_the_minutes_left_in_working_time_across_lunch(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock) -> None:
    """The card of a department that got the case too late says how many working minutes its draft clock
    has left: lunch (13:00–14:00) is not counted."""
    (a,) = await departments(access, "ЖКХ")
    clock.set(msk(2026, 12, 1, 11, 20))
    case_id = await new_case(cases, operator, clock)           # answer 15:20, draft 14:20 (lunch not counted)
    clock.set(msk(2026, 12, 1, 13, 30))                        # routed late, at lunch: 50 clock minutes left
    case = await cases.route(case_id, operator, [a])
    draft = case.open_deadline("draft", a)
    assert draft is not None and draft.due_at == msk(2026, 12, 1, 14, 20)
    assert case.assignment(a).inherited_from                    # type: ignore[union-attr]
    note = render.inherited_note(case, a, clock.now(), TZ, cases.deadlines)
    assert "истекает через 20 мин (01.12 14:20)" in note        # 14:00–14:20, not 50
    clock.set(msk(2026, 12, 1, 14, 5))
    assert "истекает через 15 мин" in render.inherited_note(case, a, clock.now(), TZ, cases.deadlines)
