"""The leader rule (bot/runtime/leader.py): one leader at a time, standbys take over, a broken lock stops it."""

from __future__ import annotations

import logging

import pytest

from bot.runtime.leader import LEADER, STANDBY, Leadership, SoleProcess


class Server:
    """What a PostgreSQL server does with one advisory lock: one session holds it; a dropped one frees it."""

    def __init__(self) -> None:
        self.holder: FakeLock | None = None


class FakeLock:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.broken = False          # the lock's connection dropped (the server released the lock)
        self.unreachable = False     # the database cannot be reached at all
        self.released = 0

    async def acquire(self) -> bool:
        if self.unreachable:
            raise OSError("connection refused")
        self.broken = False
        if self.server.holder is None:
            self.server.holder = self
        return self.server.holder is self

    async def held(self) -> bool:
        return self.server.holder is self and not self.broken

    async def release(self) -> None:
        self.released += 1
        if self.server.holder is self:
            self.server.holder = None

    def break_connection(self) -> None:
        self.broken = True
        if self.server.holder is self:
            self.server.holder = None


class Duties:
    def __init__(self, *, fail_start: bool = False) -> None:
        self.running = False
        self.starts = 0
        self.stops = 0
        self.fail_start = fail_start

    async def start(self) -> None:
        self.starts += 1
        if self.fail_start:
            raise RuntimeError("scheduler would not start")
        self.running = True

    async def stop(self) -> None:
        self.stops += 1
        self.running = False


def process(server: Server, pid: int, duties: Duties | None = None) -> tuple[Leadership, FakeLock, Duties]:
    lock = FakeLock(server)
    leadership = Leadership(lock, pid=pid)
    duties = duties or Duties()
    leadership.on_gained, leadership.on_lost = duties.start, duties.stop
    return leadership, lock, duties


async def test_sqlite_one_process_always_leads_and_starts_its_duties_once() -> None:
    leadership = Leadership(SoleProcess(), pid=7)
    duties = Duties()
    leadership.on_gained, leadership.on_lost = duties.start, duties.stop
    assert leadership.role == STANDBY
    for _ in range(3):
        assert await leadership.step() == LEADER
    assert duties.starts == 1 and duties.running and duties.stops == 0


async def test_exactly_one_of_two_processes_leads_and_the_standby_takes_over_when_the_leader_dies(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.runtime.leader")
    server = Server()
    first, first_lock, first_duties = process(server, 101)
    second, _, second_duties = process(server, 202)
    assert await first.step() == LEADER
    assert await second.step() == STANDBY
    assert await second.step() == STANDBY              # "standby" is said once, not every round
    assert first_duties.running and not second_duties.running
    assert [r.getMessage() for r in caplog.records if "standby" in r.getMessage()] == [
        "standby (pid 202): another process leads; trying every 2 s"]

    first_lock.break_connection()                      # kill -9: the server drops the session and its lock
    assert await second.step() == LEADER               # the standby's next try takes it
    assert second_duties.running
    assert await first.step() == STANDBY               # a leader cut off finds out at its next check
    assert not first_duties.running and first_duties.stops == 1 and first_lock.released == 1
    assert await first.step() == STANDBY               # and stays a standby while the other leads
    messages = [r.getMessage() for r in caplog.records]
    assert "became leader (pid 101)" in messages and "became leader (pid 202)" in messages
    assert any(m.startswith("lost leadership (pid 101)") for m in messages)


async def test_a_half_dead_leader_stops_leading_before_anybody_else_leads() -> None:
    server = Server()
    leader, lock, duties = process(server, 1)
    await leader.step()
    lock.broken = True               # its connection broke; the server has not released the lock yet
    assert await leader.step() == STANDBY
    assert not duties.running and server.holder is None      # it gave the lock back on its way out


async def test_duties_that_do_not_start_give_leadership_back() -> None:
    server = Server()
    leader, lock, duties = process(server, 1, Duties(fail_start=True))
    assert await leader.step() == STANDBY
    assert duties.starts == 1 and duties.stops == 1 and server.holder is None
    other, _, other_duties = process(server, 2)
    assert await other.step() == LEADER and other_duties.running


async def test_an_unreachable_database_keeps_a_standby_trying() -> None:
    server = Server()
    standby, lock, duties = process(server, 3)
    lock.unreachable = True
    assert await standby.step() == STANDBY
    lock.unreachable = False
    assert await standby.step() == LEADER and duties.running


async def test_stop_gives_the_lock_back_and_no_round_follows() -> None:
    server = Server()
    leader, lock, duties = process(server, 1)
    await leader.step()
    await leader.halt()
    assert server.holder is lock                 # kept until the duties stopped (the app's close)
    await leader.stop()
    assert server.holder is None and leader.role == STANDBY
    assert await leader.step() == STANDBY and duties.starts == 1
