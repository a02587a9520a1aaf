"""Incidents (cl. 21) and clarifications (cl. 6, 7, 13) on a real SQLite database with a moving clock."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.domain import accountability
from bot.domain.model import Actor, DraftKind, Role, Status
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
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ")).id
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
        case = await cases.get(member)
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
    case2 = await cases.get(m2)
    assert case2.open_deadline("final").due_at == lead_final.due_at             # follows the lead's
    clock.set(msk(2026, 12, 3, 9, 10))                   # member 1 publishes on Thursday: own due would be Friday
    case1, _ = await cases.publish(m1, ex, "shot-m1-i", "u-m1-i")
    assert case1.status == Status.AWAITING_FINAL
    assert case1.open_deadline("final").due_at == lead_final.due_at
    # The final answer is prepared on the lead: whoever holds the lead's step owes every member's cl. 7.
    lead_case = await cases.get(lead)
    d = case1.open_deadline("final")
    assert accountability.owners(case1, d, lead_case) == accountability.owners(lead_case, lead_final)
    await cases.submit_draft(lead, ex, DraftKind.ANSWER, "Горячая вода подана.", [])
    lead_case = await cases.get(lead)
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
