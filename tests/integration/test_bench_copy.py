"""The benchmarks' PostgreSQL data (bench/pg.py): a SQLite database copied into a migrated PostgreSQL one is
the same rows, and the identity columns continue after the copied ids."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.pg import _table_order, copy_sqlite
from bench.reports_bench import generate
from storage.connect import open_database
from storage.db import Database
from tests.support.backend import create_database

TABLES = ("organisations", "departments", "cases", "case_departments", "deadlines", "drafts", "publications")


async def test_copy_keeps_every_row_and_moves_the_identities(tmp_path: Path, pg_url: str) -> None:
    path = tmp_path / "bench.sqlite3"
    await (await Database.open(path)).close()
    generate(path, n=300)
    src = sqlite3.connect(path)
    try:
        expected = {t: src.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608
        numbers = sorted(r[0] for r in src.execute("SELECT number FROM cases"))
        assert _table_order(src, ["deadlines", "cases", "organisations"]) == ["organisations", "cases", "deadlines"]
    finally:
        src.close()
    assert expected["cases"] == 300 and expected["deadlines"] > 300

    url = await create_database()
    copied = await copy_sqlite(path, url)

    db = await open_database(url)
    try:
        got = {t: (await db.fetchone(f"SELECT COUNT(*) FROM {t}"))[0] for t in TABLES}  # noqa: S608
        assert got == expected                      # organisation no. 1, seeded by both migrations, once
        assert copied >= sum(expected.values()) - 1
        assert sorted(r[0] for r in await db.fetchall("SELECT number FROM cases")) == numbers
        new_id = await db.execute("INSERT INTO departments (name, chat_id, created_at) VALUES (?, ?, ?)",
                                  ("Новый отдел", -5_000, "2027-01-01T00:00:00.000000+00:00"))
        assert new_id > max(r[0] for r in await db.fetchall("SELECT id FROM departments WHERE id <> ?", (new_id,)))
    finally:
        await db.close()

