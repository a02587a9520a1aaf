"""What only the PostgreSQL backend has to prove (storage/pg_db.py, storage/pg.py, the baseline migration).

Skipped, with a one-line hint, when no server is reachable (tests/support/pg_server.py).
"""

from __future__ import annotations

import asyncio

import pytest

from storage.connect import open_database
from storage.db import INTEGRITY_ERRORS, Database, load_migrations
from storage.pg_db import PgDatabase, redact
from tests.support.backend import create_database

NOW = "2026-12-01T07:00:00.000000+00:00"


@pytest.fixture
async def url(pg_url: str) -> str:
    return await create_database(migrated=False)


async def _case(db: Database) -> int:
    async with db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO cases (org_id, number, year, seq, status, platform, text, detected_at, operator_id, "
            "created_at, updated_at) VALUES (1, '2026-0001', 2026, 1, 'new', 'vk', 'Яма', ?, 100, ?, ?)",
            (NOW, NOW, NOW))
        case_id = int(cur.lastrowid or 0)
        await conn.execute("INSERT INTO events (case_id, at, actor_id, actor_role, kind, payload) "
                           "VALUES (?, ?, 1, 'operator', 'registered', '{}')", (case_id, NOW))
    return case_id


async def test_a_new_database_gets_the_schema_of_the_last_migration_and_org_no_1(url: str) -> None:
    db = await open_database(url)
    try:
        assert isinstance(db, PgDatabase) and db.is_postgresql
        assert await db.schema_version() == load_migrations("postgresql")[-1][0] == load_migrations()[-1][0]
        row = await db.fetchone("SELECT id, name, prefix FROM organisations")
        assert row is not None and (row["id"], row["prefix"]) == (1, "")
        async with db.transaction() as conn:         # the identity continues after the seeded no. 1
            cur = await conn.execute("INSERT INTO organisations (name, prefix, created_at) VALUES (?, ?, ?)",
                                     ("Министерство", "MIN", NOW))
        assert cur.lastrowid == 2 and cur.rowcount == 1
    finally:
        await db.close()


async def test_two_processes_starting_together_apply_each_migration_once(url: str) -> None:
    first, second = await asyncio.gather(PgDatabase.connect(url), PgDatabase.connect(url))
    try:
        rows = await first.fetchall("SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in rows] == [n for n, _, _ in load_migrations("postgresql")]
        assert await second.schema_version() == await first.schema_version()
    finally:
        await first.close()
        await second.close()


async def test_the_audit_trail_is_append_only_there_too(url: str) -> None:
    db = await open_database(url)
    try:
        case_id = await _case(db)
        for statement in ("UPDATE events SET kind = 'x' WHERE case_id = ?", "DELETE FROM events WHERE case_id = ?"):
            with pytest.raises(INTEGRITY_ERRORS):
                await db.conn.execute(statement, (case_id,))
        with pytest.raises(INTEGRITY_ERRORS):
            await db.conn.execute("TRUNCATE events CASCADE")
        assert (await db.fetchone("SELECT COUNT(*) FROM events"))[0] == 1
    finally:
        await db.close()


async def test_write_transactions_of_two_processes_never_interleave(url: str) -> None:
    """Each process has its own pool; the writers' advisory lock makes the second wait for the first's
    COMMIT, as SQLite's BEGIN IMMEDIATE does (a read-modify-write of both keeps both changes)."""
    a, b = await PgDatabase.connect(url), await PgDatabase.connect(url)
    try:
        await a.execute("INSERT INTO kv (key, value) VALUES ('n', '0')")
        inside = asyncio.Event()

        async def increment(db: PgDatabase, hold: bool) -> None:
            async with db.transaction() as conn:
                row = await (await conn.execute("SELECT value FROM kv WHERE key = 'n'")).fetchone()
                if hold:
                    inside.set()
                    await asyncio.sleep(0.2)    # real time: another process's transaction is waiting on the lock
                await conn.execute("UPDATE kv SET value = ? WHERE key = 'n'", (str(int(row[0]) + 1),))

        first = asyncio.create_task(increment(a, True))
        await inside.wait()
        await increment(b, False)
        await first
        assert (await a.fetchone("SELECT value FROM kv WHERE key = 'n'"))[0] == "2"
    finally:
        await a.close()
        await b.close()


async def test_reads_inside_a_transaction_see_its_own_writes_and_other_tasks_do_not(url: str) -> None:
    """As on SQLite's one connection, the task in a transaction reads its own writes through ``db.conn``; a
    task it starts meanwhile inherits the context but reads through a pooled connection (never the same
    connection concurrently), so it sees the last committed state."""
    db = await open_database(url)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO kv (key, value) VALUES ('x', 'mine')")
            assert (await db.fetchone("SELECT value FROM kv WHERE key = 'x'"))[0] == "mine"    # db.conn: the tx
            other = asyncio.create_task(db.fetchone("SELECT value FROM kv WHERE key = 'x'"))
            assert await asyncio.wait_for(other, 5) is None
        assert (await db.fetchone("SELECT value FROM kv WHERE key = 'x'"))[0] == "mine"
        with pytest.raises(RuntimeError):
            async with db.transaction(), db.transaction():
                pass
    finally:
        await db.close()


async def test_a_failed_transaction_leaves_nothing(url: str) -> None:
    db = await open_database(url)
    try:
        with pytest.raises(ZeroDivisionError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO kv (key, value) VALUES ('y', '1')")
                _ = 1 / 0
        assert await db.fetchone("SELECT value FROM kv WHERE key = 'y'") is None
    finally:
        await db.close()


async def test_sqlite_functions_keep_their_meaning(url: str) -> None:
    db = await open_database(url)
    try:
        row = await db.fetchone(
            "SELECT sha256_hex('a'), json_extract('{\"a\": {\"b\": 3}}', '$.a.b'), json_type('{\"a\": 1.5}', '$.a'), "
            "json_valid('{'), json_valid('[]'), (SELECT group_concat(x, ', ') FROM (VALUES (1), (NULL), (3)) v(x)), "
            "(SELECT json_group_array(json_object('k', x)) FROM (VALUES (1)) v(x) WHERE x > 5)")
        assert row is not None
        assert tuple(row) == ("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", "3", "real",
                              False, True, "1, 3", "[]")
    finally:
        await db.close()


async def test_names_compare_without_case_like_sqlite_nocase(url: str) -> None:
    db = await open_database(url)
    try:
        with pytest.raises(INTEGRITY_ERRORS):
            await db.execute("INSERT INTO organisations (name, prefix, created_at) VALUES ('АДМИНИСТРАЦИЯ', 'X', ?)",
                             (NOW,))
        row = await db.fetchone("SELECT id FROM organisations WHERE name = ? COLLATE NOCASE", ("администрация",))
        assert row is not None and row[0] == 1
    finally:
        await db.close()


def test_the_password_never_leaves_the_url() -> None:
    assert redact("postgresql://bot:s3cr3t@db.local:5432/smi") == "postgresql://bot:***@db.local:5432/smi"
    assert redact("postgresql://bot@db.local/smi") == "postgresql://bot@db.local/smi"
