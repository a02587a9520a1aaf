"""Issue 14: an existing (one-district) database becomes organisation no. 1 on upgrade, tested on a copy of a
database with history.

The history is a real day of the bot (cases closed, on approval, returned for rework, declined and re-routed,
new, excluded; drafts, publications, deadlines with blame, events, departments, places, the head's group,
invites), copied row by row into a database built at the previous schema (migrations up to 0014, as
tests/integration/test_retention.py builds one), with the operators and officials it had and the head's
chat in kv where 0014 kept it. ``Database.open`` then migrates it: everything is organisation no. 1, the
numbers, the audit trail and the KPIs are unchanged, the foreign keys hold, and new cases continue the
numbering."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.domain.model import Actor, Role
from bot.domain.orgs import DEFAULT_ORG, Scope
from bot.runtime.clock import FakeClock
from bot.services.cases import NewPost
from storage.connect import open_database
from storage.db import _split_sql, load_migrations, sha256_hex
from storage.kpi_queries import ANSWER_TIMES_SQL, DAILY_SQL, KPI_SQL, ORG_FILTER, PARTY_SQL, scoped
from storage.scoping import SCOPED_TABLES
from tests.conftest import msk
from tests.integration.test_handlers import draft_for_approval, route_to
from tests.support.harness import (
    ADMIN,
    DEPT_A_CHAT,
    DEPT_B_CHAT,
    EXEC_A,
    EXEC_B,
    HEAD_CHAT,
    OPERATOR,
    Harness,
    bound_harness,
)
from tests.support.orgs import a_case_published

# SQLite only: upgrades a SQLite file of schema 0014 to 0016 (PostgreSQL starts at the 0016 baseline)
pytestmark = pytest.mark.sqlite_only

PREVIOUS = 14                       # the schema before organisations (0015)
KPI_QUERIES = {"kpi": KPI_SQL, "party": PARTY_SQL, "answer_times": ANSWER_TIMES_SQL, "daily": DAILY_SQL}
PERIOD = {"start": "2026-11-01T00:00:00", "end": "2027-01-01T00:00:00", "now": "2026-12-02T12:00:00+00:00"}


async def _history(h: Harness) -> None:
    """A working day of a district through the bot: every state a case of the past can be in."""
    await a_case_published(h)                                            # 2026-0001: closed, answer published
    await h.say(OPERATOR, "Яма на дороге у школы, ул. Мира, 3")           # 2026-0002: declined, re-routed
    await route_to(h, "Отдел ЖКХ")
    await h.press(EXEC_A, DEPT_A_CHAT, "Не наша компетенция")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "Это дорога")
    await route_to(h, "Дорожный отдел")
    await h.press(EXEC_B, DEPT_B_CHAT, "Принять в работу")
    await h.say(OPERATOR, "Не горит фонарь на ул. Садовой, 7")            # 2026-0003: returned for rework
    await route_to(h, "Отдел ЖКХ")
    await draft_for_approval(h, "Ответ", "Фонарь заменим.")
    await h.press(OPERATOR, OPERATOR, "На доработку")
    await h.say(OPERATOR, "Уточните сроки замены")
    await h.say(OPERATOR, "Реклама ремонта квартир")                     # 2026-0004: excluded (59-ФЗ)
    await h.press(OPERATOR, OPERATOR, "59-ФЗ")
    await h.say(OPERATOR, "Когда откроют каток?")                        # 2026-0005: new, its clocks run out
    await h.say_in(HEAD_CHAT, ADMIN, "/bind_head", chat_title="Глава")     # the head's group, bound (kv in 0014)
    await h.say(ADMIN, "/places add ул. Школьная")
    await h.say(ADMIN, "/invite")
    await h.say(ADMIN, "/invite_official")
    h.clock.set(msk(2026, 12, 1, 18, 0))                                # clocks ran out: blame fixed
    assert h.app.reminders is not None
    await h.app.reminders.service.plan()
    await h.app.reminders.service.run_due()
    await h.app.notifier.flush()


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _build_previous(source: Path, target: Path) -> None:
    """A database at schema 0014 holding the history of ``source`` (every table 0014 has, its own columns),
    the operators and officials of the time, and the head's group in kv as 0014 kept it."""
    conn = sqlite3.connect(target, isolation_level=None)
    conn.create_function("sha256_hex", 1, sha256_hex, deterministic=True)
    for number, _, sql in load_migrations()[:PREVIOUS]:
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")
    tables = [r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        conn.execute(f"DELETE FROM main.{table}") if table != "events" else None   # seeded rows of 0014, if any
        columns = [c for c in _columns(conn, "main", table) if c in _columns(conn, "src", table)]
        names = ", ".join(columns)
        conn.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM src.{table}")  # noqa: S608  names from the schema
    head = conn.execute("SELECT head_chat_id FROM src.organisations WHERE id = 1").fetchone()[0]
    assert head is not None, "the history binds the head's group"
    conn.execute("INSERT OR REPLACE INTO main.kv (key, value) VALUES ('head_chat_id', ?)", (str(head),))
    conn.execute("INSERT INTO main.operators (user_id, full_name, added_by, added_at, active) VALUES "
                 "(120, 'Ольга Операторова', 1, '2026-11-20T09:00:00+00:00', 1), "
                 "(121, 'Бывший Оператор', 1, '2026-11-20T09:00:00+00:00', 0)")
    conn.execute("INSERT INTO main.officials (user_id, full_name, added_by, added_at, active) VALUES "
                 "(700, 'Заместитель Главы', 1, '2026-11-20T09:00:00+00:00', 1)")
    conn.execute("COMMIT")
    conn.execute("DETACH DATABASE src")
    conn.close()


def _snapshot(path: Path, *, previous: bool) -> dict[str, Any]:
    """What must not change: every case's number, the audit trail byte for byte, the KPIs (the previous
    version's queries: the same SQL without the organisation filter)."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {
            "numbers": conn.execute("SELECT id, number, year, seq, status FROM cases ORDER BY id").fetchall(),
            "events": conn.execute("SELECT * FROM events ORDER BY id").fetchall(),
            "deadlines": conn.execute("SELECT * FROM deadlines ORDER BY id").fetchall(),
            "drafts": conn.execute("SELECT * FROM drafts ORDER BY id").fetchall(),
            "publications": conn.execute("SELECT * FROM publications ORDER BY id").fetchall(),
            "departments": conn.execute("SELECT id, name, chat_id, keywords, archived FROM departments "
                                        "ORDER BY id").fetchall(),
            "places": conn.execute("SELECT id, kind, type, name, place_key FROM places ORDER BY id").fetchall(),
            "invites": conn.execute("SELECT token, role FROM invites ORDER BY token").fetchall(),
        }
        for name, sql in KPI_QUERIES.items():
            if previous:
                query, params = sql.replace(ORG_FILTER, "1"), PERIOD
            else:
                query, params = scoped(sql, Scope.one(DEFAULT_ORG), PERIOD)
            out[f"kpi:{name}"] = sorted(map(tuple, conn.execute(query, params).fetchall()), key=repr)
        return out
    finally:
        conn.close()


async def test_a_database_with_history_becomes_organisation_one_unchanged(tmp_path: Path, clock: FakeClock) -> None:
    async with bound_harness(tmp_path / "day", clock) as h:
        await _history(h)
        source = Path(h.app.settings.storage.database_path)
    previous = tmp_path / "previous.sqlite3"
    _build_previous(source, previous)
    before = _snapshot(previous, previous=True)
    assert [n for _, n, *_ in before["numbers"]] == [f"2026-000{i}" for i in range(1, 6)]
    assert len({s for *_, s in before["numbers"]}) >= 4, "cases in several states"
    assert before["drafts"] and before["publications"] and before["places"] and len(before["invites"]) == 2
    assert any(row for row in before["deadlines"] if row[-2] is not None), "a missed clock with its blame"
    assert before["kpi:party"] and before["kpi:answer_times"], "the KPIs have something to compare"
    assert next(r for r in before["kpi:kpi"] if r[0] == "total")[2] == 5             # received

    db = await open_database(previous)                                # migrates 0015 and later
    try:
        assert await db.schema_version() == len(load_migrations())
        for table in SCOPED_TABLES:
            if table in ("org_admins", "transfers"):
                assert (await db.fetchone(f"SELECT COUNT(*) FROM {table}"))[0] == 0   # type: ignore[index]  # noqa: S608
                continue
            orgs = {r[0] for r in await db.fetchall(f"SELECT DISTINCT org_id FROM {table}")}  # noqa: S608  a constant name
            assert orgs <= {DEFAULT_ORG}, table
        [org] = await db.fetchall("SELECT id, prefix, head_chat_id, archived FROM organisations")
        assert tuple(org) == (DEFAULT_ORG, "", HEAD_CHAT, 0)                    # the head's chat moved
        assert await db.fetchall("SELECT * FROM kv WHERE key = 'head_chat_id'") == []
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        people = await db.fetchall("SELECT user_id, active, org_id FROM operators ORDER BY user_id")
        assert [tuple(r) for r in people] == [(120, 1, 1), (121, 0, 1)]
        assert [tuple(r) for r in await db.fetchall("SELECT user_id, org_id FROM officials")] == [(700, 1)]
    finally:
        await db.close()
    after = _snapshot(previous, previous=False)
    for key, value in before.items():
        assert after[key] == value, key                                   # numbers, audit trail, KPIs

    (tmp_path / "upgraded").mkdir()
    shutil.copyfile(previous, tmp_path / "upgraded" / "bot.sqlite3")   # the bot of this version on the upgraded copy
    async with bound_harness(tmp_path / "upgraded", clock) as h2:
        operator = Actor(OPERATOR, Role.OPERATOR, "Иван Петров")
        case = (await h2.app.cases.register(NewPost(platform="vk", text="После обновления", operator_id=OPERATOR,
                                                    detected_at=h2.clock.now()), operator)).case
        assert case.number == "2026-0006" and case.org_id == DEFAULT_ORG
        await h2.say(OPERATOR, "/case 1")                                 # the old numbers read as before
        assert "2026-0001" in h2.last(OPERATOR).text
