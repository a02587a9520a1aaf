"""Failover (issue 15 §5): two `python -m bot` processes on one PostgreSQL, the leader killed with -9 half-way
through a burst of 500 reminders.

Both processes run in webhook mode behind "a balancer" (this test: it posts each update to a process, and
re-posts it to the other one when the first does not answer, as nginx's ``proxy_next_upstream`` does); the
leader sends the outbox and runs the scheduler. What is measured:

- **takeover**: from the kill to the standby's /healthz saying ``"role": "leader"`` — at most 10 s;
- **every reminder exactly once**: each of the 500 cases' operators (a private chat each) gets its reminder
  (``sendMessage`` calls the fake Bot API accepted, counted per chat). The one message that may repeat is the
  sender's documented window (docs/delivery.md): Telegram accepted it and the process died before its
  ``sent_at`` commit — with one kill, at most one such message; the test allows that one and no other;
- **no update lost, none handled twice**: every post forwarded to either process before (and at) the kill is
  one case, with its card sent once; an update delivered to both processes is handled once;
- **the case history intact**: each new case has exactly its one ``created`` event; the outbox holds each
  reminder once (dedup key) and every one is marked sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.fake_telegram import FakeBotAPI
from storage.codec import ts
from storage.connect import open_database
from storage.db import Database
from tests.e2e.test_process import OPERATOR, SECRET_HEADER, WEBHOOK_SECRET, free_port, start_bot
from tests.support import backend

REMINDERS = 500
FIRST_CHAT = 500_000          # the operators of the seeded cases: FIRST_CHAT + 1 … FIRST_CHAT + 500
TAKEOVER_LIMIT = 10.0


async def seed(db: Database) -> None:
    """500 open cases whose route clock is two-thirds used: every reminder is due at the leader's start."""
    now = datetime.now(UTC)
    started, due = ts(now - timedelta(hours=20)), ts(now + timedelta(hours=4))
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO cases (id, number, year, seq, status, platform, text, detected_at, operator_id, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(i, f"2026-{i:05d}", 2026, i, "new", "vk", f"Сообщение {i}", started, FIRST_CHAT + i, started,
              started) for i in range(1, REMINDERS + 1)])
        await conn.executemany(
            "INSERT INTO deadlines (case_id, rule, owner, department_id, started_at, due_at) VALUES (?,?,?,?,?,?)",
            [(i, "route", "operator", None, started, due) for i in range(1, REMINDERS + 1)])
        # ids given by hand: the identity's sequence goes on after them (the next case registered is 501)
        await conn.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), ?)", (REMINDERS,))


class Deployment:
    """Two processes of one bot and the balancer in front of their webhooks."""

    def __init__(self, server: FakeBotAPI, tmp_path: Path, url: str) -> None:
        self.server, self.tmp_path, self.url = server, tmp_path, url
        self.procs: dict[int, asyncio.subprocess.Process] = {}
        self.logs: dict[int, list[bytes]] = {}
        self.readers: list[asyncio.Task[None]] = []
        self.http = aiohttp.ClientSession()

    async def start(self, name: str) -> int:
        port = free_port()
        folder = self.tmp_path / name
        folder.mkdir()
        self.procs[port] = await start_bot(
            self.server, folder, DATABASE_URL=self.url, RUN_MODE="webhook", WEBHOOK_URL="https://bot.example.test",
            WEBHOOK_SECRET=WEBHOOK_SECRET, WEB_PORT=str(port), SURGE_MIN_POSTS="50", BACKUP_TIMES="")
        self.logs[port] = []
        for stream in (self.procs[port].stdout, self.procs[port].stderr):    # read on: a full pipe would block it
            self.readers.append(asyncio.create_task(self._read(stream, self.logs[port])))
        return port

    @staticmethod
    async def _read(stream: asyncio.StreamReader | None, into: list[bytes]) -> None:
        while stream is not None and (line := await stream.readline()):
            into.append(line)

    async def health(self, port: int) -> dict[str, Any] | None:
        try:
            async with self.http.get(f"http://127.0.0.1:{port}/healthz",
                                     timeout=aiohttp.ClientTimeout(total=2)) as response:
                return dict(await response.json())
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def role(self, port: int) -> str | None:
        report = await self.health(port)
        return None if report is None else str(report.get("role"))

    async def post(self, port: int, update: dict[str, Any], *others: int) -> int:
        """Deliver ``update`` to the process at ``port``; if it does not answer 200, to the next (the
        balancer). Returns the port that answered."""
        for target in (port, *others):
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self.http.post(f"http://127.0.0.1:{target}/telegram/webhook", json=update,
                                          headers={SECRET_HEADER: WEBHOOK_SECRET},
                                          timeout=aiohttp.ClientTimeout(total=20)) as response:
                    if response.status == 200:
                        return target
        raise AssertionError(f"no process took update {update['update_id']}")

    async def close(self) -> list[str]:
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await self.http.close()
        return [b"".join(lines).decode("utf-8", "replace") for lines in self.logs.values()]


async def until(predicate: Any, within: float, what: str) -> None:
    """Poll ``predicate`` (a coroutine function) every 50 ms, at most ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def reminders_sent(server: FakeBotAPI) -> Counter[int]:
    return Counter(int(c.chat_id) for c in server.calls_of("sendMessage")
                   if c.error is None and FIRST_CHAT < int(c.chat_id) <= FIRST_CHAT + REMINDERS)


def post(server: FakeBotAPI, n: int) -> dict[str, Any]:
    return server.user_message(OPERATOR, f"Пост номер {n}: яма на дороге", forward_from_chat=(-100555, "Подслушано", "zelen"),
                               forward_message_id=1000 + n)


async def test_the_standby_takes_over_within_10_s_and_nothing_is_lost_or_doubled(pg_url: str, tmp_path: Path) -> None:
    url = await backend.create_database()
    db = await open_database(url)
    await seed(db)
    async with FakeBotAPI() as server:
        deployment = Deployment(server, tmp_path, url)
        started = time.monotonic()
        ports = [await deployment.start("a"), await deployment.start("b")]
        try:
            async def roles_settled() -> bool:
                return sorted([str(await deployment.role(p)) for p in ports]) == ["leader", "standby"]

            await until(roles_settled, 60, "one leader and one standby")
            roles = {p: await deployment.role(p) for p in ports}
            leader = next(p for p in ports if roles[p] == "leader")
            standby = next(p for p in ports if p != leader)
            print(f"\nroles settled {time.monotonic() - started:.1f} s after the start")
            assert (await deployment.health(standby) or {}).get("status") == "ok"    # a standby is healthy

            def sent_at_least(n: int) -> Any:
                async def check() -> bool:
                    return sum(reminders_sent(server).values()) >= n
                return check

            await until(sent_at_least(100), 40, "the leader sending")
            taken = [await deployment.post(leader, post(server, n)) for n in range(3)]      # taken by the leader
            taken += [await deployment.post(standby, post(server, n)) for n in range(3, 5)]  # … and by the standby
            duplicate = post(server, 5)
            await deployment.post(leader, duplicate)
            await deployment.post(standby, duplicate)      # Telegram re-sent it: the other process skips it
            assert taken == [leader] * 3 + [standby] * 2

            await until(sent_at_least(REMINDERS // 2), 40, "half of the reminders")
            in_flight = asyncio.create_task(deployment.post(leader, post(server, 6), standby))
            await asyncio.sleep(0.01)
            deployment.procs[leader].send_signal(signal.SIGKILL)           # kill -9, half-way
            killed_at = time.monotonic()
            await deployment.procs[leader].wait()
            sent_at_kill = sum(reminders_sent(server).values())

            async def took_over() -> bool:
                return await deployment.role(standby) == "leader"

            await until(took_over, 30, "the standby taking over")
            takeover = time.monotonic() - killed_at
            await in_flight

            async def all_sent() -> bool:
                row = await db.fetchone("SELECT COUNT(*) FROM outbox WHERE kind = 'reminder' AND sent_at IS NULL")
                return row is not None and row[0] == 0

            await until(all_sent, 60, "every reminder sent")
            await until(lambda: _cards_sent(server, 7), 30, "the seven cards")
        except BaseException:           # what the processes said, for the failure's report
            for p in ports:
                print(p, await deployment.health(p), b"".join(
                    [line for line in deployment.logs[p] if b"level=ERROR" in line][:1]).decode()[-1500:])
            await db.close()
            raise
        finally:
            errors = await deployment.close()

    per_chat = reminders_sent(server)
    duplicates = sum(n - 1 for n in per_chat.values())
    print(f"\nfailover: takeover {takeover:.2f} s after kill -9; {sent_at_kill} of {REMINDERS} reminders sent "
          f"before it; duplicates {duplicates}")
    assert takeover <= TAKEOVER_LIMIT, f"takeover took {takeover:.1f} s"
    assert 0 < sent_at_kill < REMINDERS
    assert set(per_chat) == {FIRST_CHAT + i for i in range(1, REMINDERS + 1)}     # every one delivered
    assert duplicates <= 1, f"{duplicates} reminders went out twice (at most the one window)"
    row = await db.fetchone("SELECT COUNT(*), COUNT(DISTINCT dedup_key) FROM outbox WHERE kind = 'reminder'")
    assert row is not None and tuple(row) == (REMINDERS, REMINDERS)

    # Every post taken before and at the kill is one case, none twice, each with its one event.
    rows = await db.fetchall("SELECT c.text, COUNT(DISTINCT c.id), COUNT(e.id) FROM cases c "
                             "LEFT JOIN events e ON e.case_id = c.id WHERE c.text LIKE 'Пост номер %' GROUP BY c.text")
    await db.close()
    by_text = {r[0]: (r[1], r[2]) for r in rows}
    assert sorted(by_text) == sorted(f"Пост номер {n}: яма на дороге" for n in range(7))
    assert set(by_text.values()) == {(1, 1)}, by_text
    cards = [c for c in server.calls_of("sendMessage") if c.error is None and str(c.chat_id) == str(OPERATOR)
             and "Пост номер" in (c.text or "")]
    assert len(cards) == 7, [c.text for c in cards]
    assert any("became leader" in err for err in errors) and any("standby" in err for err in errors)


async def _cards_sent(server: FakeBotAPI, count: int) -> bool:
    return len([c for c in server.calls_of("sendMessage") if c.error is None and str(c.chat_id) == str(OPERATOR)
                and "Пост номер" in (c.text or "")]) >= count


pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX")
