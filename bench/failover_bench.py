"""Failover on PostgreSQL (issue 15 §2, target ≤ 10 s): a standby leads after the leader's ``kill -9``.

Two processes run the bot's own leadership (``bot.runtime.leader.Leadership`` over
``storage.leader_lock.PgLeaderLock``: the advisory lock on a connection of its own, the standby retrying
every 2 s) against one PostgreSQL database. The first leads; the second reports standby; the first is
killed with SIGKILL; measured is the time from the kill to the second's "became leader" (both processes read
the same monotonic clock). Three rounds, the worst is the figure. The whole bot's failover under load
(500 reminders, nothing lost or doubled) is the process test of the leader part (tests/process/).

Without a server, or on a branch without the leadership modules, the row says skipped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import pg as bench_pg

ROUNDS = 3
TARGET_S = 10.0
WAIT_S = 30.0
ROOT = Path(__file__).resolve().parent.parent


def _available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("bot.runtime.leader", "storage.leader_lock"))


async def _child(url: str) -> None:
    """One process of the deployment: prints ``standby``/``leader <monotonic>`` as its role changes."""
    from bot.runtime.leader import Leadership
    from storage.leader_lock import PgLeaderLock

    leadership = Leadership(PgLeaderLock(url))

    async def gained() -> None:
        print(f"leader {time.monotonic():.6f}", flush=True)

    leadership.on_gained = gained
    if await leadership.step() != "leader":
        print("standby", flush=True)
    await leadership.run()


class _Process:
    def __init__(self, url: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), "."]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.failover_bench", "--child", url],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                                     env=env)

    def wait_for(self, word: str) -> str:
        """The first line of the process's output starting with ``word`` (raises after :data:`WAIT_S`)."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the process ended before saying {word!r}")
            if line.startswith(word):
                return line
        raise TimeoutError(f"no {word!r} within {WAIT_S:g} s")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def _round(url: str) -> float:
    first = _Process(url)
    second: _Process | None = None
    try:
        first.wait_for("leader")
        second = _Process(url)
        second.wait_for("standby")
        killed = time.monotonic()
        first.kill()
        took = float(second.wait_for("leader").split()[1]) - killed
    finally:
        first.kill()
        if second is not None:
            second.kill()
    return took


def run() -> list[dict[str, Any]]:
    name = "failover: a standby leads after the leader's kill -9 (2 processes, worst of 3)"
    if not _available():
        return [{"name": f"PostgreSQL: {name}", "value": "skipped: leadership not on this branch "
                 "(bot/runtime/leader.py)", "unit": "", "target": "", "ok": None}]
    server = bench_pg.reachable()
    if server is None:
        return [{"name": f"PostgreSQL: {name}", "value": bench_pg.SKIPPED, "unit": "", "target": "", "ok": None}]

    async def scratch() -> str:
        return await bench_pg.create_database(server)

    url = asyncio.run(scratch())
    try:
        times = [_round(url) for _ in range(ROUNDS)]
    except Exception as exc:           # noqa: BLE001  reported as a row: the rest of the bench still runs
        return [bench_pg.failed("failover", exc)]
    finally:
        asyncio.run(bench_pg.drop_database(url))
    worst = max(times)
    return [{"name": f"PostgreSQL: {name}", "value": worst, "unit": "s", "target": f"<= {TARGET_S:g}",
             "ok": worst <= TARGET_S},
            {"name": "  each round", "value": " / ".join(f"{t:.2f}" for t in times), "unit": "s", "target": "",
             "ok": None}]


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        asyncio.run(_child(sys.argv[2]))
    else:
        for row in run():
            print(row)
