"""Issue 14, "Done when": every SQL statement on a table of one organisation names the organisation.

A realistic day of two organisations runs through a real Dispatcher (register, route, accept, draft, approve,
publish, /open, /case, /report, forged buttons, the reminder job) while SQLite reports every statement the
bot's connection executes (``set_trace_callback``; on PostgreSQL every statement the repositories hand to
``storage.dialect.Dialect.statement``, as written, before its translation). A statement that touches a table of
``storage.scoping.SCOPED_TABLES`` must name the organisation: ``org_id`` (``storage.scoping.org_clause`` or
``org_id = ?``), or ``from_org`` / ``to_org`` for transfers. The checker itself is proven on statements fed to it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.orgs import Scope
from bot.fake_telegram.updates import migration_dicts
from bot.runtime.clock import FakeClock
from handlers.callbacks import CaseCb, Op
from storage.dialect import Dialect, Statement
from storage.scoping import SCOPED_TABLES, org_clause
from tests.conftest import msk
from tests.support import updates
from tests.support.harness import ADMIN, DEPT_A_CHAT, EXEC_A, HEAD_CHAT, OPERATOR, Harness, bound_harness
from tests.support.orgs import (
    DEPT_B1_CHAT,
    EXEC_B1,
    HEAD_B_CHAT,
    OP_B,
    OrgB,
    a_case_published,
    add_org_b,
    b_day,
)

NEW_A_CHAT = -100_1001
_TABLE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_NAMES_ORG = re.compile(r"\b(?:[a-z_]+\.)?(?:org_id|from_org|to_org)\b", re.IGNORECASE)

#: Statements that are cross-organisation BY DESIGN, each with its reason. Keep this short.
BY_DESIGN: dict[str, str] = {
    # The yearly anonymisation (cl. retention, docs/security.md): every organisation's cases finished more than
    # RETENTION_MONTHS ago, one term set by law for the whole deployment.
    "SELECT id FROM cases WHERE anonymised_at IS NULL": "retention job",
    # A group became a supergroup (storage/chats.py): a Telegram chat id is one chat of the whole deployment,
    # bound to at most one department or head of one organisation, so it is found and moved wherever it is;
    # its department (a global id) decides whose open cases get their cards anew.
    "SELECT id, name FROM departments WHERE chat_id": "chat migration",
    "UPDATE departments SET chat_id": "chat migration",
    "SELECT id FROM cases WHERE operator_chat_id": "chat migration",
    "UPDATE cases SET operator_chat_id": "chat migration",
    "SELECT c.id FROM cases c JOIN case_departments a ON a.case_id = c.id WHERE a.department_id": "chat migration",
    # the reminders' scan (bot/jobs/reminders.py): one timed job for the whole deployment reads every
    # organisation's due clocks; each notice it queues goes to the case's own organisation (notify-org's tests)
    "SELECT c.id, c.operator_id, (SELECT MAX(p.published_at)": "reminders: the clarification waits of every organisation",
    # (the due clocks of every organisation are read with each one's c.org_id, whose calendar holds its notices
    # on its own days off: that statement names the organisation and needs no allowance)
}

#: Statements that do not name the organisation yet, each with its owner: EMPTY since issue 14 was merged — a
#: new entry needs a reason the review accepts.
NOT_YET_SCOPED: dict[str, str] = {
}


def unscoped(statements: list[str]) -> list[str]:
    """The statements touching a scoped table without naming the organisation (the checker)."""
    out = []
    for sql in statements:
        flat = " ".join(sql.split())
        if flat.upper().startswith(("CREATE ", "DROP ", "ALTER ", "PRAGMA ", "BEGIN", "COMMIT", "ROLLBACK",
                                     "SAVEPOINT", "RELEASE", "EXPLAIN ")):
            continue
        tables = {t.lower() for t in _TABLE.findall(flat)}
        if tables & set(SCOPED_TABLES) and not _NAMES_ORG.search(flat):
            out.append(flat)
    return out


def _allowed(sql: str) -> bool:
    return any(sql.startswith(prefix) for prefix in (*BY_DESIGN, *NOT_YET_SCOPED))


# ---- the checker, proven ---------------------------------------------------------------------------------

def test_the_checker_catches_a_query_on_a_scoped_table_without_the_organisation() -> None:
    bad = ["SELECT * FROM cases WHERE id = ?", "UPDATE departments SET name = ? WHERE id = ?",
           "select c.number from deadlines d join cases c on c.id = d.case_id",
           "INSERT INTO invites (token_hash, role) VALUES (?, ?)", "DELETE FROM transfers WHERE id = 1"]
    assert unscoped(bad) == bad


def test_the_checker_passes_queries_that_name_the_organisation_and_unscoped_tables() -> None:
    org_sql, _ = org_clause(Scope.one(2), "c.org_id")
    good = [f"SELECT c.id FROM cases c WHERE c.id = ? AND {org_sql}",
            f"SELECT * FROM cases WHERE {org_clause(Scope.all())[0]}",
            "UPDATE cases SET status = ? WHERE id = ? AND org_id = ?",
            "SELECT * FROM transfers WHERE to_org = ?",
            "SELECT * FROM deadlines WHERE case_id = ?",          # not a scoped table: reached through its case
            "SELECT value FROM kv WHERE key = ?",
            "PRAGMA foreign_keys = ON"]
    assert unscoped(good) == []


def test_the_checker_knows_every_scoped_table_of_the_schema() -> None:
    for table in SCOPED_TABLES:
        assert unscoped([f"SELECT * FROM {table} WHERE id = 1"]), table


# ---- the day ----------------------------------------------------------------------------------------------

@pytest.fixture
async def traced(tmp_path: Path, clock: FakeClock,
                 monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Harness, OrgB, list[str]]]:
    async with bound_harness(tmp_path, clock) as h:
        b = await add_org_b(h)
        statements: list[str] = []
        if h.app.db.is_postgresql:        # every statement of every connection passes its translation
            translate = Dialect.statement

            def recorded(dialect: Dialect, sql: str) -> Statement:
                statements.append(sql)
                return translate(dialect, sql)

            monkeypatch.setattr(Dialect, "statement", recorded)
            yield h, b, statements
            return
        await h.app.db.conn.set_trace_callback(statements.append)
        try:
            yield h, b, statements
        finally:
            await h.app.db.conn.set_trace_callback(None)


async def _b_publishes(h: Harness) -> None:
    await h.press(OP_B, OP_B, "Согласовать")
    approved = h.find(DEPT_B1_CHAT, "Опубликуйте ответ")
    await h.say_in(DEPT_B1_CHAT, EXEC_B1, "https://vk.com/wall-2_3?reply=4", photo_file_ids=["shot-b"],
                   reply_to_message_id=approved.message_id, chat_title="Управление капремонта")


async def test_a_day_of_two_organisations_names_the_organisation_in_every_statement_on_their_tables(
        traced: tuple[Harness, OrgB, list[str]]) -> None:
    h, b, statements = traced
    a_case = await a_case_published(h)
    await b_day(h, b)
    await _b_publishes(h)
    for who in (OPERATOR, OP_B):
        for command in ("/open", "/case 1", "/case MSTR-2026-0002", "/case 2026-0001", "/report today"):
            await h.say(who, command)
    for chat in (HEAD_CHAT, HEAD_B_CHAT):
        await h.say_in(chat, 555, "/open")
        await h.say_in(chat, 555, "/report today")
    await h.say_in(DEPT_A_CHAT, EXEC_A, "/my")
    for op in (Op.HISTORY, Op.FULL, Op.URGENT, Op.TOGGLE):             # forged presses on the other's case
        await h.feed(updates.callback(OPERATOR, OPERATOR, CaseCb(op=op, case_id=b.case_ids[0]).pack(), 1))
        await h.feed(updates.callback(OP_B, OP_B, CaseCb(op=op, case_id=a_case).pack(), 1))
    assert h.app.reminders is not None
    h.clock.set(msk(2026, 12, 1, 16, 0))                              # clocks have run out: the reminder job
    await h.app.reminders.service.plan()
    await h.app.reminders.service.run_due()
    await h.app.notifier.flush()

    assert len(statements) > 200, "the day ran through the database"
    touched = {t.lower() for s in statements for t in _TABLE.findall(s)}
    assert {"cases", "departments", "operators"} <= touched
    # the system's cross-organisation work: the yearly anonymisation and a group that became a supergroup
    assert h.app.retention is not None
    await h.app.retention.run()
    h.session.core.migrate_chat(DEPT_A_CHAT, NEW_A_CHAT)
    await h.feed([updates.to_update(u) for u in migration_dicts(DEPT_A_CHAT, NEW_A_CHAT, ADMIN)])
    assert (await h.app.access.department_for_chat(NEW_A_CHAT)) is not None

    found = unscoped(statements)
    missing = [s for s in found if not _allowed(s)]
    assert missing == [], "statements on a scoped table without the organisation:\n" + "\n".join(
        sorted(set(missing)))
    # every allowance is used by the day: an entry whose statement is gone (scoped at last) must leave the list
    unused = [prefix for prefix in (*BY_DESIGN, *NOT_YET_SCOPED) if not any(s.startswith(prefix) for s in found)]
    assert not unused, "allowances no longer used: " + " | ".join(unused)
