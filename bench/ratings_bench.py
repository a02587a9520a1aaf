"""The republic's monthly rating (issue 14 "Scale"): 15 organisations × 1,500 posts a month × 36 months.

The generator writes 810,000 cases with their clocks (cl. 6 answer, cl. 7 final after an intermediate answer),
publications, drafts (some returned), declines and transfers between organisations (the giver's copy
'transferred', the receiver's own case) with executemany in big transactions into a database migrated by the
project's own migrations. The file is kept in ``bench/data/`` (not in git) and reused by the next run while
the generator's version and sizes are the same; a migration added since is applied to it on opening.

Measured: the monthly rating (``RatingService.build``, best of three) against its floor — reading the same
month's cases of every organisation through the same index and nothing else — and every query plan of the
rating: no full scan of a table it reads (storage/ratings.py ``table_scans``).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import pg as bench_pg
from bench.reports_bench import _ts, bulk_connection
from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from bot.services.periods import parse_period
from bot.services.ratings import RatingService
from deadlines.calendar import WorkCalendar
from deadlines.schedule import DEFAULT_SCHEDULE
from storage.db import Database, fetch_all
from storage.ratings import RatingRepository, cases_sql, table_scans, transfers_sql
from storage.scoping import org_clause

TZ = ZoneInfo("Europe/Moscow")
ORGS = 15
POSTS_A_MONTH = 1_500
MONTHS = 36
FIRST = datetime(2024, 1, 1, tzinfo=TZ)
RATING_MONTH = "2025-06"
TARGET_S = 2.0
VERSION = 1                       # bump when the generator changes: the cached file is made anew
DATA = Path(os.environ.get("BENCH_DATA", Path(__file__).parent / "data"))
BATCH = 60_000
PG_DATABASE = f"bench_ratings_v{VERSION}_{ORGS}x{POSTS_A_MONTH}x{MONTHS}"   # on the PostgreSQL server, kept


def cached_path() -> Path:
    return DATA / f"ratings_v{VERSION}_{ORGS}x{POSTS_A_MONTH}x{MONTHS}.sqlite3"


class _Rows:
    def __init__(self) -> None:
        self.cases: list[tuple[object, ...]] = []
        self.deadlines: list[tuple[object, ...]] = []
        self.pubs: list[tuple[object, ...]] = []
        self.drafts: list[tuple[object, ...]] = []
        self.depts: list[tuple[object, ...]] = []
        self.transfers: list[tuple[object, ...]] = []

    def flush(self, conn: sqlite3.Connection) -> None:
        conn.executemany("INSERT INTO cases (id, org_id, number, year, seq, status, platform, text, detected_at, "
                         "operator_id, created_at, updated_at, closed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         self.cases)
        conn.executemany("INSERT INTO deadlines (case_id, rule, owner, started_at, due_at, closed_at, outcome) "
                         "VALUES (?,?,?,?,?,?,?)", self.deadlines)
        conn.executemany("INSERT INTO publications (case_id, kind, screenshot_file_id, published_by, published_at) "
                         "VALUES (?,?,?,?,?)", self.pubs)
        conn.executemany("INSERT INTO drafts (case_id, department_id, kind, text, author_id, version, submitted_at, "
                         "decision) VALUES (?,?,?,?,?,?,?,?)", self.drafts)
        conn.executemany("INSERT INTO case_departments (case_id, department_id, state, routed_at, declined_at) "
                         "VALUES (?,?,?,?,?)", self.depts)
        conn.executemany("INSERT INTO transfers (from_case_id, from_org, to_org, to_case_id, state, reason, by_id, "
                         "by_role, at) VALUES (?,?,?,?,?,?,?,?,?)", self.transfers)
        for rows in vars(self).values():
            rows.clear()


def generate(path: Path, seed: int = 307) -> int:
    """Write the organisations, their departments and every case; returns the number of cases."""
    rng = random.Random(seed)
    conn = bulk_connection(path)
    now = _ts(FIRST)
    prefixes = [f"O{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(ORGS)]
    conn.executemany("INSERT INTO organisations (id, name, prefix, created_at) VALUES (?,?,?,?)",
                     [(i + 2, f"Организация {i + 2}", prefixes[i + 1], now) for i in range(ORGS - 1)])
    conn.executemany("INSERT INTO departments (id, org_id, name, chat_id, created_at) VALUES (?,?,?,?,?)",
                     [(o * 10 + k, o, f"Отдел {k}", -100_000 - o * 10 - k, now)
                      for o in range(1, ORGS + 1) for k in range(3)])
    rows = _Rows()
    seqs: dict[tuple[int, int], int] = {}
    case_id = 0
    month_s = 30 * 24 * 3600
    total = ORGS * POSTS_A_MONTH * MONTHS
    for n in range(total):
        org = n % ORGS + 1
        detected = FIRST + timedelta(seconds=month_s * MONTHS * n // total + rng.randrange(60))
        case_id += 1
        given = rng.random() < 0.01
        _case(rows, rng, seqs, prefixes, case_id, org, detected, "transferred" if given else None)
        if given:                               # the receiver's own case, same detection time
            to_org = org % ORGS + 1
            at = detected + timedelta(minutes=rng.randrange(20, 240))
            case_id += 1
            _case(rows, rng, seqs, prefixes, case_id, to_org, detected, None)
            rows.transfers.append((case_id - 1, org, to_org, case_id, "transferred", "не наша компетенция", 100,
                                   "operator", _ts(at)))
        if len(rows.cases) >= BATCH:
            rows.flush(conn)
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    rows.flush(conn)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return case_id


def _case(rows: _Rows, rng: random.Random, seqs: dict[tuple[int, int], int], prefixes: list[str], case_id: int,
          org: int, detected: datetime, status: str | None) -> None:
    year = detected.year
    seq = seqs[(org, year)] = seqs.get((org, year), 0) + 1
    number = f"{prefixes[org - 1]}-{year}-{seq:04d}" if org > 1 else f"{year}-{seq:04d}"
    roll = rng.random()
    late = rng.random() < 0.12
    first = detected + timedelta(minutes=rng.randrange(30, 150) if not late else rng.randrange(190, 600))
    status = status or ("excluded" if roll < 0.02 else "dismissed" if roll < 0.04 else "in_work" if roll < 0.08
                        else "awaiting_final" if roll < 0.12 else "closed")
    det, due = _ts(detected), _ts(detected + timedelta(hours=3))
    rows.cases.append((case_id, org, number, year, seq, status, "vk", "Текст сообщения о проблеме", det, 100, det,
                       _ts(first), _ts(first) if status == "closed" else None))
    if status in ("excluded", "dismissed"):
        rows.deadlines.append((case_id, "answer", "operator", det, due, det, "cancelled"))
        return
    if status == "transferred":
        rows.deadlines.append((case_id, "answer", "operator", det, due, det, "missed" if late else "cancelled"))
        return
    k = rng.randrange(3)
    dept = org * 10 + k
    rows.depts.append((case_id, dept, "accepted", det, None))
    if rng.random() < 0.04:
        rows.depts.append((case_id, org * 10 + (k + 1) % 3, "declined", det, det))
    if status == "in_work":
        rows.deadlines.append((case_id, "answer", "operator", det, due, None, None))
        return
    rows.drafts.append((case_id, dept, "answer", "Ответ", 201, 1, det, "approved"))
    if rng.random() < 0.1:
        rows.drafts.append((case_id, dept, "answer", "Ответ", 201, 2, det, "returned"))
    rows.deadlines.append((case_id, "answer", "operator", det, due, _ts(first), "missed" if late else "met"))
    if status == "awaiting_final":
        rows.pubs.append((case_id, "intermediate", "shot", 201, _ts(first)))
        rows.deadlines.append((case_id, "final", "operator", _ts(first), _ts(first + timedelta(days=1)), None, None))
        return
    rows.pubs.append((case_id, "answer", "shot", 201, _ts(first)))
    if rng.random() < 0.1:                       # an intermediate answer, then the final one (cl. 7)
        final_at = first + timedelta(hours=rng.randrange(2, 40))
        rows.deadlines.append((case_id, "final", "operator", _ts(first), _ts(first + timedelta(days=1)),
                               _ts(final_at), "met" if final_at < first + timedelta(days=1) else "missed"))


async def _migrate(path: Path) -> None:
    """Open (and so migrate) the database: a new one gets the schema, a cached one the migrations added since."""
    db = await Database.open(path)
    await db.close()


def _prepare(path: Path) -> tuple[int, float | None]:
    """The cached database, made when missing; (its cases, seconds generating or None when reused)."""
    if path.exists():
        asyncio.run(_migrate(path))
        conn = sqlite3.connect(path)
        try:
            count = conn.execute("SELECT COUNT(*) FROM cases WHERE org_id IN (SELECT id FROM organisations)").fetchone()[0]
        finally:
            conn.close()
        return int(count), None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)
    asyncio.run(_migrate(tmp))
    started = time.perf_counter()
    count = generate(tmp)
    generated = time.perf_counter() - started
    tmp.rename(path)
    return count, generated


async def _timings(db: Database) -> dict[str, Any]:
    """The rating's best of three, its floor, the rating with its files: on either backend."""
    now = datetime(2027, 1, 15, 12, tzinfo=TZ)
    service = RatingService(db, WorkCalendar(DEFAULT_SCHEDULE, TZ), FakeClock(now), TZ)
    period = parse_period(RATING_MONTH, now, TZ)
    start, end = _ts(period.start), _ts(period.end)
    org, params = org_clause(Scope.all(), "org_id")
    floor_sql = (f"SELECT org_id, detected_at FROM cases WHERE {org} "  # noqa: S608  the scoping clause; values are bound
                 "AND detected_at >= ? AND detected_at < ?")
    await service.build(period)                        # warm the page cache and the calendar
    best = floor = float("inf")
    rating = None
    for _ in range(3):
        started = time.perf_counter()
        rating = await service.build(period)
        best = min(best, time.perf_counter() - started)
        started = time.perf_counter()
        await fetch_all(db.conn, floor_sql, (*params, start, end))
        floor = min(floor, time.perf_counter() - started)
    assert rating is not None
    started = time.perf_counter()
    files = await service.files(period)
    full = time.perf_counter() - started
    return {"best": best, "floor": floor, "posts": sum(ln.figures.posts for ln in rating.lines),
            "orgs": len(rating.lines), "full": full, "xlsx": len(files.xlsx), "png": len(files.png),
            "figures": [ln.figures for ln in rating.lines], "start": start, "end": end, "now": _ts(now)}


async def _measure(path: Path) -> dict[str, Any]:
    db = await Database.open(path)
    try:
        m = await _timings(db)
        start, end, now = m["start"], m["end"], m["now"]
        repo = RatingRepository()
        sql, p = cases_sql(Scope.all())
        plan = await repo.explain(db.conn, sql, (*p, start, end, now, now))
        tsql, p_from, p_to = transfers_sql(Scope.all())
        plan += await repo.explain(db.conn, tsql, (*p_from, start, end, *p_to, start, end))
        return {**m, "scans": table_scans(plan), "index_used": any("ix_cases_report" in line for line in plan)}
    finally:
        await db.close()


def _pg_rows(path: Path, lite: dict[str, Any]) -> list[dict[str, Any]]:
    m, rows = bench_pg.run_kept("monthly rating", path, PG_DATABASE, _timings)
    if m is None:
        return rows
    best, floor = float(m["best"]), float(m["floor"])
    same = m["figures"] == lite["figures"]
    return [
        *rows,
        {"name": f"PostgreSQL: monthly rating ({m['orgs']} organisations, {m['posts']} posts)", "value": best,
         "unit": "s", "target": f"<= {TARGET_S:g}", "ok": best <= TARGET_S},
        {"name": "  its floor: reading the month's cases through the same index", "value": floor, "unit": "s",
         "target": "", "ok": None},
        {"name": "  rating / floor", "value": best / floor if floor else float("inf"), "unit": "x", "target": "",
         "ok": None},
        {"name": "PostgreSQL: monthly rating with XLSX + PNG", "value": m["full"], "unit": "s", "target": "",
         "ok": None},
        {"name": "PostgreSQL: every organisation's figures the same as on SQLite", "value": "yes" if same else "no",
         "unit": "", "target": "yes", "ok": same},
        {"name": "PG ÷ SQLite: monthly rating", "value": best / float(lite["best"]), "unit": "x", "target": "",
         "ok": None},
    ]


def run() -> list[dict]:
    path = cached_path()
    count, generated = _prepare(path)
    m = asyncio.run(_measure(path))
    best, floor = float(m["best"]), float(m["floor"])
    scans = list(m["scans"])
    ok_plans = not scans and bool(m["index_used"])
    size = path.stat().st_size / 1e6
    gen = ({"name": f"generate {count:,} cases of {ORGS} organisations (executemany; {size:.0f} MB, kept in "
                    f"bench/data)", "value": generated, "unit": "s", "target": "", "ok": None}
           if generated is not None else
           {"name": f"cached database reused ({count:,} cases, {size:.0f} MB)", "value": "yes", "unit": "",
            "target": "", "ok": None})
    return [
        gen,
        {"name": f"monthly rating ({RATING_MONTH}, {m['orgs']} organisations, {m['posts']} posts)",
         "value": best, "unit": "s", "target": f"<= {TARGET_S:g}", "ok": best <= TARGET_S},
        {"name": "  its floor: reading the month's cases through the same index", "value": floor, "unit": "s",
         "target": "", "ok": None},
        {"name": "  rating / floor", "value": best / floor if floor else float("inf"), "unit": "x", "target": "",
         "ok": None},
        {"name": "monthly rating with XLSX + PNG", "value": m["full"], "unit": "s", "target": "", "ok": None},
        {"name": "rating query plans use indexes (table scans: " + ("; ".join(scans) or "none") + ")",
         "value": "yes" if ok_plans else "no", "unit": "", "target": "yes", "ok": ok_plans},
        *_pg_rows(path, m),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
