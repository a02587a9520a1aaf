"""Retention (152-ФЗ, docs/security.md): finished cases older than RETENTION_MONTHS are anonymised — only their
personal fields, once, never an open case — and the audit trail stays append-only for everything else."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.domain.model import Actor, DraftKind, Media, Role, Status
from bot.domain.orgs import Scope
from bot.domain.retention import PERSONAL_KEYS, REDACTED_FILE_ID
from bot.jobs.retention import RETENTION_JOB, retention_job
from bot.jobs.scheduler import Scheduler
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from bot.services.kpis import Report
from bot.services.periods import parse_period
from bot.services.reports import ReportService
from bot.services.retention import RetentionService
from deadlines.calendar import WorkCalendar
from storage.connect import open_database
from storage.db import INTEGRITY_ERRORS, Database, _split_sql, load_migrations, sha256_hex
from storage.retention import RUN_EVENT
from tests.conftest import ADMIN_ID, MSK, msk
from tests.support.harness import make_harness

LINK = "https://vk.com/wall-1_2"
CITIZEN = "Иванов Иван, ул. Ленина 5, кв. 12: во дворе яма, телефон 8-900-000-00-00"
#: Columns that hold personal data, by table: only these may change for an anonymised case.
PERSONAL_COLUMNS = {
    "cases": {"text", "author", "link", "link_norm", "media", "anonymised_at", "version"},
    "drafts": {"text", "media", "comment"},
    "publications": {"screenshot_file_id", "screenshot_unique_id", "link"},
    "case_departments": {"declined_reason"},
    "events": {"payload"},
    "outbox": {"payload"},
}
TABLES = ("cases", "case_departments", "drafts", "publications", "deadlines", "events", "outbox", "case_messages",
          "albums", "surges", "surge_cases", "incidents", "incident_cases", "fsm_state")
FORGOTTEN = ("case_messages", "albums", "fsm_state")


def executor(dept_id: int) -> Actor:
    return Actor(200 + dept_id, Role.EXECUTOR, f"Исполнитель {dept_id}", department_id=dept_id)


async def closed_case(cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock) -> int:
    """A case through every step that stores a citizen's words: intake with author, link and photos, a
    duplicate report, a decline with a reason, a draft with media returned with a comment, a publication."""
    d1 = (await access.bind_department(ADMIN_ID, -1001, "ЖКХ", org_id=1)).id
    d2 = (await access.bind_department(ADMIN_ID, -1002, "Дороги", org_id=1)).id
    post = NewPost(platform="vk", text=CITIZEN, operator_id=operator.user_id, detected_at=clock.now(), link=LINK,
                   link_norm=LINK, author="Иван Иванов", media=(Media("photo", "AgAD-photo", "uniq-photo"),),
                   album_key="100:555", card_chat=operator.user_id)
    case = (await cases.register(post, operator)).case
    assert case.id is not None
    await cases.remember_message(case.id, operator.user_id, 77, "card")
    await cases.register(NewPost(platform="vk", text="тот же пост, Иванов", operator_id=operator.user_id,
                                 detected_at=clock.now(), link=LINK, link_norm=LINK), operator)
    await cases.route(case.id, operator, [d1])
    clock.advance(minutes=5)
    await cases.decline(case.id, executor(d1), "Это к дорожникам, Иванов живёт на Ленина 5")
    await cases.route(case.id, operator, [d2])
    await cases.accept(case.id, executor(d2))
    clock.advance(minutes=10)
    await cases.submit_draft(case.id, executor(d2), DraftKind.ANSWER, "Уважаемый Иван, яму заделаем",
                             [Media("photo", "AgAD-draft", "uniq-draft")])
    await cases.return_draft(case.id, operator, "Не называйте Ивана по имени")
    await cases.submit_draft(case.id, executor(d2), DraftKind.ANSWER, "Яму заделаем до пятницы", [])
    await cases.approve(case.id, operator)
    case, _ = await cases.publish(case.id, executor(d2), "AgAD-screen", "uniq-screen", LINK + "?reply=9")
    assert case.status == Status.CLOSED
    return case.id


#: Each table's primary key: a row's identity before and after a run on either backend (PostgreSQL has no rowid).
KEYS = {"case_departments": ("case_id", "department_id"), "case_messages": ("chat_id", "message_id"),
        "albums": ("album_key",), "surge_cases": ("surge_id", "case_id"), "incident_cases": ("incident_id", "case_id"),
        "fsm_state": ("key",)}


async def dump(db: Database) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for table in TABLES:
        key = KEYS.get(table, ("id",))
        rows = await db.fetchall(f"SELECT * FROM {table}")  # noqa: S608
        out[table] = {"|".join(str(r[k]) for k in key): {k: r[k] for k in r.keys()} for r in rows}
    return out


def case_of(table: str, row: dict[str, Any]) -> int | None:
    if table == "fsm_state":
        return json.loads(row["data"]).get("case_id")
    return row["id"] if table == "cases" else row.get("case_id")


async def half_way_dialogue(db: Database, user_id: int, case_id: int | None) -> None:
    """What the FSM storage keeps while someone types a draft for a case."""
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO fsm_state (key, state, data) VALUES (?, 'Prompt:draft_text', ?)",
                           (f"42:{user_id}:{user_id}", json.dumps({"case_id": case_id, "text": "Иванов, ул. Мира"}, ensure_ascii=False)))


@pytest.fixture
def retention(db: Database, clock: FakeClock) -> RetentionService:
    return RetentionService(db, clock, MSK, 36)


async def test_closed_case_after_retention_months_loses_only_its_personal_fields(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock, db: Database,
        retention: RetentionService) -> None:
    old = await closed_case(cases, access, operator, clock)
    open_case = (await cases.register(NewPost(platform="ok", text="Открытое: Петров, ул. Мира 1", author="Петров",
                                              operator_id=operator.user_id, detected_at=clock.now()),
                                      operator)).case
    await half_way_dialogue(db, 301, old)
    await half_way_dialogue(db, 302, open_case.id)
    before = await dump(db)
    clock.advance(days=3 * 365 + 2)                 # 36 months and a day after the case was closed
    done = await retention.run()
    after = await dump(db)
    assert (done.cases, done.drafts, done.publications) == (1, 2, 1)
    assert done.messages == 3 and done.events > 0 and done.outbox > 0

    for table in TABLES:
        for rid, row in before[table].items():
            new = after[table].get(rid)
            if new is None:                                 # forgotten: only the old case's remembered messages
                assert table in FORGOTTEN and case_of(table, row) == old
                continue
            changed = {k for k in row if row[k] != new[k]}
            if case_of(table, row) != old:
                assert not changed, (table, row, new)       # the open case and everything else: untouched
            else:
                assert changed <= PERSONAL_COLUMNS.get(table, set()), (table, changed)
        if table == "events":                               # appended: the one audit event of the run
            added = [after[table][rid] for rid in after[table].keys() - before[table].keys()]
            assert [(e["kind"], e["case_id"], e["actor_role"]) for e in added] == [(RUN_EVENT, None, "system")]
            assert json.loads(added[0]["payload"])["cases"] == 1
        else:
            assert after[table].keys() <= before[table].keys()

    # events and outbox of the old case: the same keys, personal values gone, the rest as it was
    for table in ("events", "outbox"):
        for rid, row in before[table].items():
            if case_of(table, row) != old:
                continue
            was, now = json.loads(row["payload"]), json.loads(after[table][rid]["payload"])
            assert was.keys() == now.keys()
            assert {k: v for k, v in was.items() if k not in PERSONAL_KEYS} == \
                   {k: v for k, v in now.items() if k not in PERSONAL_KEYS}
    everything = json.dumps(after, ensure_ascii=False, default=str)
    for personal in ("Иванов", "Ивана", "Ленина 5", "AgAD-photo", "AgAD-draft", "AgAD-screen", "uniq-screen",
                     "wall-1_2", "Иван Иванов"):
        assert personal not in everything.replace("Иванов, ул. Мира", ""), personal   # the open case's dialogue
    assert "Петров" in everything and "Иванов, ул. Мира" in everything      # the open case keeps its data

    case = await cases.get(old, scope=Scope.all())
    assert case.text == texts.ANONYMISED and case.author is None and case.link is None and case.media == []
    assert all(d.text == texts.ANONYMISED and not d.media for d in case.drafts)
    assert case.publications[0].screenshot_file_id == REDACTED_FILE_ID
    # numbers, dates, departments, deadlines, blame and outcomes as they were
    assert case.number == "2026-0001" and case.status == Status.CLOSED
    assert await cases.case_for_message(operator.user_id, 77, scope=Scope.all()) is None
    assert (await cases.get(open_case.id, scope=Scope.all())).text.startswith("Открытое")  # type: ignore[arg-type]


async def test_second_run_changes_nothing(cases: CaseService, access: AccessService, operator: Actor,
                                          clock: FakeClock, db: Database, retention: RetentionService) -> None:
    await closed_case(cases, access, operator, clock)
    clock.advance(days=3 * 365 + 2)
    await retention.run()
    first = await dump(db)
    clock.advance(days=1)
    again = await retention.run()
    second = await dump(db)
    assert again.as_payload() == {k: 0 for k in again.as_payload()}
    new_events = second["events"].keys() - first["events"].keys()
    assert [second["events"][rid]["kind"] for rid in new_events] == [RUN_EVENT]
    second["events"] = {rid: e for rid, e in second["events"].items() if rid not in new_events}
    assert second == first


async def test_case_finished_less_than_retention_months_ago_is_untouched(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock, db: Database,
        retention: RetentionService) -> None:
    await closed_case(cases, access, operator, clock)
    clock.advance(days=3 * 365 - 10)                # 35 months and some days
    before = await dump(db)
    done = await retention.run()
    after = await dump(db)
    assert done.cases == 0
    added = after["events"].keys() - before["events"].keys()
    assert len(added) == 1
    after["events"] = {rid: e for rid, e in after["events"].items() if rid not in added}
    assert after == before


async def test_ordinary_update_or_delete_of_the_audit_trail_still_fails(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock, db: Database,
        retention: RetentionService) -> None:
    old = await closed_case(cases, access, operator, clock)
    clock.advance(days=3 * 365 + 2)
    await retention.run()
    conn = db.conn
    for sql in ("UPDATE events SET payload = '{}' WHERE case_id = ?", "UPDATE events SET kind = 'x' WHERE case_id = ?",
                "DELETE FROM events WHERE case_id = ?"):
        with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
            await conn.execute(sql, (old,))
    with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
        await conn.execute("UPDATE events SET payload = '{}' WHERE case_id IS NULL")


async def test_inside_the_anonymisation_only_personal_keys_of_a_finished_case_may_change(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock, db: Database) -> None:
    old = await closed_case(cases, access, operator, clock)
    open_id = (await cases.register(NewPost(platform="vk", text="открытое", operator_id=operator.user_id,
                                            detected_at=clock.now()), operator)).case.id
    with pytest.raises(INTEGRITY_ERRORS, match="only a finished case"):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO retention_scope (case_id) VALUES (?)", (open_id,))
    row = await db.fetchone("SELECT id, payload FROM events WHERE case_id = ? AND kind = 'declined'", (old,))
    assert row is not None
    payload = json.loads(row["payload"])
    attempts = {
        "another column": ("UPDATE events SET actor_id = 5 WHERE id = ?", ()),
        "a kept key": ("UPDATE events SET payload = ? WHERE id = ?", (json.dumps({**payload, "from": "x"}),)),
        "a key removed": ("UPDATE events SET payload = ? WHERE id = ?",
                          (json.dumps({k: v for k, v in payload.items() if k != "reason"}),)),
        "a key added": ("UPDATE events SET payload = ? WHERE id = ?", (json.dumps({**payload, "extra": 1}),)),
    }
    for what, (sql, params) in attempts.items():
        with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO retention_scope (case_id) VALUES (?)", (old,))
                await conn.execute(sql, (*params, row["id"]))
        assert (await db.fetchone("SELECT payload FROM events WHERE id = ?", (row["id"],)))[0] == row["payload"], what
    async with db.transaction() as conn:             # the personal key alone: allowed inside the scope
        await conn.execute("INSERT INTO retention_scope (case_id) VALUES (?)", (old,))
        await conn.execute("UPDATE events SET payload = ? WHERE id = ?",
                           (json.dumps({**payload, "reason": "x"}), row["id"]))
        await conn.execute("DELETE FROM retention_scope")
    assert json.loads((await db.fetchone("SELECT payload FROM events WHERE id = ?", (row["id"],)))[0])["reason"] == "x"


async def test_kpis_and_xlsx_figures_are_the_same_before_and_after_anonymisation(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock, db: Database,
        calendar: WorkCalendar, retention: RetentionService) -> None:
    from openpyxl import load_workbook

    await closed_case(cases, access, operator, clock)
    await cases.register(NewPost(platform="ok", text="Открытое", operator_id=operator.user_id,
                                 detected_at=clock.now()), operator)
    clock.advance(days=3 * 365 + 2)
    reports = ReportService(db, calendar, clock, MSK, person_name=access.person_name)
    period = parse_period("2026-12", clock.now(), MSK)

    async def figures() -> tuple[Report, dict[str, list[tuple[Any, ...]]]]:
        report = await reports.build(period, scope=Scope.all())
        files = await reports.files(period, scope=Scope.all())
        wb = load_workbook(io.BytesIO(files.xlsx), read_only=True)
        sheets = {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}
        # the cases sheet ends with the link and the text: the personal columns
        sheets[texts.XLSX_SHEET_CASES] = [row[:-2] for row in sheets[texts.XLSX_SHEET_CASES]]
        return report, sheets           # every figure of the report: KPIs, days, misses, who missed

    before = await figures()
    assert (await retention.run()).cases == 1
    assert await figures() == before
    assert before[0].total.kpi.received == 2 and before[0].total.answer_minutes


async def test_the_daily_job_catches_up_at_start_and_never_runs_a_day_twice(
        cases: CaseService, access: AccessService, operator: Actor, clock: FakeClock, db: Database,
        retention: RetentionService) -> None:
    old = await closed_case(cases, access, operator, clock)
    clock.set(msk(2029, 12, 5, 12, 0))              # down at 04:30 today: the run is owed
    scheduler = Scheduler(clock)
    scheduler.start()
    try:
        retention_job(retention).start(scheduler)
        assert scheduler.moment_of(RETENTION_JOB) == msk(2029, 12, 5, 4, 30)
        await scheduler.fire(RETENTION_JOB)
        assert (await cases.get(old, scope=Scope.all())).text == texts.ANONYMISED
        assert scheduler.moment_of(RETENTION_JOB) == msk(2029, 12, 6, 4, 30)
        runs = await db.fetchall("SELECT at FROM events WHERE kind = ?", (RUN_EVENT,))
        assert len(runs) == 1
        # a restart the same day: the moment is set again, but the audit trail shows it ran
        restarted = Scheduler(clock)
        restarted.start()
        try:
            retention_job(retention).start(restarted)
            await restarted.fire(RETENTION_JOB)
        finally:
            await restarted.stop()
        assert len(await db.fetchall("SELECT at FROM events WHERE kind = ?", (RUN_EVENT,))) == 1
        clock.advance(timedelta(days=1))
        await scheduler.fire(RETENTION_JOB)           # the next day's run is made
        assert len(await db.fetchall("SELECT at FROM events WHERE kind = ?", (RUN_EVENT,))) == 2
    finally:
        await scheduler.stop()


async def test_a_large_backlog_goes_in_batches_each_audited(cases: CaseService, operator: Actor, clock: FakeClock,
                                                           db: Database) -> None:
    ids = []
    for i in range(5):
        case = (await cases.register(NewPost(platform="vk", text=f"Сидоров {i}", author="Сидоров",
                                             operator_id=operator.user_id, detected_at=clock.now()), operator)).case
        await cases.dismiss(case.id, operator)  # type: ignore[arg-type]
        ids.append(case.id)
    clock.advance(days=3 * 365 + 2)
    done = await RetentionService(db, clock, MSK, 36, batch=2).run()
    assert done.cases == 5
    runs = [json.loads(r[0]) for r in await db.fetchall("SELECT payload FROM events WHERE kind = ? ORDER BY id",
                                                        (RUN_EVENT,))]
    assert [r["cases"] for r in runs] == [2, 2, 1] and {r["months"] for r in runs} == {36}
    assert [(await cases.get(i, scope=Scope.all())).author for i in ids] == [None] * 5  # type: ignore[arg-type]


async def test_old_delivered_notices_of_no_case_are_anonymised_pending_and_recent_ones_kept(
        operator: Actor, clock: FakeClock, db: Database, retention: RetentionService) -> None:
    sent = clock.now()
    async with db.transaction() as conn:
        for key, sent_at in (("old", sent), ("pending", None)):
            await conn.execute(
                "INSERT INTO outbox (kind, target_kind, target_id, payload, dedup_key, created_at, next_attempt_at, "
                "sent_at) VALUES ('chat_text', 'chat', -900, ?, ?, ?, ?, ?)",
                (json.dumps({"text": "Сводка: Иванов, ул. Ленина 5"}, ensure_ascii=False), key, sent.isoformat(), sent.isoformat(),
                 sent_at.isoformat() if sent_at else None))
    clock.advance(days=3 * 365 + 2)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO outbox (kind, target_kind, target_id, payload, dedup_key, created_at, next_attempt_at, "
            "sent_at) VALUES ('chat_text', 'chat', -900, ?, 'recent', ?, ?, ?)",
            (json.dumps({"text": "Сводка: Петров"}), clock.now().isoformat(), clock.now().isoformat(),
             clock.now().isoformat()))
    assert (await retention.run()).outbox == 1
    texts_by_key = {r[0]: json.loads(r[1])["text"]
                    for r in await db.fetchall("SELECT dedup_key, payload FROM outbox")}
    assert texts_by_key == {"old": texts.ANONYMISED, "pending": "Сводка: Иванов, ул. Ленина 5",
                            "recent": "Сводка: Петров"}


async def test_a_surge_topic_and_an_incident_title_go_when_all_their_cases_are_anonymised(
        cases: CaseService, operator: Actor, clock: FakeClock, db: Database, retention: RetentionService) -> None:
    async def case(text: str) -> int:
        registered = await cases.register(NewPost(platform="vk", text=text, operator_id=operator.user_id,
                                                  detected_at=clock.now()), operator)
        assert registered.case.id is not None
        return registered.case.id

    old, other_old, third_old = [await case(f"ул. Ленина 5, {i}") for i in range(3)]
    still_open = await case("Ленина 5")
    for c in (old, other_old, third_old):
        await cases.dismiss(c, operator)
    now = clock.now().isoformat()
    async with db.transaction() as conn:
        for surge_id, members in ((1, (old, other_old)), (2, (third_old, still_open))):
            await conn.execute("INSERT INTO surges (id, reason, topic, created_at, updated_at) "
                               "VALUES (?, 'address', 'ленина 5', ?, ?)", (surge_id, now, now))
            await conn.executemany("INSERT INTO surge_cases (surge_id, case_id, added_at) VALUES (?,?,?)",
                                   [(surge_id, m, now) for m in members])
            await conn.execute("INSERT INTO incidents (id, lead_case_id, surge_id, title, created_by, created_at) "
                               "VALUES (?, ?, ?, 'Яма на Ленина 5', ?, ?)", (surge_id, members[0], surge_id,
                                                                               operator.user_id, now))
            await conn.executemany("INSERT INTO incident_cases (incident_id, case_id, added_at) VALUES (?,?,?)",
                                   [(surge_id, m, now) for m in members])
    clock.advance(days=3 * 365 + 2)
    assert (await retention.run()).surges == 2
    topics = {r[0]: r[1] for r in await db.fetchall("SELECT id, topic FROM surges")}
    titles = {r[0]: r[1] for r in await db.fetchall("SELECT id, title FROM incidents")}
    assert topics == {1: texts.ANONYMISED, 2: "ленина 5"}            # surge 2 has a case still open
    assert titles == {1: texts.ANONYMISED, 2: "Яма на Ленина 5"}


async def test_the_app_starts_the_retention_job_on_its_scheduler(tmp_path: Path, clock: FakeClock) -> None:
    h = await make_harness(tmp_path, clock, retention_months=12)
    try:
        await h.app.start_background()
        assert h.app.retention is not None and h.app.retention.months == 12
        assert h.app.scheduler.moment_of(RETENTION_JOB) == msk(2026, 12, 1, 4, 30)     # caught up at start
        await h.app.scheduler.fire(RETENTION_JOB)
        assert await h.app.db.fetchone("SELECT 1 FROM events WHERE kind = ?", (RUN_EVENT,)) is not None
        assert h.app.scheduler.moment_of(RETENTION_JOB) == msk(2026, 12, 2, 4, 30)
    finally:
        await h.app.close()


@pytest.mark.sqlite_only      # builds a SQLite file of the schema before 0012 and upgrades it (PostgreSQL starts at 0016)
async def test_a_database_of_the_previous_schema_upgrades_and_its_old_cases_are_anonymised(
        tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_function("sha256_hex", 1, sha256_hex, deterministic=True)     # as Database.open registers it
    for number, _, sql in load_migrations()[:11]:           # the schema before 0012, with a closed case in it
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    at = clock.now().isoformat()
    conn.execute("INSERT INTO cases (id, number, year, seq, status, platform, author, text, detected_at, operator_id, "
                 "created_at, updated_at, closed_at) VALUES (1, '2026-0001', 2026, 1, 'closed', 'vk', 'Иванов', "
                 "'Иванов, Ленина 5', ?, 100, ?, ?, ?)", (at, at, at, at))
    conn.execute("INSERT INTO events (case_id, at, actor_id, actor_role, kind, payload) VALUES "
                 "(1, ?, 100, 'operator', 'duplicate_reported', ?)",
                 (at, json.dumps({"text": "Иванов", "link": "https://vk.com/x", "actor_name": "Оля"})))
    conn.close()
    db = await open_database(path)
    try:
        assert await db.schema_version() == len(load_migrations())
        with pytest.raises(INTEGRITY_ERRORS, match="append-only"):
            await db.execute("UPDATE events SET payload = '{}'")
        clock.advance(days=3 * 365 + 2)
        assert (await RetentionService(db, clock, MSK, 36).run()).events == 1
        row = await db.fetchone("SELECT payload FROM events WHERE case_id = 1")
        assert json.loads(row[0]) == {"text": texts.ANONYMISED, "link": texts.ANONYMISED,  # type: ignore[index]
                                      "actor_name": "Оля"}
    finally:
        await db.close()


async def test_a_failed_run_is_told_to_the_admins_once_and_made_the_next_day(
        cases: CaseService, operator: Actor, clock: FakeClock, db: Database, retention: RetentionService,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case = (await cases.register(NewPost(platform="vk", text="Иванов", operator_id=operator.user_id,
                                         detected_at=clock.now()), operator)).case
    await cases.dismiss(case.id, operator)  # type: ignore[arg-type]
    clock.set(msk(2029, 12, 5, 12, 0))
    real_due = retention.repo.due_cases

    async def broken(*args: Any) -> list[int]:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(retention.repo, "due_cases", broken)
    scheduler = Scheduler(clock)
    scheduler.start()
    try:
        retention_job(retention).start(scheduler)
        await scheduler.fire(RETENTION_JOB)
        alerts = await db.fetchall("SELECT target_kind, payload FROM outbox WHERE kind = 'admin_alert'")
        assert len(alerts) == 1 and alerts[0][0] == "admins"
        text = json.loads(alerts[0][1])["text"]
        assert "Обезличивание старых сообщений не выполнено" in text and "disk I/O error" in text
        assert "05.12.2026" in text                             # what is still kept: closed before the cutoff
        assert (await cases.get(case.id, scope=Scope.all())).text == "Иванов"  # type: ignore[arg-type]
        monkeypatch.setattr(retention.repo, "due_cases", real_due)
        clock.advance(days=1)
        await scheduler.fire(RETENTION_JOB)
        assert (await cases.get(case.id, scope=Scope.all())).text == texts.ANONYMISED  # type: ignore[arg-type]
    finally:
        await scheduler.stop()
