"""Reminders and escalations on a real SQLite database with the injected clock (time never sleeps).

`simulate` plays the scheduler: it jumps the clock to the next due moment the service reports and runs
what is due, exactly what the one APScheduler date job does in production.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.model import Actor, DraftKind, Role
from bot.domain.orgs import Scope
from bot.jobs.reminders import ReminderScheduler, ReminderService
from bot.jobs.scheduler import Scheduler
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from bot.services.workdays import WorkdayService
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from storage.codec import dt_req
from storage.connect import open_database
from storage.db import Database
from tests.conftest import ADMIN_ID, MSK, msk
from tests.support.backend import db_target

HEAD = Actor(7, Role.HEAD, "Глава")


@pytest.fixture
def reminders(db: Database, deadlines: Deadlines, clock: FakeClock) -> ReminderService:
    return ReminderService(db, deadlines, clock)


def executor(dept_id: int) -> Actor:
    return Actor(200 + dept_id, Role.EXECUTOR, f"Исполнитель {dept_id}", department_id=dept_id)


async def new_case(cases: CaseService, operator: Actor, clock: FakeClock, text: str = "Во дворе яма") -> int:
    post = NewPost(platform="vk", text=text, operator_id=operator.user_id, detected_at=clock.now())
    case = (await cases.register(post, operator)).case
    assert case.id is not None
    return case.id


async def simulate(svc: ReminderService, clock: FakeClock, until: datetime) -> None:
    """Advance the clock from one due moment to the next, running what is due, up to ``until``."""
    while True:
        await svc.plan()
        nxt = await svc.next_due()
        if nxt is None or nxt > until:
            clock.set(until)
            return
        clock.set(max(nxt, clock.now()))
        await svc.run_due()


async def queued(db: Database, *kinds: str) -> list[tuple[str, str, str, int]]:
    """(local time HH:MM dd.mm, kind, rule, case id) of queued reminder notices, in order."""
    kinds = kinds or ("reminder", "expired", "escalation")
    rows = await db.fetchall(
        f"SELECT kind, created_at, payload, case_id FROM outbox WHERE kind IN ({','.join('?' * len(kinds))}) "
        "ORDER BY id", kinds)
    import json

    return [(dt_req(r["created_at"]).astimezone(MSK).strftime("%d.%m %H:%M"), r["kind"],
             json.loads(r["payload"])["rule"], r["case_id"]) for r in rows]


async def test_a_working_day_of_several_cases(db: Database, cases: CaseService, access: AccessService,
                                              operator: Actor, clock: FakeClock, reminders: ReminderService,
                                              calendar: WorkCalendar) -> None:
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    clock.set(msk(2026, 12, 1, 9, 0))                      # Tuesday
    a = await new_case(cases, operator, clock, "Яма во дворе")
    await simulate(reminders, clock, msk(2026, 12, 1, 9, 25))
    await cases.route(a, operator, [dept])                  # in time: no expiry for the route
    await simulate(reminders, clock, msk(2026, 12, 1, 9, 40))
    await cases.accept(a, executor(dept))                   # decline clock closed, draft clock runs
    await simulate(reminders, clock, msk(2026, 12, 1, 12, 40))
    b = await new_case(cases, operator, clock, "Не горит фонарь")   # 20 minutes before lunch
    await simulate(reminders, clock, msk(2026, 12, 1, 16, 30))
    c = await new_case(cases, operator, clock, "Мусор не вывезен")  # late afternoon
    await simulate(reminders, clock, msk(2026, 12, 1, 16, 40))
    await cases.route(c, operator, [dept])
    await simulate(reminders, clock, msk(2026, 12, 2, 12, 0))

    log = await queued(db)
    assert log == [
        ("01.12 09:20", "reminder", "route", a),        # 2/3 of 30 min, to the operator
        ("01.12 10:28", "reminder", "draft", a),        # draft due 11:00 (answer − 1 h): 2/3 of 95 min
        ("01.12 11:00", "reminder", "answer", a),       # 2/3 of 3 working hours
        ("01.12 11:00", "expired", "draft", a),         # the department missed the draft (cl. 13)
        ("01.12 12:00", "expired", "answer", a),        # cl. 6 missed …
        ("01.12 12:00", "escalation", "answer", a),     # … and the head hears of it
        ("01.12 14:00", "reminder", "route", b),        # 13:00 is lunch: after it, not during it
        ("01.12 14:10", "expired", "route", b),         # route misses are not escalated by default
        ("01.12 15:40", "reminder", "answer", b),
        ("01.12 16:40", "expired", "answer", b),
        ("01.12 16:40", "escalation", "answer", b),
        ("01.12 17:00", "reminder", "decline", c),      # routed 16:40 (before its route reminder)
        ("01.12 17:10", "expired", "decline", c),
        ("01.12 17:53", "reminder", "draft", c),        # 73 of its 110 working minutes
        ("02.12 09:30", "reminder", "answer", c),       # nothing at night: 90 min today, 30 tomorrow
        ("02.12 09:30", "expired", "draft", c),
        ("02.12 10:30", "expired", "answer", c),
        ("02.12 10:30", "escalation", "answer", c),
    ]
    for when, _, _, _ in log:                                # nobody woken at night or at lunch
        moment = datetime.strptime(f"2026.{when}", "%Y.%d.%m %H:%M").replace(tzinfo=MSK)
        assert calendar.is_working_time(moment), when
    keys = [r["dedup_key"] for r in await db.fetchall("SELECT dedup_key FROM outbox WHERE dedup_key IS NOT NULL")]
    assert len(keys) == len(set(keys))


async def test_cl6_missed_answer_goes_to_the_head(db: Database, cases: CaseService, access: AccessService,
                                                  operator: Actor, clock: FakeClock,
                                                  reminders: ReminderService) -> None:
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    case_id = await new_case(cases, operator, clock)          # Tuesday 10:00: answer due 13:00
    await cases.route(case_id, operator, [dept])
    await cases.accept(case_id, executor(dept))
    await simulate(reminders, clock, msk(2026, 12, 1, 13, 5))
    row = await db.fetchone("SELECT * FROM outbox WHERE kind = 'escalation'")
    assert row is not None and row["target_kind"] == "head" and row["dedup_key"].startswith("escalation:")
    events = [e.kind for e in await cases.history(case_id)]
    assert "deadline_missed" in events


async def test_cl7_missed_final_answer_goes_to_the_head(db: Database, cases: CaseService, access: AccessService,
                                                        operator: Actor, clock: FakeClock,
                                                        reminders: ReminderService) -> None:
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    case_id = await new_case(cases, operator, clock)
    await cases.route(case_id, operator, [dept])
    ex = executor(dept)
    await cases.accept(case_id, ex)
    cases.find_profanity = lambda text: []                    # cl. 19 is tested elsewhere
    await cases.submit_draft(case_id, ex, DraftKind.INTERMEDIATE, "Проверяем, ответим завтра", [])
    await cases.approve(case_id, operator)
    await cases.publish(case_id, ex, "file-1", "u-1")          # final due: end of the next working day
    await simulate(reminders, clock, msk(2026, 12, 3, 9, 0))
    rows = await queued(db, "escalation")
    assert [(t, r) for t, _, r, _ in rows] == [("02.12 18:00", "final")]


async def test_escalated_rules_are_configurable(db: Database, cases: CaseService, operator: Actor,
                                                clock: FakeClock, deadlines: Deadlines) -> None:
    svc = ReminderService(db, deadlines, clock, escalate={"route", "answer", "final"})
    await new_case(cases, operator, clock)
    await simulate(svc, clock, msk(2026, 12, 1, 10, 35))
    assert [r for _, _, r, _ in await queued(db, "escalation")] == ["route"]


async def test_closed_step_is_not_reminded(db: Database, cases: CaseService, access: AccessService,
                                           operator: Actor, clock: FakeClock, reminders: ReminderService) -> None:
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    case_id = await new_case(cases, operator, clock)
    clock.set(msk(2026, 12, 1, 10, 5))
    await cases.route(case_id, operator, [dept])
    await simulate(reminders, clock, msk(2026, 12, 1, 10, 45))
    assert ("reminder", "route") not in {(k, r) for _, k, r, _ in await queued(db)}


async def test_restart_in_the_middle_catches_up_once_and_says_late(tmp_path: Path, deadlines: Deadlines,
                                                                    clock: FakeClock, operator: Actor) -> None:
    path = tmp_path / "restart.sqlite3"
    db = await open_database(await db_target(path))
    cases = CaseService(db, deadlines, clock)
    clock.set(msk(2026, 12, 1, 10, 0))
    await new_case(cases, operator, clock)                    # route reminder 10:20, expiry 10:30
    first = ReminderScheduler(ReminderService(db, deadlines, clock), Scheduler(clock))
    await first.start()
    assert first.next_run == msk(2026, 12, 1, 10, 20)
    assert first.scheduler.get_job(ReminderScheduler.JOB_ID) is not None
    await first.stop()
    await db.close()                                          # the process dies at 10:10 …

    clock.set(msk(2026, 12, 1, 10, 25))                       # … and comes back at 10:25
    db = await open_database(await db_target(path))
    second = ReminderScheduler(ReminderService(db, deadlines, clock), Scheduler(clock))
    result = await second.start()                             # rebuild + catch-up
    assert result.reminders == 1
    row = await db.fetchone("SELECT * FROM outbox WHERE kind = 'reminder'")
    assert row is not None and '"late": true' in row["payload"]
    assert second.next_run == msk(2026, 12, 1, 10, 30)
    assert (await second.tick()).queued == 0                  # nothing twice
    # even if the database lost the mark, the outbox dedup key keeps it once
    await db.execute("UPDATE deadlines SET reminded_at = NULL")
    assert (await second.service.run_due()).reminders == 0
    assert (await db.fetchone("SELECT COUNT(*) FROM outbox WHERE kind = 'reminder'"))[0] == 1  # type: ignore[index]
    await second.stop()
    await db.close()


async def test_catch_up_at_night_waits_for_the_morning(db: Database, cases: CaseService, operator: Actor,
                                                       clock: FakeClock, reminders: ReminderService) -> None:
    clock.set(msk(2026, 12, 1, 17, 0))
    await new_case(cases, operator, clock)                    # route reminder 17:20
    await reminders.plan()
    clock.set(msk(2026, 12, 1, 23, 0))                        # the bot was down until 23:00
    result = await reminders.run_due()
    assert result.deferred and result.queued == 0
    assert await reminders.next_due() == msk(2026, 12, 2, 9, 0)
    clock.set(msk(2026, 12, 2, 9, 0))
    result = await reminders.run_due()
    assert result.expired == 1 and result.reminders == 0      # the route expired at 17:30: no stale reminder


async def test_urgent_replans_the_answer(db: Database, cases: CaseService, operator: Actor, clock: FakeClock,
                                         reminders: ReminderService) -> None:
    case_id = await new_case(cases, operator, clock)          # 10:00: answer 13:00, reminder 12:00
    await reminders.plan()
    await cases.set_urgent(case_id, operator, True)           # answer 12:00, reminder at 2/3 of 2 h = 11:20
    assert await reminders.plan() >= 1
    row = await db.fetchone("SELECT remind_at FROM deadlines WHERE rule = 'answer' AND closed_at IS NULL")
    assert row is not None and dt_req(row[0]) == msk(2026, 12, 1, 11, 20)


async def test_cl8_declared_working_saturday(tmp_path: Path, db: Database, cases: CaseService, operator: Actor,
                                             clock: FakeClock, deadlines: Deadlines,
                                             reminders: ReminderService) -> None:
    replanned: list[bool] = []

    async def on_change() -> None:
        replanned.append(True)
        await reminders.plan(full=True)

    workdays = WorkdayService(db, clock, deadlines.calendar, tmp_path / "calendar.json", on_change=on_change)
    clock.set(msk(2026, 12, 4, 12, 0))                        # Friday
    assert await workdays.declare(HEAD, date(2026, 12, 5))
    assert replanned and workdays.declared() == [date(2026, 12, 5)]
    assert '"2026-12-05"' in (tmp_path / "calendar.json").read_text()
    clock.set(msk(2026, 12, 4, 17, 40))
    await new_case(cases, operator, clock)                    # route due Saturday 09:10
    await simulate(reminders, clock, msk(2026, 12, 7, 12, 0))
    log = await queued(db)
    assert [(t, k, r) for t, k, r, _ in log][:2] == [("05.12 09:00", "reminder", "route"),
                                                     ("05.12 09:10", "expired", "route")]
    history = await db.fetchall("SELECT kind, case_id, actor_role FROM events WHERE kind = 'workday_declared'")
    assert [(r["kind"], r["case_id"], r["actor_role"]) for r in history] == [("workday_declared", None, "head")]


async def test_cl8_only_head_or_admin_declares(tmp_path: Path, db: Database, clock: FakeClock,
                                               deadlines: Deadlines) -> None:
    from bot.domain.errors import AccessDenied, ValidationFailed

    workdays = WorkdayService(db, clock, deadlines.calendar, tmp_path / "calendar.json")
    with pytest.raises(AccessDenied):
        await workdays.declare(Actor(100, Role.OPERATOR), date(2026, 12, 5))
    with pytest.raises(ValidationFailed):
        await workdays.declare(HEAD, date(2026, 12, 2))       # Wednesday is already working
    assert await workdays.edit(Actor(ADMIN_ID, Role.ADMIN), "regional_days_off", date(2026, 12, 2))
    assert not deadlines.calendar.is_working_day(date(2026, 12, 2))
    assert await workdays.edit(Actor(ADMIN_ID, Role.ADMIN), "regional_days_off", date(2026, 12, 2), remove=True)
    assert deadlines.calendar.is_working_day(date(2026, 12, 2))



async def test_cl9_new_case_plans_its_route_reminder_at_once(db: Database, cases: CaseService, operator: Actor,
                                                             reminders: ReminderService, clock: FakeClock) -> None:
    """Registering a case wakes the scheduler (on_commit): the 30-minute route clock's reminder is
    planned immediately, not by the one-minute safety job."""
    scheduler = ReminderScheduler(reminders, Scheduler(clock), safety_seconds=3600)
    cases.set_on_commit(scheduler.resync)
    await scheduler.start()
    try:
        assert scheduler.next_run is None
        await new_case(cases, operator, clock)
        assert scheduler._resync_task is not None
        await scheduler._resync_task
        assert scheduler.next_run is not None and scheduler.next_run - clock.now() < timedelta(minutes=30)
        job = scheduler.scheduler.get_job(ReminderScheduler.JOB_ID)
        assert job is not None
    finally:
        await scheduler.stop()


# ---- section 4 of issue 11: terms people decide (cl. 8 per case, a date declared working) -----------

async def test_cl8_per_case_decision_at_19_runs_the_answer_clock_on_calendar_time(
        db: Database, cases: CaseService, operator: Actor, clock: FakeClock, reminders: ReminderService) -> None:
    clock.set(msk(2026, 12, 1, 17, 30))                       # Tuesday, half an hour before closing
    a = await new_case(cases, operator, clock, "Прорыв трубы, заливает подъезд")
    b = await new_case(cases, operator, clock, "Не горит фонарь")
    await simulate(reminders, clock, msk(2026, 12, 1, 19, 0))
    case = await cases.work_off_hours(a, HEAD, None)          # the head: work on it tonight, until closed
    # 30 working minutes were used before 18:00; the other 150 run on the plain clock from 19:00.
    assert case.open_deadline("answer").due_at == msk(2026, 12, 1, 21, 30)  # type: ignore[union-attr]
    assert (await cases.get(b, scope=Scope.all())).open_deadline("answer").due_at == msk(2026, 12, 2, 11, 30)  # type: ignore[union-attr]
    await simulate(reminders, clock, msk(2026, 12, 2, 8, 59))
    night = [(t, k, r, c) for t, k, r, c in await queued(db) if t >= "01.12 19:00" or t.startswith("02.12")]
    assert night == [("01.12 20:10", "reminder", "answer", a), ("01.12 21:30", "expired", "answer", a),
                     ("01.12 21:30", "escalation", "answer", a)]
    events = await db.fetchall("SELECT kind, actor_role, payload FROM events WHERE kind = 'off_hours_declared'")
    assert [(r["kind"], r["actor_role"]) for r in events] == [("off_hours_declared", "head")]
    assert '"until": "closed"' in events[0]["payload"]


async def test_cl8_per_case_decision_until_a_moment_then_working_time(
        cases: CaseService, operator: Actor, clock: FakeClock) -> None:
    clock.set(msk(2026, 12, 1, 17, 30))
    a = await new_case(cases, operator, clock)
    clock.set(msk(2026, 12, 1, 19, 0))
    case = await cases.work_off_hours(a, HEAD, msk(2026, 12, 1, 20, 0))    # one evening hour only
    # 30 min before 18:00, 60 min 19:00–20:00, the remaining 90 from the next opening.
    assert case.open_deadline("answer").due_at == msk(2026, 12, 2, 10, 30)  # type: ignore[union-attr]


async def test_cl8_per_case_decision_ended_at_20_runs_the_rest_from_the_next_morning(
        db: Database, cases: CaseService, operator: Actor, clock: FakeClock, reminders: ReminderService) -> None:
    clock.set(msk(2026, 12, 1, 17, 30))                       # Tuesday, half an hour before closing
    a = await new_case(cases, operator, clock, "Прорыв трубы, заливает подъезд")
    await simulate(reminders, clock, msk(2026, 12, 1, 19, 0))
    await cases.work_off_hours(a, HEAD, None)                 # 19:00: work on it tonight, until closed
    await simulate(reminders, clock, msk(2026, 12, 1, 20, 0))
    case = await cases.end_off_hours(a, HEAD)                  # 20:00: ☀️ working time again
    # 30 working minutes before 18:00, 60 on the plain clock 19:00–20:00, the other 90 from 09:00.
    assert case.open_deadline("answer").due_at == msk(2026, 12, 2, 10, 30)  # type: ignore[union-attr]
    assert not case.on_calendar_time(clock.now())
    await simulate(reminders, clock, msk(2026, 12, 2, 12, 0))
    answer = [(t, k) for t, k, r, c in await queued(db) if c == a and r == "answer"]
    # no notice at night any more: the answer clock's reminder and expiry come in working time next day
    assert answer == [("02.12 09:50", "reminder"), ("02.12 10:30", "expired"), ("02.12 10:30", "escalation")]
    assert not [t for t, _, _, c in await queued(db) if c == a and "01.12 20:00" <= t < "02.12 09:00"]
    events = await db.fetchall("SELECT kind, actor_role FROM events WHERE kind LIKE 'off_hours%' ORDER BY id")
    assert [(r["kind"], r["actor_role"]) for r in events] == [("off_hours_declared", "head"),
                                                                ("off_hours_ended", "head")]


async def test_cl8_only_head_or_admin_decides_per_case(db: Database, cases: CaseService, operator: Actor,
                                                       clock: FakeClock) -> None:
    from bot.domain.errors import AccessDenied

    a = await new_case(cases, operator, clock)
    with pytest.raises(AccessDenied):
        await cases.work_off_hours(a, operator, None)
    assert (await cases.get(a, scope=Scope.all())).calendar_since is None
    refused = await db.fetchall("SELECT kind FROM events WHERE refused = 1")
    assert [r["kind"] for r in refused] == ["refused:off_hours_declared"]


async def test_cl8_declaring_saturday_working_moves_open_deadlines_and_back(
        tmp_path: Path, db: Database, cases: CaseService, operator: Actor, clock: FakeClock, deadlines: Deadlines,
        reminders: ReminderService) -> None:
    async def on_change() -> None:
        await reminders.plan(full=True)

    workdays = WorkdayService(db, clock, deadlines.calendar, tmp_path / "calendar.json", on_change=on_change,
                              recompute=cases.recompute_open)
    clock.set(msk(2026, 12, 4, 17, 0))                        # Friday
    a = await new_case(cases, operator, clock)
    await reminders.plan()

    async def answer() -> tuple[datetime, datetime]:
        row = await db.fetchone("SELECT due_at, remind_at FROM deadlines WHERE case_id = ? AND rule = 'answer'", (a,))
        assert row is not None
        return dt_req(row[0]).astimezone(MSK), dt_req(row[1]).astimezone(MSK)

    assert (await answer())[0] == msk(2026, 12, 7, 11, 0)     # Monday
    assert await workdays.declare(HEAD, date(2026, 12, 5))
    due, remind = await answer()
    assert due == msk(2026, 12, 5, 11, 0)                     # Saturday, declared working
    assert remind.date() == date(2026, 12, 5)                 # the reminder follows
    moved = await db.fetchall("SELECT payload FROM events WHERE kind = 'deadlines_recomputed' AND case_id = ?", (a,))
    assert len(moved) == 1 and '"answer"' in moved[0]["payload"]
    assert await workdays.declare(HEAD, date(2026, 12, 5), remove=True)
    due, remind = await answer()
    assert due == msk(2026, 12, 7, 11, 0)
    assert remind.date() == date(2026, 12, 7)


async def test_cl13_16_approval_reminder_comes_before_the_latest_useful_approval(
        db: Database, cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock,
        reminders: ReminderService) -> None:
    dept = (await access.bind_department(ADMIN_ID, -1001, "Отдел ЖКХ", org_id=1)).id
    case_id = await new_case(cases, operator, clock)          # Tuesday 10:00: answer due 13:00
    await cases.route(case_id, operator, [dept])
    ex = executor(dept)
    await cases.accept(case_id, ex)
    cases.find_profanity = lambda text: []
    clock.set(msk(2026, 12, 1, 12, 0))                        # the draft at the last allowed moment (cl. 13)
    await cases.submit_draft(case_id, ex, DraftKind.ANSWER, "Яму заделают завтра", [])
    await simulate(reminders, clock, msk(2026, 12, 1, 12, 55))
    approval = [(t, k) for t, k, r, _ in await queued(db) if r == "approval"]
    # Approval due 13:00 (cl. 14), but the answer must be out by 13:00: approve by 12:50 —
    # the reminder falls at 2/3 of those 50 minutes (12:33), not of the hour (12:40).
    assert approval == [("01.12 12:33", "reminder")]
    row = await db.fetchone("SELECT due_at, expire_at FROM deadlines WHERE rule = 'approval'")
    assert dt_req(row["due_at"]) == msk(2026, 12, 1, 13, 0) == dt_req(row["expire_at"])
    payload = await db.fetchone("SELECT payload FROM outbox WHERE kind = 'draft_for_approval'")
    assert "approve_by" in payload["payload"]
