"""What the PostgreSQL backend must do like SQLite, beyond the statements the other tests run (issue 15 §1).

PostgreSQL only (the ``pg_url`` fixture: skipped with a hint without a server).
"""

from __future__ import annotations

import asyncio

from storage.connect import open_database
from storage.db import fetch_all, fetch_one
from tests.support.backend import create_database


async def test_a_task_started_inside_a_transaction_uses_its_own_connection(pg_url: str) -> None:
    db = await open_database(await create_database())
    try:
        seen: list[int] = []

        async def reader() -> None:          # inherits the transaction's context variable, not its connection
            row = await fetch_one(db.conn, "SELECT COUNT(*) FROM kv")
            seen.append(int(row[0]) if row else -1)

        async with db.transaction() as conn:
            await conn.execute("INSERT INTO kv (key, value) VALUES ('a', '1')")
            task = asyncio.create_task(reader())
            await asyncio.sleep(0)
            await conn.execute("INSERT INTO kv (key, value) VALUES ('b', '2')")
            await task
        await reader()                        # after the transaction: its connection went back to the pool
        assert seen == [0, 2]
    finally:
        await db.close()


async def test_executemany_counts_inserted_rows_and_skips_ignored_ones(pg_url: str) -> None:
    db = await open_database(await create_database())
    try:
        async with db.transaction() as conn:
            cur = await conn.executemany("INSERT OR IGNORE INTO kv (key, value) VALUES (?, ?)",
                                         [("a", "1"), ("b", "2"), ("a", "3")])
            assert cur.rowcount == 2
            cur = await conn.executemany("INSERT INTO kv (key, value) VALUES (?, ?)", [("c", "1"), ("d", "2")])
            assert cur.rowcount == 2
    finally:
        await db.close()


async def test_sqlites_functions_keep_their_meaning(pg_url: str) -> None:
    db = await open_database(await create_database())
    try:
        row = await fetch_one(db.conn, "SELECT instr('ул. Мира, 12', ?), instr('abc', ?)", ("12", "x"))
        assert row is not None and (row[0], row[1]) == (11, 0)
        rows = await fetch_all(db.conn, "SELECT j.key, j.value, j.type FROM json_each(?) j",
                               ('["operator:1", 7, {"a": 1}]',))
        assert [tuple(r) for r in rows] == [("0", "operator:1", "text"), ("1", "7", "integer"),
                                           ("2", '{"a": 1}', "object")]
        rows = await fetch_all(db.conn, "SELECT j.key, j.value FROM json_each(?) j", ('{"x": "y"}',))
        assert [tuple(r) for r in rows] == [("x", "y")]
    finally:
        await db.close()
