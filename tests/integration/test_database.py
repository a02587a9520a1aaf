"""The write transaction survives its task being cancelled at any await (a shutdown cancels jobs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.connect import open_database
from tests.support.backend import db_target


@pytest.mark.parametrize("yields", [1, 2, 3])
async def test_a_transaction_cancelled_while_it_begins_leaves_no_transaction_open(tmp_path: Path,
                                                                                   yields: int) -> None:
    db = await open_database(await db_target(tmp_path / "bot.sqlite3"))
    try:
        entered = asyncio.Event()

        async def writer() -> None:
            async with db.transaction() as conn:
                entered.set()
                await conn.execute("UPDATE outbox SET attempts = attempts WHERE 1 = 0")

        task = asyncio.create_task(writer())
        for _ in range(yields):                 # cancel it at BEGIN, or just after
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with db.transaction() as conn:    # used to fail: "cannot start a transaction within a transaction"
            await conn.execute("SELECT 1")
        assert not db.in_transaction and not getattr(db.conn, "in_transaction", False)
    finally:
        await db.close()
