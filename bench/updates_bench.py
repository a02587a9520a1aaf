"""Updates that change a case, through the real bot, with 100,000 cases in the database.

The real application (``bot.app.build_app``: aiogram Dispatcher, handlers, services, SQLite on disk in
WAL mode as in production, the reminder scheduler started so every commit re-plans reminders as in
production) on :meth:`bot.fake_telegram.FakeSession.lean` (the fake Telegram in-process: no network,
nothing recorded) and a no-wait rate limiter. The database holds 100,000 cases of history (the generator of
``bench.reports_bench``; their old open deadlines marked as already reminded, as a running bot
leaves them) before the run.

Each case of the run goes through the whole life an executor and an operator give it, one update
per step, interleaved in blocks of 50 cases as real traffic is:

1. the operator sends a post (a link and the text) — a case is registered;
   … the outbox sender delivers its card (timed separately, not in the update rows);
2. the operator ticks a department on the card (callback ``CaseCb`` TOGGLE);
3. the operator presses "Направить" (ROUTE) — the case goes to the department;
   … the outbox sender delivers the department's card (timed separately, not in the update rows);
4. an executor in the department's group presses "Принять в работу" (ACCEPT);
5. the executor replies to the card with the answer's text — a draft, previewed;
6. the executor presses "На согласование" (SEND) — the draft goes to the operator;
   … the sender delivers the refreshed cards and the operator's notice (timed separately).

Latency is measured around ``Dispatcher.feed_update`` (``time.perf_counter``): the handling of the
update itself, up to its answer. The sender runs separately in production (it wakes after the
commit), so its work is reported in its own row (time per delivered notice). Throughput counts the
wall time of the update loops, including the reminder re-planning each commit starts in the
background. The baseline is a bare aiogram echo bot (one router, one message handler answering the
text) on the same session type, measured in the same run.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import Message, Update

from bench import pg as bench_pg
from bench.reports_bench import DEPARTMENTS, generate
from bot.app import startup
from bot.app.container import App, build_app
from bot.delivery.sender import RateLimiter
from bot.domain.orgs import Scope
from bot.fake_telegram import FakeSession
from bot.fake_telegram.updates import callback_dict, group_message_dict, private_message_dict
from bot.runtime.clock import FakeClock
from bot.settings import Settings
from handlers.callbacks import CaseCb, Op
from storage.connect import open_database
from storage.db import Database

TZ = ZoneInfo("Europe/Moscow")
HISTORY = 100_000
BLOCK = 50
WARMUP_BLOCKS = 2
BLOCKS = 16                       # 800 cases, 4,800 updates measured
ECHO_WARMUP = 500
START = datetime(2027, 2, 1, 9, 0, tzinfo=TZ)
DATE = 1_800_000_000              # the date Telegram gives the updates      # a Monday, after the 36 months of history
STEP = timedelta(seconds=30)      # the clock moves between updates (surge windows stay realistic)
ADMIN = 1
OPERATOR = 100
HEAD_CHAT = -900
EXECUTOR_BASE = 500_000
TARGET_RATE = 300.0
TARGET_P99_MS = 20.0
TARGET_RATIO = 3.0
TARGET_PG_RATIO = 2.0             # issue 15: PostgreSQL within 2× of SQLite per update

TOPICS = (
    "Во дворе дома {n} по улице Ленина третий день не вывозят мусор, контейнеры переполнены",
    "На перекрёстке у школы №{n} не работает светофор, дети переходят дорогу без него",
    "В подъезде дома {n} на Садовой нет горячей воды с понедельника",
    "Яма на дороге у остановки «Рынок» размером с колесо, уже {n} машин пробили шины",
    "Когда откроют детскую площадку в сквере на Школьной {n}? Стоит закрытая с весны",
    "Не горит уличное освещение на улице Мира от дома {n} до парка",
    "Автобус №{n} не ходит по расписанию, люди опаздывают на работу",
    "В поликлинике на Победы {n} невозможно записаться к терапевту",
    "Упало дерево во дворе дома {n} на Комсомольской, перегородило проезд",
    "Почему в детском саду №{n} отменили бассейн? Родители не предупреждены",
    "Сосульки над входом в магазин на Центральной {n}, опасно для прохожих",
    "Затопило подвал дома {n} по Гагарина, управляющая компания не отвечает",
)
ANSWER = ("Здравствуйте! Информация передана в управляющую организацию, работы будут выполнены "
          "в течение трёх рабочих дней. Благодарим за обращение.")


# ---- updates as Telegram sends them ------------------------------------------------------------

class Updates:
    """The fake Telegram's update builders, dated as the history's last day, bound to the bench's bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def _update(self, data: dict[str, Any]) -> Update:
        return Update.model_validate(data, context={"bot": self.bot})

    def private(self, user_id: int, text: str) -> Update:
        return self._update(private_message_dict(user_id, text, date=DATE))

    def group_reply(self, chat_id: int, user_id: int, text: str, reply_to: int) -> Update:
        return self._update(group_message_dict(chat_id, user_id, text, chat_title="Отдел", date=DATE,
                                               reply_to_message_id=reply_to, reply_to_text="Карточка"))

    def callback(self, user_id: int, chat_id: int, data: str, message_id: int) -> Update:
        return self._update(callback_dict(user_id, chat_id, data, message_id, message_text="Карточка",
                                          chat_type="private" if chat_id > 0 else "supergroup",
                                          chat_title="Отдел", date=DATE))


class NoWaitLimiter(RateLimiter):
    """Telegram's rate limits switched off: the benchmark measures the bot, not the waiting."""

    def delay(self, chat_id: int) -> float:
        return 0.0

    def record(self, chat_id: int) -> None:
        return None


# ---- the run -----------------------------------------------------------------------------------

def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Run:
    def __init__(self, app: App, session: FakeSession, clock: FakeClock) -> None:
        self.app = app
        self.session = session
        self.clock = clock
        self.make = Updates(app.bot)
        self.rng = random.Random(2027)
        self.serial = 0
        self.latency: dict[str, list[float]] = {}
        self.loop_s = 0.0
        self.flush_s = 0.0
        self.notices = 0
        self.record = True

    async def _drain(self) -> None:
        """Let the background work a commit started (the reminder re-planning) finish."""
        reminders = self.app.reminders
        task = getattr(reminders, "_resync_task", None)
        while task is not None and not task.done():
            await asyncio.wait({task})
            task = getattr(reminders, "_resync_task", None)

    async def stage(self, name: str, updates: list[Update],
                    after: Callable[[int], None] | None = None) -> None:
        times: list[float] = []
        dp, bot = self.app.dp, self.app.bot
        started = time.perf_counter()
        for i, update in enumerate(updates):
            self.clock.advance(STEP)
            t0 = time.perf_counter()
            await dp.feed_update(bot, update)
            times.append(time.perf_counter() - t0)
            if after is not None:
                after(i)
        await self._drain()
        elapsed = time.perf_counter() - started
        if self.record:
            self.latency.setdefault(name, []).extend(times)
            self.loop_s += elapsed

    async def flush(self) -> None:
        started = time.perf_counter()
        delivered = 0
        while True:
            n = await self.app.notifier.flush(limit=500)
            delivered += n
            if n == 0:
                break
        await self._drain()
        if self.record:
            self.flush_s += time.perf_counter() - started
            self.notices += delivered

    async def block(self) -> None:
        cases = self.app.cases
        n0 = self.serial
        self.serial += BLOCK
        ks = range(n0, n0 + BLOCK)
        posts = [self.make.private(OPERATOR, f"{self.rng.choice(TOPICS).format(n=k % 97 + 1)}\n"
                                             f"https://vk.com/wall-{1000 + k % 7}_{k}") for k in ks]
        first = self.session.core.last_message_id[OPERATOR]
        await self.stage("register a post (operator's message)", posts)
        await self.flush()
        card_of: dict[int, int] = {}
        for m in range(first + 1, self.session.core.last_message_id[OPERATOR] + 1):
            c = await cases.case_for_message(OPERATOR, m, scope=Scope.all())
            if c is not None and (await cases.get(c, scope=Scope.all())).operator_card_id == m:
                card_of[c] = m
        case_ids, cards = list(card_of), list(card_of.values())
        assert len(case_ids) == BLOCK, "every post must open a case"
        dept = {c: 1 + k % len(DEPARTMENTS) for c, k in zip(case_ids, ks, strict=True)}
        await self.stage("tick a department on the card (callback)", [
            self.make.callback(OPERATOR, OPERATOR, CaseCb(op=Op.TOGGLE, case_id=c, arg=dept[c]).pack(), m)
            for c, m in zip(case_ids, cards, strict=True)])
        await self.stage("route to the department (callback)", [
            self.make.callback(OPERATOR, OPERATOR, CaseCb(op=Op.ROUTE, case_id=c).pack(), m)
            for c, m in zip(case_ids, cards, strict=True)])
        await self.flush()
        dept_cards: dict[int, int] = {}
        for c in case_ids:
            assignment = (await cases.get(c, scope=Scope.all())).assignment(dept[c])
            assert assignment is not None and assignment.card_message_id is not None, "department card sent"
            dept_cards[c] = assignment.card_message_id
        chat = {c: -1000 - (dept[c] - 1) for c in case_ids}
        executor = {c: EXECUTOR_BASE + k for c, k in zip(case_ids, ks, strict=True)}
        await self.stage("accept (executor's callback in the group)", [
            self.make.callback(executor[c], chat[c], CaseCb(op=Op.ACCEPT, case_id=c).pack(), dept_cards[c])
            for c in case_ids])
        previews: list[int] = []
        await self.stage("draft: reply to the card with the text", [
            self.make.group_reply(chat[c], executor[c], ANSWER, dept_cards[c]) for c in case_ids],
            lambda i: previews.append(self.session.core.last_message_id[chat[case_ids[i]]]))
        await self.stage("send the draft for approval (callback)", [
            self.make.callback(executor[c], chat[c], CaseCb(op=Op.SEND, case_id=c).pack(), p)
            for c, p in zip(case_ids, previews, strict=True)])
        await self.flush()
        for c in case_ids:
            case = await cases.get(c, scope=Scope.all())
            assert case.status.value == "on_approval", f"case {c} ended {case.status.value}"


async def _echo(count: int, db: Database | None = None) -> list[float]:
    """The bare aiogram echo bot; with ``db``, each answer is preceded by one write transaction
    (``BEGIN IMMEDIATE``, one ``INSERT``, ``COMMIT``): the floor of any change that is kept."""
    session = FakeSession.lean()
    bot = Bot("42:TEST", session=session,
              default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True))
    dp = Dispatcher()
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        if db is not None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                                   "SET value = excluded.value", (f"echo:{message.message_id}", message.text or ""))
        await message.answer(message.text or "")

    dp.include_router(router)
    make = Updates(bot)
    rng = random.Random(7)
    updates = [make.private(OPERATOR + k % 50, rng.choice(TOPICS).format(n=k)) for k in range(count)]
    times: list[float] = []
    for update in updates:
        t0 = time.perf_counter()
        await dp.feed_update(bot, update)
        times.append(time.perf_counter() - t0)
    assert session.core.counts["sendMessage"] == count
    return times


def _filesystem(path: Path) -> str:
    """The type of the file system holding ``path`` (from /proc/mounts; "?" elsewhere)."""
    best, kind = "", "?"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


@dataclass
class Figures:
    """What one run of the update benchmark measured (times in seconds)."""

    latency: dict[str, list[float]]
    loop_s: float
    echo: list[float]
    floor: list[float]
    notices: int
    flush_s: float
    cases: int
    wal: bool

    @property
    def every(self) -> list[float]:
        return [t for v in self.latency.values() for t in v]

    @property
    def mean_s(self) -> float:
        """Mean wall time per case-changing update (the update loops, background re-planning included)."""
        return self.loop_s / len(self.every)

    @property
    def floor_ratio(self) -> float:
        return statistics.fmean(self.floor) / statistics.fmean(self.echo)


Opener = Callable[[str | Path], Awaitable[Database]]


async def _measure(tmp: Path, target: str | Path, floor_target: str | Path,
                   opener: Opener = open_database, blocks: int = BLOCKS) -> Figures:
    """The run: the bot on ``target`` (a SQLite path or a PostgreSQL URL, holding the seeded history), its
    database opened by ``opener`` (today's layer, or a bench-only one of bench.sqlalchemy_layer), the floor
    (echo + one write) on ``floor_target`` opened the same way."""
    url = {"database_url": target} if isinstance(target, str) else {}
    settings = Settings(_env_file=None, database_path=tmp / "bot.sqlite3",  # type: ignore[call-arg]
                        calendar_path=tmp / "calendar.json", admin_ids=[ADMIN], operator_ids=[OPERATOR],
                        head_chat_id=HEAD_CHAT, **url)
    clock = FakeClock(START)
    session = FakeSession.lean()
    with patch.object(startup, "open_database", opener):      # what build_app opens the database with
        app = await build_app(settings, clock=clock, session=session, token="42:TEST", limiter=NoWaitLimiter())
    try:
        assert app.reminders is not None
        await app.reminders.start()
        # Every commit still re-plans reminders and moves the job (resync), as in production; the job
        # itself (sending due reminders, measured by reminders_bench) is paused: the fake clock runs
        # far faster than the scheduler's real one and would fire it continuously.
        app.reminders.scheduler.pause()
        wal = False
        if not app.db.is_postgresql:
            mode = await app.db.fetchone("PRAGMA journal_mode")
            wal = mode is not None and str(mode[0]).lower() == "wal"
        run = Run(app, session, clock)
        run.record = False
        for _ in range(WARMUP_BLOCKS):
            await run.block()
        await _echo(ECHO_WARMUP)
        run.record = True
        for _ in range(blocks):
            await run.block()
        echo = await _echo(sum(len(v) for v in run.latency.values()))
        floor_db = await opener(floor_target)
        try:
            await _echo(ECHO_WARMUP, floor_db)
            floor = await _echo(len(echo), floor_db)
        finally:
            await floor_db.close()
        total = await app.db.fetchone("SELECT COUNT(*) FROM cases")
    finally:
        await app.reminders.stop() if app.reminders is not None else None
        await app.db.close()
    return Figures(run.latency, run.loop_s, echo, floor, run.notices, run.flush_s,
                   int(total[0]) if total else 0, wal)


def _ms(values: list[float]) -> str:
    return f"{_pct(values, 0.5) * 1000:.2f} / {_pct(values, 0.99) * 1000:.2f}"


def sqlite_rows(f: Figures, on_disk: bool) -> list[dict[str, Any]]:
    every = f.every
    n = len(every)
    rate = n / f.loop_s
    p50, p99 = _pct(every, 0.5) * 1000, _pct(every, 0.99) * 1000
    e50 = _pct(f.echo, 0.5) * 1000
    mean_ratio = f.mean_s / statistics.fmean(f.echo)
    rows: list[dict[str, Any]] = [
        {"name": f"database: file on disk, journal WAL ({f.cases:,} cases at the end)",
         "value": "wal" if f.wal and on_disk else "NOT wal/disk", "unit": "", "target": "wal",
         "ok": f.wal and on_disk and f.cases >= HISTORY},
        {"name": f"case-changing updates through the bot ({n:,}, mix of 6 below)", "value": rate,
         "unit": "updates/s", "target": f">= {TARGET_RATE:g}", "ok": rate >= TARGET_RATE},
        {"name": "case-changing update latency p50", "value": p50, "unit": "ms", "target": "", "ok": None},
        {"name": "case-changing update latency p99", "value": p99, "unit": "ms",
         "target": f"<= {TARGET_P99_MS:g}", "ok": p99 <= TARGET_P99_MS},
    ]
    for name, times in f.latency.items():
        rows.append({"name": f"  {name}", "value": _ms(times), "unit": "ms p50 / p99", "target": "", "ok": None})
    rows += [
        {"name": "bare aiogram echo bot, same session: p50 / p99", "value": _ms(f.echo), "unit": "ms",
         "target": "", "ok": None},
        {"name": "bare aiogram echo bot throughput", "value": len(f.echo) / sum(f.echo), "unit": "updates/s",
         "target": "", "ok": None},
        {"name": "echo + one SQLite write transaction (the floor of a kept change): p50 / p99",
         "value": _ms(f.floor), "unit": "ms", "target": "", "ok": None},
        {"name": "  its cost / echo (mean time)", "value": f.floor_ratio, "unit": "x", "target": "", "ok": None},
        {"name": "cost of a case-changing update / echo (mean time)", "value": mean_ratio, "unit": "x",
         "target": f"<= {TARGET_RATIO:g}", "ok": mean_ratio <= TARGET_RATIO},
        {"name": "  same ratio at p50 (for information)", "value": p50 / e50, "unit": "x", "target": "",
         "ok": None},
        {"name": f"outbox sender: time per delivered notice ({f.notices:,} notices)",
         "value": f.flush_s / max(1, f.notices) * 1000, "unit": "ms", "target": "", "ok": None},
    ]
    return rows


def postgresql_rows(pg: Figures, lite: Figures) -> list[dict[str, Any]]:
    """PostgreSQL's rows beside SQLite's of the same run, and the ratios PostgreSQL ÷ SQLite."""
    every = pg.every
    ratio = pg.mean_s / lite.mean_s
    rows: list[dict[str, Any]] = [
        {"name": f"PostgreSQL: case-changing updates through the bot ({len(every):,}, same mix)",
         "value": len(every) / pg.loop_s, "unit": "updates/s", "target": "", "ok": None},
        {"name": "PostgreSQL: case-changing update latency p50 / p99", "value": _ms(every), "unit": "ms",
         "target": "", "ok": None},
    ]
    for name, times in pg.latency.items():
        rows.append({"name": f"  {name}", "value": _ms(times), "unit": "ms p50 / p99", "target": "", "ok": None})
    rows += [
        {"name": "PostgreSQL: echo + one PostgreSQL write transaction (its floor): p50 / p99",
         "value": _ms(pg.floor), "unit": "ms", "target": "", "ok": None},
        {"name": "  its cost / echo (mean time)", "value": pg.floor_ratio, "unit": "x", "target": "", "ok": None},
        {"name": "PostgreSQL: cost of a case-changing update / echo (mean time)",
         "value": pg.mean_s / statistics.fmean(pg.echo), "unit": "x", "target": "", "ok": None},
        {"name": "PostgreSQL: cost of a case-changing update / its floor (mean time)",
         "value": pg.mean_s / statistics.fmean(pg.floor), "unit": "x", "target": "", "ok": None},
        {"name": f"PostgreSQL: outbox sender: time per delivered notice ({pg.notices:,} notices)",
         "value": pg.flush_s / max(1, pg.notices) * 1000, "unit": "ms", "target": "", "ok": None},
        {"name": "PG ÷ SQLite: floor (echo + one write transaction), mean time",
         "value": statistics.fmean(pg.floor) / statistics.fmean(lite.floor), "unit": "x", "target": "",
         "ok": None},
        {"name": "PG ÷ SQLite: mean time per case-changing update", "value": ratio, "unit": "x",
         "target": f"<= {TARGET_PG_RATIO:g}", "ok": ratio <= TARGET_PG_RATIO},
    ]
    return rows


def seed(path: Path) -> None:
    """Migrate, write 100,000 cases of history, and mark their old open deadlines as already reminded."""

    async def migrate() -> None:
        db = await Database.open(path)
        await db.close()

    asyncio.run(migrate())
    generate(path, n=HISTORY)
    import sqlite3

    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE deadlines SET reminded_at = due_at, expired_notified_at = due_at "
                     "WHERE closed_at IS NULL")
    conn.close()


def run() -> list[dict[str, Any]]:
    server = bench_pg.reachable()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        started = time.perf_counter()
        seed(tmp / "bot.sqlite3")
        seeded = time.perf_counter() - started
        db_path = (tmp / "bot.sqlite3").resolve()
        fs = _filesystem(db_path)
        on_disk = db_path.is_file() and fs not in ("tmpfs", "ramfs", "?")
        rows: list[dict[str, Any]] = [{"name": f"seed {HISTORY:,} cases of history (generator of reports_bench)",
                                       "value": seeded, "unit": "s", "target": "", "ok": None}]
        lite, pg_rows = asyncio.run(_both(tmp, db_path, server))
        rows += sqlite_rows(lite, on_disk)
        rows[1]["name"] += f", {fs}"
    return rows + pg_rows


async def _both(tmp: Path, db_path: Path, server: str | None) -> tuple[Figures, list[dict[str, Any]]]:
    """SQLite, then PostgreSQL holding a copy of the same seeded history (copied before SQLite's run adds to
    it), in the same process. Without a server, or when PostgreSQL breaks, its rows say so."""
    if server is None:
        return (await _measure(tmp, db_path, tmp / "floor.sqlite3"),
                [{"name": "PostgreSQL: case-changing updates through the bot", "value": bench_pg.SKIPPED,
                  "unit": "", "target": "", "ok": None}])
    async with bench_pg.scratch_database(server) as target, bench_pg.scratch_database(server) as floor:
        for url in (target, floor):
            await (await open_database(url)).close()          # migrated
        started = time.perf_counter()
        copied = await bench_pg.copy_sqlite(db_path, target)
        copy_s = time.perf_counter() - started
        lite = await _measure(tmp, db_path, tmp / "floor.sqlite3")
        try:
            pg = await _measure(tmp, target, floor)
        except Exception as exc:       # noqa: BLE001  reported as a row: the rest of the bench still runs
            return lite, [bench_pg.failed("case-changing updates", exc)]
    return lite, [{"name": f"PostgreSQL: the seeded history copied from SQLite ({copied:,} rows, COPY)",
                   "value": copy_s, "unit": "s", "target": "", "ok": None}, *postgresql_rows(pg, lite)]


if __name__ == "__main__":
    for row in run():
        print(row)
