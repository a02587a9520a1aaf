"""Working calendar speed: ``WorkCalendar.add`` and friends on random starts and durations."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from deadlines.schedule import DEFAULT_SCHEDULE

TZ = ZoneInfo("Europe/Moscow")
CALLS = 50_000
TARGET_US = 20.0


def _inputs(n: int, seed: int = 307) -> list[tuple[datetime, int]]:
    rng = random.Random(seed)
    base = datetime(2024, 1, 1, tzinfo=TZ)
    span = int(timedelta(days=3 * 365).total_seconds())
    return [(base + timedelta(seconds=rng.randrange(span)), rng.choice((30, 60, 120, 180)) + rng.randrange(0, 30))
            for _ in range(n)]


def _per_call_us(fn: Callable[[datetime, int], object], inputs: list[tuple[datetime, int]]) -> float:
    for start, minutes in inputs[:2000]:  # warm-up: fills the per-year caches
        fn(start, minutes)
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for start, minutes in inputs:
            fn(start, minutes)
        best = min(best, time.perf_counter() - began)
    return best / len(inputs) * 1e6


def run() -> list[dict]:
    cal = WorkCalendar(DEFAULT_SCHEDULE, TZ)
    deadlines = Deadlines(cal)
    inputs = _inputs(CALLS)
    rows = []
    for name, fn, target in (
        ("calendar add (working time)", cal.add, TARGET_US),
        ("calendar subtract (working time)", cal.subtract, TARGET_US),
        ("deadlines due answer", lambda s, _m: deadlines.due("answer", s), TARGET_US),
        ("deadlines due draft (add + subtract)", lambda s, _m: deadlines.due("draft", s), 2 * TARGET_US),
        ("working_minutes_between", lambda s, m: cal.working_minutes_between(s, s + timedelta(minutes=m)), TARGET_US),
    ):
        value = _per_call_us(fn, inputs)
        rows.append({"name": name, "value": value, "unit": "µs/call", "target": f"<= {target:g}",
                     "ok": value <= target})
    started = time.perf_counter()
    WorkCalendar(DEFAULT_SCHEDULE, TZ).add(datetime(2026, 3, 2, 10, 0, tzinfo=TZ), 180)
    cold = (time.perf_counter() - started) * 1000
    rows.append({"name": "calendar first add on a new WorkCalendar", "value": cold, "unit": "ms", "target": "",
                 "ok": None})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
