"""Incidents (cl. 21) and clarifications (cl. 6, 7, 13) on a real SQLite database with a moving clock."""

from __future__ import annotations

from bot.domain import accountability
from bot.domain.model import Actor, DraftKind, Role, Status
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from bot.services.surges import IncidentService
from deadlines.rules import Deadlines
from storage.db import Database
from tests.conftest import ADMIN_ID, msk


def executor(dept_id: int) -> Actor:
    return Actor(200 + dept_id, Role.EXECUTOR, f"Исполнитель {dept_id}", department_id=dept_id)


async def new_case(cases: CaseService, operator: Actor, clock: FakeClock, text: str) -> int:
    post = NewPost(platform="vk", text=text, operator_id=operator.user_id, detected_at=clock.now())
    case = (await cases.register(post, operator)).case
    assert case.id is not None
    return case.id


async def test_cl21_incident_intermediate_then_final_reach_every_member(
        db: Database, deadlines: Deadlines, access: AccessService, operator: Actor, clock: FakeClock) -> None:
    cases = CaseService(db, deadlines, clock, find_profanity=lambda _text: [])
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    ex = executor(dept)
    ids = []
    for i in range(3):
        ids.append(await new_case(cases, operator, clock, f"Нет горячей воды на Садовой, 12 ({i})"))
        clock.advance(minutes=5)
    incidents = IncidentService(db, deadlines, clock)
    incident = await incidents.merge(operator, ids)
    lead, m1, m2 = ids
    assert incident.lead_case_id == lead

    await cases.route(lead, operator, [dept])
    await cases.accept(lead, ex)
    await cases.submit_draft(lead, ex, DraftKind.INTERMEDIATE, "Проверяем, ответим завтра.", [])
    await cases.approve(lead, operator)
    assert [c.id for c in await incidents.propagate_approval(lead, operator)] == [m1, m2]
    assert await incidents.propagate_approval(lead, operator) == []          # the same text: given once
    for member in (m1, m2):
        case = await cases.get(member, scope=Scope.all())
        assert case.status == Status.APPROVED and case.approved_draft is not None
        assert case.approved_draft.kind == DraftKind.INTERMEDIATE

    clock.set(msk(2026, 12, 1, 17, 45))                  # member 2 publishes first, on Tuesday
    case2, _ = await cases.publish(m2, ex, "shot-m2-i", "u-m2-i")
    assert case2.status == Status.AWAITING_FINAL
    assert case2.open_deadline("final").due_at == msk(2026, 12, 2, 18, 0)      # its own: Wednesday
    clock.set(msk(2026, 12, 2, 9, 5))                    # the lead publishes on Wednesday: final due Thursday
    lead_case, _ = await cases.publish(lead, ex, "shot-lead-i", "u-lead-i")
    lead_final = lead_case.open_deadline("final")
    assert lead_final is not None and lead_final.due_at == msk(2026, 12, 3, 18, 0)
    case2 = await cases.get(m2, scope=Scope.all())
    assert case2.open_deadline("final").due_at == lead_final.due_at             # follows the lead's
    clock.set(msk(2026, 12, 3, 9, 10))                   # member 1 publishes on Thursday: own due would be Friday
    case1, _ = await cases.publish(m1, ex, "shot-m1-i", "u-m1-i")
    assert case1.status == Status.AWAITING_FINAL
    assert case1.open_deadline("final").due_at == lead_final.due_at
    # The final answer is prepared on the lead: whoever holds the lead's step owes every member's cl. 7.
    lead_case = await cases.get(lead, scope=Scope.all())
    d = case1.open_deadline("final")
    assert accountability.owners(case1, d, lead_case) == accountability.owners(lead_case, lead_final)
    await cases.submit_draft(lead, ex, DraftKind.ANSWER, "Горячая вода подана.", [])
    lead_case = await cases.get(lead, scope=Scope.all())
    assert accountability.owners(case1, d, lead_case) == (accountability.Party.operator(operator.user_id),)

    await cases.approve(lead, operator)
    assert [c.id for c in await incidents.propagate_approval(lead, operator)] == [m1, m2]
    assert await incidents.unpublished(incident.id) == ids
    for cid in ids:
        case, _ = await cases.publish(cid, ex, f"shot-{cid}-a", f"u-{cid}-a")
        assert case.status == Status.CLOSED
        assert [(p.kind, p.screenshot_unique_id) for p in case.publications] == [
            (DraftKind.INTERMEDIATE, f"u-{'lead' if cid == lead else 'm1' if cid == m1 else 'm2'}-i"),
            (DraftKind.ANSWER, f"u-{cid}-a")]
        final = [x for x in case.deadlines if x.rule == "final"]
        assert final and all(x.closed_at is not None and x.blame is None for x in final)
    assert await incidents.unpublished(incident.id) == []
    notices = await db.fetchall("SELECT case_id FROM outbox WHERE kind = 'draft_approved' ORDER BY id")
    assert [r[0] for r in notices] == [lead, m1, m2, lead, m1, m2]   # each post's department: twice


async def _clarification_published(cases: CaseService, operator: Actor, clock: FakeClock, dept: int,
                                   text: str) -> int:
    ex = executor(dept)
    case_id = await new_case(cases, operator, clock, text)
    await cases.route(case_id, operator, [dept])
    await cases.accept(case_id, ex)
    await cases.submit_draft(case_id, ex, DraftKind.CLARIFICATION, "Уточните, пожалуйста, адрес.", [])
    await cases.approve(case_id, operator)
    clock.advance(minutes=30)
    case, _ = await cases.publish(case_id, ex, f"shot-{case_id}", f"u-{case_id}")
    assert case.status == Status.AWAITING_AUTHOR
    return case_id


async def test_cl6_clarification_meets_the_answer_clock_and_after_wait_days_the_operator_closes_it(
        db: Database, deadlines: Deadlines, access: AccessService, operator: Actor, clock: FakeClock) -> None:
    from bot.domain.model import CLOSURE_CLARIFICATION, Outcome
    from bot.jobs.reminders import ReminderService
    from handlers.render import case_card
    from tests.conftest import MSK

    cases = CaseService(db, deadlines, clock, find_profanity=lambda _text: [])
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    case_id = await _clarification_published(cases, operator, clock, dept, "Где-то яма")   # published 10:30 Tue
    case = await cases.get(case_id, scope=Scope.all())
    answer = [d for d in case.deadlines if d.rule == "answer"]
    assert [d.outcome for d in answer] == [Outcome.MET]                  # the request meets cl. 6
    assert "Ждёт ответа автора с 01.12 10:30" in case_card(case, clock.now(), MSK)

    reminders = ReminderService(db, deadlines, clock, clarification_wait_days=3)
    assert (await reminders.run_due(msk(2026, 12, 4, 10, 29))).clarifications == 0    # Friday, a minute early
    assert (await reminders.run_due(msk(2026, 12, 4, 10, 30))).clarifications == 1    # 3 working days
    assert (await reminders.run_due(msk(2026, 12, 4, 11, 0))).clarifications == 0     # once
    rows = await db.fetchall("SELECT target_kind, target_id FROM outbox WHERE kind = 'clarification_overdue'")
    assert [(r[0], r[1]) for r in rows] == [("operator", operator.user_id)]

    clock.set(msk(2026, 12, 4, 11, 0))
    closed = await cases.close_no_reply(case_id, operator)
    assert closed.status == Status.CLOSED and closed.closure == CLOSURE_CLARIFICATION
    row = await db.fetchone("SELECT closure FROM cases WHERE id = ?", (case_id,))
    assert row["closure"] == "clarification_only"
    assert "closed_no_reply" in [e.kind for e in await cases.history(case_id)]


async def test_cl6_answer_without_clarification_starts_a_new_answer_clock(
        db: Database, deadlines: Deadlines, access: AccessService, operator: Actor, clock: FakeClock) -> None:
    from bot.jobs.reminders import ReminderService

    cases = CaseService(db, deadlines, clock, find_profanity=lambda _text: [])
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    case_id = await _clarification_published(cases, operator, clock, dept, "Не работает")
    reminders = ReminderService(db, deadlines, clock, clarification_wait_days=1)   # Wednesday 10:30
    assert (await reminders.run_due(msk(2026, 12, 2, 10, 30))).clarifications == 1
    clock.set(msk(2026, 12, 2, 11, 0))
    case = await cases.answer_anyway(case_id, operator)
    assert case.status == Status.IN_WORK and case.closure is None
    answer = case.open_deadline("answer")
    assert answer is not None and answer.started_at == clock.now() and answer.due_at == msk(2026, 12, 2, 15, 0)
    assert case.open_deadline("draft", dept) is not None
    ex = executor(dept)
    await cases.submit_draft(case_id, ex, DraftKind.ANSWER, "Исправили.", [])
    await cases.approve(case_id, operator)
    case, _ = await cases.publish(case_id, ex, "shot-a", "u-a")
    assert case.status == Status.CLOSED and case.closure == "answer"
    notices = await db.fetchall("SELECT target_id FROM outbox WHERE kind = 'answer_anyway'")
    assert [r[0] for r in notices] == [dept]
    assert (await reminders.run_due(msk(2026, 12, 3, 10, 30))).clarifications == 0


async def test_cl6_the_scheduler_wakes_at_the_moment_to_ask_about_an_unanswered_clarification(
        db: Database, deadlines: Deadlines, access: AccessService, operator: Actor, clock: FakeClock) -> None:
    """The next due moment includes the end of the wait for the author: the question goes out at that
    moment by the date job, not on the next safety tick; once asked, it is no longer a moment."""
    from datetime import UTC, datetime

    from bot.jobs.reminders import ReminderScheduler, ReminderService
    from bot.jobs.scheduler import Scheduler

    cases = CaseService(db, deadlines, clock, find_profanity=lambda _text: [])
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    await _clarification_published(cases, operator, clock, dept, "Где-то яма")      # published 10:30 Tue
    reminders = ReminderService(db, deadlines, clock, clarification_wait_days=3)
    scheduler = ReminderScheduler(reminders, Scheduler(clock), safety_seconds=3600)
    await scheduler.start()
    try:
        asked_at = msk(2026, 12, 4, 10, 30)                                  # Friday: 3 working days later
        assert await db.fetchall("SELECT id FROM deadlines WHERE closed_at IS NULL") == []   # no other moment
        assert scheduler.next_run == asked_at
        job = scheduler.scheduler.get_job(ReminderScheduler.JOB_ID)
        assert job is not None and job.next_run_time is not None
        expected = datetime.now(UTC) + (asked_at - clock.now())
        assert abs((job.next_run_time - expected).total_seconds()) < 5

        clock.set(asked_at)
        assert (await scheduler.tick()).clarifications == 1
        assert scheduler.next_run is None and scheduler.scheduler.get_job(ReminderScheduler.JOB_ID) is None
    finally:
        await scheduler.stop()
