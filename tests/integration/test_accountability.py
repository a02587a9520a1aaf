"""Who owes each clock, on real SQLite with a moving clock: reminders, expiry notices and the head's
escalation name the party that holds the step at that moment, and the miss is attributed to it."""

from __future__ import annotations

import json

from bot.delivery.sender import Notifier
from bot.domain.model import Actor, DraftKind, Role
from bot.fake_telegram import FakeSession
from bot.jobs.reminders import ReminderService
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from deadlines.rules import Deadlines
from storage.db import Database
from tests.conftest import ADMIN_ID, msk
from tests.integration.test_delivery import fake_time, notifier, session  # noqa: F401  (fixtures)
from tests.integration.test_reminders import simulate

HEAD_CHAT, DEPT_CHAT = -900, -1001


async def _case_with_department(cases: CaseService, access: AccessService, operator: Actor,
                                 clock: FakeClock) -> tuple[int, Actor]:
    dept = (await access.bind_department(ADMIN_ID, DEPT_CHAT, "ЖКХ", org_id=1)).id
    post = NewPost(platform="vk", text="Яма у школы", operator_id=operator.user_id, detected_at=clock.now())
    case_id = (await cases.register(post, operator)).case.id
    assert case_id is not None
    executor = Actor(201, Role.EXECUTOR, "Исполнитель", department_id=dept)
    clock.set(msk(2026, 12, 1, 10, 5))
    await cases.route(case_id, operator, [dept])
    clock.set(msk(2026, 12, 1, 10, 6))
    await cases.accept(case_id, executor)
    return case_id, executor


async def _blames(db: Database, case_id: int) -> dict[str, list[str]]:
    rows = await db.fetchall("SELECT rule, blame FROM deadlines WHERE case_id = ? AND blame IS NOT NULL", (case_id,))
    return {r["rule"]: json.loads(r["blame"]) for r in rows}


async def test_cl14_operator_sits_on_an_on_time_draft(db: Database, notifier: Notifier,  # noqa: F811
                                                      session: FakeSession,  # noqa: F811
                                                      cases: CaseService, access: AccessService, operator: Actor,
                                                      clock: FakeClock, deadlines: Deadlines) -> None:
    """The department sent its draft on time (cl. 13); the operator did not approve it (cl. 14): the
    department hears nothing more, the operator is reminded, and the head's escalation names the operator's
    step with the chain — the department's draft on time, the approval overdue."""
    case_id, executor = await _case_with_department(cases, access, operator, clock)
    svc = ReminderService(db, deadlines, clock)
    clock.set(msk(2026, 12, 1, 10, 10))
    await cases.submit_draft(case_id, executor, DraftKind.ANSWER, "Яму засыплют до пятницы.", [])
    await notifier.flush()
    session.clear()
    await simulate(svc, clock, msk(2026, 12, 1, 13, 30))          # answer due 13:00
    await notifier.flush()

    assert session.sent_texts(DEPT_CHAT) == []                      # nothing was the department's to do
    to_operator = session.sent_texts(operator.user_id)
    assert any("Напоминание" in t and "«ответ»" in t for t in to_operator)      # 2/3 of cl. 6, to the operator
    assert any("Срок истёк" in t and "«согласовать»" in t for t in to_operator)
    head = session.sent_texts(HEAD_CHAT)
    assert len(head) == 1
    text = head[0]
    assert "Отвечает: оператор Оператор Ольга" in text
    assert "ЖКХ: проект сдан 01.12 10:10 (в срок, п. 13)" in text
    assert "ждёт согласования: оператор Оператор Ольга, с 01.12 10:10 (срок п. 14 истёк 01.12 11:10)" in text
    assert "Отвечает: ЖКХ" not in text
    assert await _blames(db, case_id) == {"approval": [f"operator:{operator.user_id}"],
                                          "answer": [f"operator:{operator.user_id}"]}


async def test_cl13_department_late_with_its_draft_is_named(db: Database, notifier: Notifier,  # noqa: F811
                                                            session: FakeSession,  # noqa: F811
                                                            cases: CaseService, access: AccessService,
                                                            operator: Actor, clock: FakeClock,
                                                            deadlines: Deadlines) -> None:
    case_id, _ = await _case_with_department(cases, access, operator, clock)
    dept = (await access.departments(org_id=1))[0].id
    svc = ReminderService(db, deadlines, clock)
    session.clear()
    await simulate(svc, clock, msk(2026, 12, 1, 13, 30))
    await notifier.flush()

    dept_texts = session.sent_texts(DEPT_CHAT)
    assert any("Напоминание" in t and "«ответ»" in t for t in dept_texts)
    assert any("Срок истёк" in t and "«проект ответа»" in t for t in dept_texts)
    assert not any("«ответ»" in t for t in session.sent_texts(operator.user_id))    # not the operator's
    (text,) = session.sent_texts(HEAD_CHAT)
    assert "Отвечает: ЖКХ" in text
    assert "ЖКХ принял в работу 01.12 10:06 (в срок, п. 12)" in text
    assert "ЖКХ: готовит проект с 01.12 10:05 (срок п. 13 истёк 01.12 12:00)" in text
    assert await _blames(db, case_id) == {"draft": [f"department:{dept}"], "answer": [f"department:{dept}"]}


async def test_ownership_moving_mid_clock_moves_the_next_reminder(db: Database, notifier: Notifier,  # noqa: F811
                                                                  session: FakeSession,  # noqa: F811
                                                                  cases: CaseService, access: AccessService,
                                                                  operator: Actor, clock: FakeClock,
                                                                  deadlines: Deadlines) -> None:
    """The answer reminder was planned while the department held the step; it goes out after the draft
    reached the operator, so the operator gets it and the department does not."""
    case_id, executor = await _case_with_department(cases, access, operator, clock)
    svc = ReminderService(db, deadlines, clock)
    await svc.plan()
    clock.set(msk(2026, 12, 1, 11, 59))
    await cases.submit_draft(case_id, executor, DraftKind.ANSWER, "Засыплем.", [])
    await notifier.flush()
    session.clear()
    clock.set(msk(2026, 12, 1, 12, 0))                               # 2/3 of the answer clock
    await svc.run_due()
    await notifier.flush()
    assert any("«ответ»" in t for t in session.sent_texts(operator.user_id))
    assert session.sent_texts(DEPT_CHAT) == []
