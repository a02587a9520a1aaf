"""Reminders under Telegram's limits, the rebuild at start, and the memory it holds.

1. 1,000 reminders due at the same moment (Monday 09:00 after a weekend: cases detected on Friday at
   17:40, whose route reminder falls on the closing bell and moves to Monday's opening), one per
   operator's private chat, delivered by the real sender through the fake Bot API over HTTP with
   Telegram's limits enforced (429 when exceeded). All delivered, none twice, no 429, overall rate
   >= 95 % of 30/s.
2. Start with 10,000 open cases: ``ReminderScheduler.start()`` (moments of every open deadline, the
   catch-up run, the one job) in <= 2 s.
3. Resident memory of the bot after that start, compared with the same bot on an empty database
   (each in a fresh process, aiogram imported in both): <= 60 MB more.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import pg as bench_pg

TZ = ZoneInfo("Europe/Moscow")
REMINDERS = 1000
OPEN_CASES = 10_000
FRIDAY_EVENING = datetime(2026, 12, 4, 17, 40, tzinfo=TZ)
MONDAY_OPENING = datetime(2026, 12, 7, 9, 0, tzinfo=TZ)
TUESDAY_MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


class RunningClock:
    """The injected clock, started at a chosen moment and moving with real time (the sender's retries)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.t0 = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


def _ts(at: datetime) -> str:
    from storage.codec import ts

    value = ts(at)
    assert value is not None
    return value


async def _fill(db: Any, deadlines: Any, detected: list[tuple[int, datetime]], *, with_department: bool) -> None:
    """Open cases written straight into the database (what 10,000 registrations would leave behind)."""
    now = _ts(detected[0][1])
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO departments (id, name, chat_id, created_at) VALUES (1, 'Отдел ЖКХ', -1001, ?)",
                           (now,))
        case_rows = []
        deadline_rows = []
        for i, (operator_id, at) in enumerate(detected, start=1):
            case_rows.append((i, f"{at.year}-{i:05d}", at.year, i, "new", "vk", f"Сообщение {i}", _ts(at),
                              operator_id, _ts(at), _ts(at)))
            deadline_rows.append((i, "route", "operator", None, _ts(at), _ts(deadlines.due("route", at))))
            deadline_rows.append((i, "answer", "operator", None, _ts(at), _ts(deadlines.due("answer", at))))
            if with_department and i % 2 == 0:
                deadline_rows.append((i, "draft", "department", 1, _ts(at), _ts(deadlines.due("draft", at))))
        await conn.executemany(
            "INSERT INTO cases (id, number, year, seq, status, platform, text, detected_at, operator_id, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", case_rows)
        await conn.executemany(
            "INSERT INTO deadlines (case_id, rule, owner, department_id, started_at, due_at) VALUES (?,?,?,?,?,?)",
            deadline_rows)


# ---- 1. delivery through the fake Bot API with limits ------------------------------------------

async def _delivery(tmp: Path, target: str | None = None, prefix: str = "") -> list[dict[str, Any]]:
    """The 1,000 reminders on SQLite, or on the PostgreSQL database at ``target`` (rows named with ``prefix``)."""
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.enums import ParseMode

    from bot.delivery.sender import Notifier
    from bot.fake_telegram import FakeBotAPI
    from bot.jobs.reminders import ReminderService
    from bot.services.access import AccessService
    from bot.services.cases import CaseService
    from bot.settings import Settings
    from handlers.notices import NoticeRenderer
    from storage.connect import open_database

    settings = Settings(_env_file=None, calendar_path=tmp / "calendar.json")  # type: ignore[call-arg]
    deadlines = settings.deadlines.build_deadlines()
    db = await open_database(target or tmp / "delivery.sqlite3")
    await _fill(db, deadlines, [(100_000 + i, FRIDAY_EVENING) for i in range(REMINDERS)], with_department=False)
    clock = RunningClock(MONDAY_OPENING)
    service = ReminderService(db, deadlines, clock)
    await service.plan(full=True)
    result = await service.run_due(MONDAY_OPENING)
    server = FakeBotAPI(enforce_limits=True)
    url = await server.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(url))
    bot = Bot("42:BENCH", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    access = AccessService(db, clock, admin_ids=[1], operator_ids=[], head_chat_id=-900)
    cases = CaseService(db, deadlines, clock)
    sender = Notifier(bot, db, clock, NoticeRenderer(cases, access, clock, TZ))
    started = time.perf_counter()
    try:
        while await sender.outbox.pending_count(db.conn):
            if await sender.flush(limit=REMINDERS) == 0:
                await asyncio.sleep(0.2)      # a 429 pause or a backoff
            if time.perf_counter() - started > 180:
                break
        elapsed = time.perf_counter() - started
    finally:
        await session.close()
        await server.stop()
    delivered = [c for c in server.calls_of("sendMessage") if c.error is None]
    per_chat = Counter(str(c.chat_id) for c in delivered)
    duplicates_server = sum(n - 1 for n in per_chat.values() if n > 1)
    dup_row = await db.fetchone("SELECT COUNT(*) - COUNT(DISTINCT dedup_key) FROM outbox WHERE kind = 'reminder'")
    sent_row = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE kind = 'reminder' AND sent_at IS NOT NULL")
    await db.close()
    rate = len(delivered) / elapsed if elapsed else 0.0
    return [
        {"name": prefix + "reminders queued at Monday 09:00 (one run_due)", "value": result.reminders, "unit": "",
         "target": f"= {REMINDERS}", "ok": result.reminders == REMINDERS},
        {"name": prefix + "reminders delivered (fake Bot API, limits on)", "value": len(per_chat), "unit": "chats",
         "target": f"= {REMINDERS}", "ok": len(per_chat) == REMINDERS and sent_row is not None
         and sent_row[0] == REMINDERS},
        {"name": prefix + "duplicates (server calls / outbox dedup)",
         "value": f"{duplicates_server} / {dup_row[0] if dup_row else '?'}", "unit": "",
         "target": "0 / 0", "ok": duplicates_server == 0 and dup_row is not None and dup_row[0] == 0},
        {"name": prefix + "429 provoked", "value": len(server.violations), "unit": "", "target": "0",
         "ok": not server.violations},
        {"name": prefix + "delivery time for 1,000", "value": elapsed, "unit": "s", "target": "", "ok": None},
        {"name": prefix + "overall rate", "value": rate, "unit": "msg/s", "target": ">= 28.5 (95% of 30)",
         "ok": rate >= 28.5},
    ]


# ---- 2 and 3: rebuild time and memory, each in a fresh process ---------------------------------

def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _child(db_path: str, calendar_path: str, fill: int) -> dict[str, Any]:
    """``db_path``: a SQLite file, or a PostgreSQL URL (a migrated, empty database)."""
    import gc

    from bot.app.container import build_app
    from bot.fake_telegram import FakeSession
    from bot.runtime.clock import FakeClock
    from bot.settings import Settings
    from storage.connect import open_database
    from storage.db import is_postgresql_url

    target = {"database_url": db_path} if is_postgresql_url(db_path) else {"database_path": Path(db_path)}
    settings = Settings(_env_file=None, calendar_path=Path(calendar_path),  # type: ignore[call-arg]
                        admin_ids=[1], head_chat_id=-900, **target)
    if fill:
        db = await open_database(db_path)
        deadlines = settings.deadlines.build_deadlines()
        detected = [(100 + i % 50, TUESDAY_MORNING - timedelta(minutes=60 - (i % 60))) for i in range(fill)]
        await _fill(db, deadlines, detected, with_department=True)
        await db.close()
    gc.collect()
    app = await build_app(settings, clock=FakeClock(TUESDAY_MORNING), session=FakeSession(), token="42:TEST")
    assert app.reminders is not None
    started = time.perf_counter()
    await app.reminders.start()
    rebuild = time.perf_counter() - started
    gc.collect()
    rows = await app.db.fetchone("SELECT COUNT(*) FROM deadlines WHERE plan_due_at IS NOT NULL")
    result = {"rss_kb": _rss_kb(), "rebuild_s": rebuild, "planned": rows[0] if rows else 0,
              "next": app.reminders.next_run.isoformat() if app.reminders.next_run else None}
    await app.reminders.stop()
    await app.db.close()
    return result


def _spawn(tmp: Path, name: str, fill: int, target: str | None = None) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.reminders_bench", "--child", target or str(tmp / f"{name}.sqlite3"),
         str(tmp / f"{name}-calendar.json"), str(fill)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent, timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), "."]))})
    if out.returncode != 0:
        raise RuntimeError(f"child failed: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        rows = asyncio.run(_delivery(tmp))
        empty = _spawn(tmp, "empty", 0)
        full = _spawn(tmp, "full", OPEN_CASES)
        extra_mb = (full["rss_kb"] - empty["rss_kb"]) / 1024
        rows += [
            {"name": f"start with {OPEN_CASES:,} open cases: rebuild ({full['planned']} deadlines)",
             "value": full["rebuild_s"], "unit": "s", "target": "<= 2", "ok": full["rebuild_s"] <= 2.0},
            {"name": "RSS of the bot on an empty database", "value": empty["rss_kb"] / 1024, "unit": "MB",
             "target": "", "ok": None},
            {"name": f"RSS with {OPEN_CASES:,} open cases, more than empty", "value": extra_mb, "unit": "MB",
             "target": "<= 60", "ok": extra_mb <= 60},
        ]
        server = bench_pg.reachable()
        if server is None:
            return [*rows, {"name": "PostgreSQL: reminders", "value": bench_pg.SKIPPED, "unit": "", "target": "",
                            "ok": None}]
        return rows + asyncio.run(_postgresql(tmp, server, full["rebuild_s"]))


async def _postgresql(tmp: Path, server: str, sqlite_rebuild_s: float) -> list[dict[str, Any]]:
    """The delivery and the rebuild on PostgreSQL (each on a database of its own, dropped after)."""
    from storage.connect import open_database

    async with bench_pg.scratch_database(server) as delivery, bench_pg.scratch_database(server) as start:
        for url in (delivery, start):
            await (await open_database(url)).close()        # migrated
        rows = await _delivery(tmp, delivery, prefix="PostgreSQL: ")
        full = await asyncio.to_thread(_spawn, tmp, "pg", OPEN_CASES, start)
    return [*rows,
            {"name": f"PostgreSQL: start with {OPEN_CASES:,} open cases: rebuild ({full['planned']} deadlines)",
             "value": full["rebuild_s"], "unit": "s", "target": "<= 2", "ok": full["rebuild_s"] <= 2.0},
            {"name": "PG ÷ SQLite: that rebuild", "value": full["rebuild_s"] / sqlite_rebuild_s, "unit": "x",
             "target": "", "ok": None}]


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--child":
        print(json.dumps(asyncio.run(_child(sys.argv[2], sys.argv[3], int(sys.argv[4])))))
    else:
        for row in run():
            print(row)
