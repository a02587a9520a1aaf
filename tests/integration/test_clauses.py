"""Each clause of the regulation walked through the services on a real SQLite database, the clock moved by hand."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.domain.errors import AccessDenied, InvalidTransition, ProfanityFound, ValidationFailed
from bot.domain.model import Actor, Case, DraftKind, Outcome, Role, Status
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from deadlines.rules import Deadlines
from storage.connect import open_database
from storage.db import INTEGRITY_ERRORS
from storage.outbox import OutboxRepository
from tests.conftest import ADMIN_ID, msk
from tests.support.backend import db_target


async def departments(access: AccessService, *names: str) -> list[int]:
    ids = []
    for i, name in enumerate(names):
        dept = await access.bind_department(ADMIN_ID, -1000 - i, name, org_id=1)
        ids.append(dept.id)
    return ids


def executor(dept_id: int, user_id: int = 200) -> Actor:
    return Actor(user_id + dept_id, Role.EXECUTOR, f"Исполнитель {dept_id}", department_id=dept_id)


async def new_case(cases: CaseService, operator: Actor, clock: FakeClock, text: str = "Во дворе яма",
                   link: str | None = None) -> Case:
    post = NewPost(platform="vk", text=text, operator_id=operator.user_id, detected_at=clock.now(), link=link,
                   link_norm=link)
    return (await cases.register(post, operator)).case


def due(case: Case, rule: str, dept: int | None = None):  # type: ignore[no-untyped-def]
    d = case.open_deadline(rule, dept)
    assert d is not None, f"no open {rule} deadline"
    return d.due_at


def outcome(case: Case, rule: str) -> Outcome | None:
    closed = [d for d in case.deadlines if d.rule == rule and not d.is_open]
    return closed[-1].outcome if closed else None


async def test_cl6_answer_within_3_working_hours_of_detection(cases: CaseService, operator: Actor,
                                                               clock: FakeClock) -> None:
    clock.set(msk(2026, 12, 1, 10, 0))
    case = await new_case(cases, operator, clock)
    assert due(case, "answer") == msk(2026, 12, 1, 13, 0)
    clock.set(msk(2026, 12, 4, 17, 30))             # Friday evening: 30 minutes today, the rest on Monday
    case = await new_case(cases, operator, clock, "Другой пост")
    assert due(case, "answer") == msk(2026, 12, 7, 11, 30)


async def test_cl9_route_within_30_minutes_and_urgent_shortens_answer(cases: CaseService, access: AccessService,
                                                                      operator: Actor, clock: FakeClock) -> None:
    (d1,) = await departments(access, "ЖКХ")
    case = await new_case(cases, operator, clock)
    assert due(case, "route") == msk(2026, 12, 1, 10, 30)
    case = await cases.set_urgent(case.id, operator, True)  # type: ignore[arg-type]
    assert due(case, "answer") == msk(2026, 12, 1, 12, 0)
    clock.advance(minutes=20)
    case = await cases.route(case.id, operator, [d1])  # type: ignore[arg-type]
    assert outcome(case, "route") == Outcome.MET
    assert case.status == Status.ROUTED
    assert due(case, "draft", d1) == msk(2026, 12, 1, 11, 0)   # urgent answer 12:00 minus one working hour


async def test_cl12_department_declines_within_30_minutes_back_to_operator(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock) -> None:
    (d1,) = await departments(access, "ЖКХ")
    case = await new_case(cases, operator, clock)
    clock.advance(minutes=10)
    case = await cases.route(case.id, operator, [d1])  # type: ignore[arg-type]
    assert due(case, "decline", d1) == msk(2026, 12, 1, 10, 40)
    clock.advance(minutes=45)                          # too late: the miss is recorded against the department
    case = await cases.decline(case.id, executor(d1), "Это вопрос регионального министерства")  # type: ignore[arg-type]
    assert case.status == Status.NEW
    missed = [d for d in case.deadlines if d.rule == "decline"][0]
    assert missed.outcome == Outcome.MISSED and missed.department_id == d1
    assert due(case, "route") == msk(2026, 12, 1, 11, 25)   # the operator routes it again
    pending = await OutboxRepository().due(cases.db.conn, clock.now())
    assert any(i.notice.kind == "declined" and i.notice.payload["reason"].startswith("Это вопрос")
               for i in pending)


async def test_cl13_draft_one_working_hour_before_answer_deadline(cases: CaseService, access: AccessService,
                                                                  operator: Actor, clock: FakeClock) -> None:
    (d1,) = await departments(access, "ЖКХ")
    case = await new_case(cases, operator, clock)
    case = await cases.route(case.id, operator, [d1])  # type: ignore[arg-type]
    assert due(case, "draft", d1) == msk(2026, 12, 1, 12, 0)
    case = await cases.accept(case.id, executor(d1))  # type: ignore[arg-type]
    clock.advance(minutes=90)
    case, draft = await cases.submit_draft(case.id, executor(d1), DraftKind.ANSWER,  # type: ignore[arg-type]
                                           "Яму заделаем до пятницы.", [])
    assert outcome(case, "draft") == Outcome.MET
    assert draft.author_id == executor(d1).user_id            # cl. 20: who wrote it
    assert case.status == Status.ON_APPROVAL


async def test_cl14_operator_approves_within_1_hour(cases: CaseService, access: AccessService, operator: Actor,
                                                    clock: FakeClock) -> None:
    case = await _in_work(cases, access, operator, clock)
    d1 = case.assignments[0].department_id
    clock.set(msk(2026, 12, 1, 11, 0))
    case, _ = await cases.submit_draft(case.id, executor(d1), DraftKind.ANSWER, "Ответ", [])  # type: ignore[arg-type]
    assert due(case, "approval") == msk(2026, 12, 1, 12, 0)
    clock.advance(minutes=30)
    case = (await cases.approve(case.id, operator)).case  # type: ignore[arg-type]
    assert outcome(case, "approval") == Outcome.MET
    assert case.status == Status.APPROVED


async def test_cl15_returned_draft_comes_back_within_30_minutes(cases: CaseService, access: AccessService,
                                                                operator: Actor, clock: FakeClock) -> None:
    case = await _in_work(cases, access, operator, clock)
    d1 = case.assignments[0].department_id
    case, _ = await cases.submit_draft(case.id, executor(d1), DraftKind.ANSWER, "Ответ", [])  # type: ignore[arg-type]
    clock.advance(minutes=10)
    case = await cases.return_draft(case.id, operator, "Укажите сроки ремонта")  # type: ignore[arg-type]
    assert case.status == Status.REWORK
    assert due(case, "rework", d1) == msk(2026, 12, 1, 10, 40)
    clock.advance(minutes=20)
    case, draft = await cases.submit_draft(case.id, executor(d1), DraftKind.ANSWER,  # type: ignore[arg-type]
                                           "Ремонт до 5 декабря", [])
    assert outcome(case, "rework") == Outcome.MET and draft.version == 2
    assert case.drafts[0].comment == "Укажите сроки ремонта"


async def test_cl16_publish_within_10_minutes_with_screenshot(cases: CaseService, access: AccessService,
                                                             operator: Actor, clock: FakeClock) -> None:
    case = await _in_work(cases, access, operator, clock)
    d1 = case.assignments[0].department_id
    case, _ = await cases.submit_draft(case.id, executor(d1), DraftKind.ANSWER, "Ответ", [])  # type: ignore[arg-type]
    clock.set(msk(2026, 12, 1, 12, 55))
    case = (await cases.approve(case.id, operator)).case  # type: ignore[arg-type]
    assert due(case, "publish", d1) == msk(2026, 12, 1, 14, 5)   # lunch pauses the clock
    clock.set(msk(2026, 12, 1, 14, 0))
    case, pub = await cases.publish(case.id, executor(d1), "photo-id", "uniq-1",  # type: ignore[arg-type]
                                    "https://vk.com/wall-1_2?reply=5")
    assert case.status == Status.CLOSED and pub.screenshot_unique_id == "uniq-1"
    assert outcome(case, "publish") == Outcome.MET
    assert not case.open_deadlines()
    pending = await OutboxRepository().due(cases.db.conn, clock.now())
    assert any(i.notice.kind == "published" and i.notice.payload["file_id"] == "photo-id" for i in pending)


async def test_cl7_intermediate_answer_opens_final_deadline_end_of_next_working_day(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock) -> None:
    clock.set(msk(2026, 12, 4, 10, 0))                 # Friday
    case = await _in_work(cases, access, operator, clock)
    d1 = case.assignments[0].department_id
    case, _ = await cases.submit_draft(case.id, executor(d1), DraftKind.INTERMEDIATE,  # type: ignore[arg-type]
                                       "Проводим проверку, ответим дополнительно.", [])
    case = (await cases.approve(case.id, operator)).case  # type: ignore[arg-type]
    clock.advance(minutes=5)
    case, _ = await cases.publish(case.id, executor(d1), "p", "u")  # type: ignore[arg-type]
    assert case.status == Status.AWAITING_FINAL
    assert outcome(case, "answer") == Outcome.MET
    assert due(case, "final") == msk(2026, 12, 7, 18, 0)   # Monday, the next working day, at closing time
    with pytest.raises(ValidationFailed):
        await cases.submit_draft(case.id, executor(d1), DraftKind.INTERMEDIATE, "Ещё", [])  # type: ignore[arg-type]
    case, _ = await cases.submit_draft(case.id, executor(d1), DraftKind.ANSWER, "Окончательный ответ", [])  # type: ignore[arg-type]
    case = (await cases.approve(case.id, operator)).case  # type: ignore[arg-type]
    case, _ = await cases.publish(case.id, executor(d1), "p2", "u2")  # type: ignore[arg-type]
    assert case.status == Status.CLOSED and outcome(case, "final") == Outcome.MET


async def test_clarification_restarts_answer_clock_on_authors_reply(cases: CaseService, access: AccessService,
                                                                    operator: Actor, clock: FakeClock) -> None:
    case = await _in_work(cases, access, operator, clock)
    d1 = case.assignments[0].department_id
    case, _ = await cases.submit_draft(case.id, executor(d1), DraftKind.CLARIFICATION,  # type: ignore[arg-type]
                                       "Уточните адрес, пожалуйста.", [])
    case = (await cases.approve(case.id, operator)).case  # type: ignore[arg-type]
    case, _ = await cases.publish(case.id, executor(d1), "p", "u")  # type: ignore[arg-type]
    assert case.status == Status.AWAITING_AUTHOR and not case.open_deadlines()
    clock.set(msk(2026, 12, 2, 15, 0))
    case = await cases.author_reply(case.id, operator, "ул. Ленина, 5")  # type: ignore[arg-type]
    assert case.status == Status.IN_WORK
    assert due(case, "answer") == msk(2026, 12, 2, 18, 0)   # 15:00 + 3 working hours: exactly at closing
    assert due(case, "draft", d1) == msk(2026, 12, 2, 17, 0)


async def test_cl17_several_departments_send_information_operator_composes(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock) -> None:
    d1, d2 = await departments(access, "ЖКХ", "Дороги")
    case = await new_case(cases, operator, clock)
    case = await cases.route(case.id, operator, [d1, d2])  # type: ignore[arg-type]
    assert case.status == Status.COLLECTING and case.multi
    assert due(case, "info", d1) == due(case, "info", d2) == msk(2026, 12, 1, 12, 0)
    for d in (d1, d2):
        case = await cases.accept(case.id, executor(d))  # type: ignore[arg-type]
    with pytest.raises(InvalidTransition):
        await cases.submit_draft(case.id, executor(d1), DraftKind.ANSWER, "Ответ", [])  # type: ignore[arg-type]
    case = await cases.submit_info(case.id, executor(d1), "Подрядчик назначен", [])  # type: ignore[arg-type]
    clock.advance(minutes=30)
    case = await cases.submit_info(case.id, executor(d2), "Асфальт 10 декабря", [])  # type: ignore[arg-type]
    assert not case.open_deadline("info", d1) and not case.open_deadline("info", d2)
    case = await cases.compose(case.id, operator, DraftKind.ANSWER,  # type: ignore[arg-type]
                               "Подрядчик назначен, асфальт уложат 10 декабря.", [])
    assert case.status == Status.APPROVED
    with pytest.raises(AccessDenied):
        await cases.publish(case.id, executor(d1), "p", "u")  # type: ignore[arg-type]
    case, _ = await cases.publish(case.id, operator, "p", "u")  # type: ignore[arg-type]
    assert case.status == Status.CLOSED


async def test_cl19_profane_draft_is_refused_with_the_words(cases: CaseService, access: AccessService,
                                                           operator: Actor, clock: FakeClock) -> None:
    case = await _in_work(cases, access, operator, clock)
    d1 = case.assignments[0].department_id
    with pytest.raises(ProfanityFound) as err:
        await cases.submit_draft(case.id, executor(d1), DraftKind.ANSWER,  # type: ignore[arg-type]
                                 "Вы все д е б и л ы, ждите", [])
    assert err.value.words
    case = await cases.get(case.id, scope=Scope.all())  # type: ignore[arg-type]
    assert case.status == Status.IN_WORK and not case.drafts
    history = await cases.history(case.id)  # type: ignore[arg-type]
    assert history[-1].refused and history[-1].payload["code"] == "profanity"


async def test_cl21_significant_post_goes_to_head(cases: CaseService, operator: Actor, clock: FakeClock) -> None:
    case = await new_case(cases, operator, clock)
    case = await cases.mark_significant(case.id, operator)  # type: ignore[arg-type]
    assert case.significant
    pending = await OutboxRepository().due(cases.db.conn, clock.now())
    assert [i.notice.target_kind for i in pending if i.notice.kind == "significant"] == ["head"]


async def test_cl1_59fz_excluded_and_reopened(cases: CaseService, operator: Actor, clock: FakeClock) -> None:
    case = await new_case(cases, operator, clock)
    case = await cases.exclude(case.id, operator)  # type: ignore[arg-type]
    assert case.status == Status.EXCLUDED and not case.open_deadlines()
    clock.advance(minutes=5)
    case = await cases.reopen(case.id, operator)  # type: ignore[arg-type]
    assert case.status == Status.NEW and due(case, "route") == msk(2026, 12, 1, 10, 35)


async def test_cl3_same_post_reported_twice_joins_open_case(cases: CaseService, operator: Actor,
                                                            clock: FakeClock) -> None:
    first = await new_case(cases, operator, clock, link="https://vk.com/wall-1_2")
    post = NewPost(platform="vk", text="тот же пост", operator_id=operator.user_id, detected_at=clock.now(),
                   link="https://m.vk.com/wall-1_2", link_norm="https://vk.com/wall-1_2")
    again = await cases.register(post, operator)
    assert again.duplicate and again.case.id == first.id
    assert (await cases.history(first.id))[-1].kind == "duplicate_reported"  # type: ignore[arg-type]


async def test_cl11_audit_trail_is_append_only(cases: CaseService, operator: Actor, clock: FakeClock) -> None:
    case = await new_case(cases, operator, clock)
    with pytest.raises(INTEGRITY_ERRORS):
        await cases.db.conn.execute("UPDATE events SET kind = 'x' WHERE case_id = ?", (case.id,))
    with pytest.raises(INTEGRITY_ERRORS):
        await cases.db.conn.execute("DELETE FROM events WHERE case_id = ?", (case.id,))
    stranger = Actor(999, Role.EXECUTOR, "Чужой", department_id=12345)
    with pytest.raises(AccessDenied):
        await cases.accept(case.id, stranger)  # type: ignore[arg-type]
    history = await cases.history(case.id)  # type: ignore[arg-type]
    assert [e.kind for e in history] == ["registered", "refused:accepted"]
    assert history[-1].refused and history[-1].actor_id == 999


async def test_case_numbers_are_sequential_per_year(cases: CaseService, operator: Actor, clock: FakeClock) -> None:
    a = await new_case(cases, operator, clock, "один")
    b = await new_case(cases, operator, clock, "два")
    assert (a.number, b.number) == ("2026-0001", "2026-0002")


async def test_two_executors_accept_at_once_one_wins(tmp_path: Path, deadlines: Deadlines, clock: FakeClock,
                                                     operator: Actor) -> None:
    """Two processes (two connections to one SQLite file) press "Принять в работу" together."""
    path = tmp_path / "shared.sqlite3"
    db1, db2 = await open_database(await db_target(path)), await open_database(await db_target(path))
    try:
        s1, s2 = CaseService(db1, deadlines, clock), CaseService(db2, deadlines, clock)
        access = AccessService(db1, clock, admin_ids=[ADMIN_ID], operator_ids=[], head_chat_id=None)
        (d1,) = await departments(access, "ЖКХ")
        case = await new_case(s1, operator, clock)
        await s1.route(case.id, operator, [d1])  # type: ignore[arg-type]
        a, b = Actor(301, Role.EXECUTOR, "А", department_id=d1), Actor(302, Role.EXECUTOR, "Б", department_id=d1)
        results = await asyncio.gather(s1.accept(case.id, a), s2.accept(case.id, b),  # type: ignore[arg-type]
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], InvalidTransition), results
        final = await s1.get(case.id, scope=Scope.all())  # type: ignore[arg-type]
        assert final.assignment(d1).accepted_by in (301, 302)  # type: ignore[union-attr]
        kinds = [e.kind for e in await s1.history(case.id)]  # type: ignore[arg-type]
        assert kinds.count("accepted") == 1 and kinds.count("refused:accepted") == 1
    finally:
        await db1.close()
        await db2.close()


async def _in_work(cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock) -> Case:
    (d1,) = await departments(access, "ЖКХ")
    case = await new_case(cases, operator, clock)
    case = await cases.route(case.id, operator, [d1])  # type: ignore[arg-type]
    return await cases.accept(case.id, executor(d1))  # type: ignore[arg-type]
