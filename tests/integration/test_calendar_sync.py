"""Issue 15: the working calendar is the same in every process of a PostgreSQL deployment.

Two bots (two ``build_app`` on one PostgreSQL database, each with a ``CALENDAR_PATH`` file of its own, as on
two servers): a day off declared through process A's Dispatcher is taken by process B at its next check
(one read of the ``kv`` row's version), B's reminder moments follow (``on_change``) and a case registered in
B afterwards is counted on the new calendar — while the open deadlines are counted again once, by A. The
row is seeded from the file once even when two processes start together; afterwards the database wins over
a differing file. On SQLite the file stays the one place, as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, datetime
from pathlib import Path

import pytest

from bot import texts
from bot.domain.model import Actor, Role
from bot.runtime.clock import FakeClock
from bot.services.calendar_sync import SharedCalendar
from bot.services.cases import NewPost
from deadlines.calendar import CalendarOverrides, WorkCalendar
from deadlines.schedule import DEFAULT_SCHEDULE
from storage.calendar_overrides import KEY, CalendarOverridesRepository
from storage.connect import open_database
from tests.conftest import MSK, msk
from tests.support.backend import create_database
from tests.support.harness import ADMIN, OPERATOR, Harness, make_harness

WEDNESDAY = date(2026, 12, 2)
THURSDAY = date(2026, 12, 3)


def folder(tmp_path: Path, name: str, days_off: list[str] | None = None) -> Path:
    """A process's own directory (its CALENDAR_PATH file, its backups), as on a server of its own."""
    path = tmp_path / name
    path.mkdir()
    if days_off is not None:
        (path / "calendar.json").write_text(json.dumps({"regional_days_off": days_off}), encoding="utf-8")
    return path


async def answer_due(h: Harness, case_id: int) -> datetime:
    row = await h.app.db.fetchone("SELECT due_at FROM deadlines WHERE case_id = ? AND rule = 'answer'", (case_id,))
    assert row is not None
    return datetime.fromisoformat(row[0]).astimezone(MSK)


async def register(h: Harness, text: str) -> int:
    post = NewPost(platform="vk", text=text, operator_id=OPERATOR, detected_at=h.clock.now())
    case = (await h.app.cases.register(post, Actor(OPERATOR, Role.OPERATOR, "Оператор"))).case
    assert case.id is not None
    return case.id


async def stored(h: Harness) -> dict[str, object]:
    row = await h.app.db.fetchone("SELECT value FROM kv WHERE key = ?", (KEY,))
    assert row is not None
    value: dict[str, object] = json.loads(row[0])
    return value


async def test_a_day_off_declared_in_process_a_reaches_process_b_at_its_check(tmp_path: Path, pg_url: str) -> None:
    url = await create_database()
    clock = FakeClock(msk(2026, 12, 1, 17, 0))          # Tuesday 17:00: a case's answer is due Wednesday 11:00
    a = await make_harness(folder(tmp_path, "a"), clock, database_url=url)
    b = await make_harness(folder(tmp_path, "b"), clock, database_url=url)
    try:
        reloads: list[int | None] = []
        shared_b = b.app.workdays.shared
        assert shared_b is not None and shared_b.on_change is not None
        b_on_change = shared_b.on_change

        async def on_change_b() -> None:            # B's reminder moments follow (reminders.sync, the sender)
            reloads.append(shared_b.version)
            await b_on_change()

        shared_b.on_change = on_change_b
        open_case = await register(a, "Во дворе яма")
        assert await answer_due(a, open_case) == msk(2026, 12, 2, 11, 0)

        await a.say(ADMIN, "/dayoff 02.12.2026")
        assert "Сохранено" in a.last(ADMIN).text
        assert not a.app.deadlines.calendar.is_working_day(WEDNESDAY)
        assert await answer_due(a, open_case) == msk(2026, 12, 3, 11, 0)       # A counted it again
        assert (await stored(a))["version"] == 2
        assert (await stored(a))["overrides"]["regional_days_off"] == ["2026-12-02"]    # type: ignore[index]
        assert not (tmp_path / "a" / "calendar.json").exists()          # the database is the one place

        assert b.app.deadlines.calendar.is_working_day(WEDNESDAY)      # B has not checked yet: the old calendar
        assert await shared_b.check()
        assert not b.app.deadlines.calendar.is_working_day(WEDNESDAY)
        assert reloads == [2]
        assert not await shared_b.check()                                # nothing new: no reload, no on_change
        assert reloads == [2]

        new_case = await register(b, "Не горит фонарь")                 # B counts on the new calendar
        assert await answer_due(b, new_case) == msk(2026, 12, 3, 11, 0)
        moved = await b.app.db.fetchall("SELECT case_id FROM events WHERE kind = 'deadlines_recomputed'")
        assert [r[0] for r in moved] == [open_case]                    # counted again once: by A, not by B
        changes = await b.app.db.fetchall("SELECT actor_id, payload FROM events WHERE kind = 'calendar_changed'")
        assert [r[0] for r in changes] == [ADMIN] and '"2026-12-02"' in changes[0][1]

        await b.say(ADMIN, "/dayoff -02.12.2026")                       # and back, from B this time
        assert "Удалено" in b.last(ADMIN).text
        assert await a.app.workdays.shared.check()                       # type: ignore[union-attr]
        assert a.app.deadlines.calendar.is_working_day(WEDNESDAY)
        assert (await stored(a))["version"] == 3
    finally:
        await a.app.close()
        await b.app.close()


async def test_two_changes_from_two_processes_are_both_kept(tmp_path: Path, pg_url: str) -> None:
    """Each change reads the database's row under the deployment's write lock, not its own memory: B's day
    is not lost when B had not yet taken A's."""
    url = await create_database()
    clock = FakeClock(msk(2026, 12, 1, 10, 0))
    a = await make_harness(folder(tmp_path, "a"), clock, database_url=url)
    b = await make_harness(folder(tmp_path, "b"), clock, database_url=url)
    try:
        admin = Actor(ADMIN, Role.ADMIN)
        assert await a.app.workdays.edit(admin, "regional_days_off", WEDNESDAY)
        assert await b.app.workdays.edit(admin, "regional_days_off", THURSDAY)      # before B's check
        assert (await stored(a))["overrides"]["regional_days_off"] == ["2026-12-02", "2026-12-03"]  # type: ignore[index]
        assert not b.app.deadlines.calendar.is_working_day(WEDNESDAY)              # B runs on both days
        await a.say(ADMIN, "/calendar")                 # A shows the newest calendar, not the one of its last check
        shown = a.last(ADMIN).text
        assert texts.CALENDAR_IN_DATABASE in shown and "02.12.2026, 03.12.2026" in shown
        assert not a.app.deadlines.calendar.is_working_day(THURSDAY)
        assert not await a.app.workdays.shared.check()                               # type: ignore[union-attr]
    finally:
        await a.app.close()
        await b.app.close()


async def test_an_organisations_day_off_moves_the_version_so_the_other_processes_replan(
        tmp_path: Path, pg_url: str) -> None:
    url = await create_database()
    clock = FakeClock(msk(2026, 12, 1, 10, 0))
    a = await make_harness(folder(tmp_path, "a"), clock, database_url=url)
    b = await make_harness(folder(tmp_path, "b"), clock, database_url=url)
    try:
        shared_b = b.app.workdays.shared
        assert shared_b is not None
        replanned: list[bool] = []

        async def on_change() -> None:
            replanned.append(True)

        shared_b.on_change = on_change
        overrides_b = b.app.deadlines.calendar.overrides
        assert await a.app.workdays.org_day_off(Actor(ADMIN, Role.ADMIN, org_id=1), date(2026, 12, 4))
        assert await shared_b.check() and replanned == [True]
        assert b.app.deadlines.calendar.overrides is overrides_b        # the same days: caches kept
        assert not await a.app.workdays.shared.check()                  # type: ignore[union-attr]  # its own change
    finally:
        await a.app.close()
        await b.app.close()


async def test_the_file_seeds_the_database_once_when_two_processes_start_together(
        tmp_path: Path, pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    url = await create_database()
    clock = FakeClock(msk(2026, 12, 1, 10, 0))
    caplog.set_level(logging.INFO, logger="bot.services.calendar_sync")
    harnesses = await asyncio.gather(
        make_harness(folder(tmp_path, "a", ["2026-12-02"]), clock, database_url=url),
        make_harness(folder(tmp_path, "b", ["2026-12-03"]), clock, database_url=url))
    try:
        seeded = [r for r in caplog.records if "seeded" in r.getMessage()]
        assert len(seeded) == 1
        row = await stored(harnesses[0])
        assert row["version"] == 1
        days = row["overrides"]["regional_days_off"]                     # type: ignore[index]
        assert days in (["2026-12-02"], ["2026-12-03"])                 # whichever process came first
        for h in harnesses:
            assert sorted(d.isoformat() for d in h.app.deadlines.calendar.overrides.regional_days_off) == days
            assert h.app.workdays.shared is not None and h.app.workdays.shared.version == 1
        ignored = [r for r in caplog.records if r.levelno == logging.WARNING and "базы" in r.getMessage()]
        assert len(ignored) == 1                                         # the other's file differs: said once
    finally:
        for h in harnesses:
            await h.app.close()


async def test_two_processes_that_both_found_no_row_seed_it_once(tmp_path: Path, pg_url: str,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """The race itself: both read «no row» before either writes (the writers' lock is held meanwhile by a
    third connection), then seed under the write transaction one after the other: the second finds the
    first's row and takes it."""
    url = await create_database()
    holder, first, second = [await open_database(url) for _ in range(3)]
    caplog.set_level(logging.INFO, logger="bot.services.calendar_sync")
    calendars = [WorkCalendar(DEFAULT_SCHEDULE, MSK) for _ in range(2)]
    files = [folder(tmp_path, name, [day]) / "calendar.json" for name, day in (("a", "2026-12-02"), ("b", "2026-12-03"))]
    shared = [SharedCalendar(db, calendar, file, asyncio.Lock())
              for db, calendar, file in zip((first, second), calendars, files, strict=True)]
    try:
        async with holder.transaction():
            loads = [asyncio.create_task(s.load()) for s in shared]
            for _ in range(500):            # both wait for the writers' lock: both read «no row» already
                row = await holder.fetchone("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                waiting = row[0] if row is not None else 0
                if waiting == 2:
                    break
                await asyncio.sleep(0.01)
            assert waiting == 2
        await asyncio.wait_for(asyncio.gather(*loads), 10)
        assert len([r for r in caplog.records if "seeded" in r.getMessage()]) == 1
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
        assert [s.version for s in shared] == [1, 1]
        assert calendars[0].overrides == calendars[1].overrides
        stored_row = await CalendarOverridesRepository().read(holder.conn)
        assert stored_row is not None and stored_row.overrides == calendars[0].overrides
    finally:
        for db in (holder, first, second):
            await db.close()


async def test_the_database_wins_over_a_differing_file(tmp_path: Path, pg_url: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    url = await create_database()
    clock = FakeClock(msk(2026, 12, 1, 10, 0))
    a = await make_harness(folder(tmp_path, "a", ["2026-12-02"]), clock, database_url=url)
    await a.app.close()
    caplog.set_level(logging.WARNING, logger="bot.services.calendar_sync")
    b_dir = folder(tmp_path, "b", ["2026-12-03"])
    before = (b_dir / "calendar.json").read_text()
    b = await make_harness(b_dir, clock, database_url=url)
    try:
        calendar = b.app.deadlines.calendar
        assert not calendar.is_working_day(WEDNESDAY) and calendar.is_working_day(THURSDAY)
        expected = texts.CALENDAR_FILE_IGNORED.format(path=b_dir / "calendar.json", version=1)
        assert [r.getMessage() for r in caplog.records] == [expected]
        assert "/dayoff" in expected
        assert (b_dir / "calendar.json").read_text() == before              # the file is not touched
        await b.say(ADMIN, "/dayoff 04.12.2026")
        assert (b_dir / "calendar.json").read_text() == before
        assert (await stored(b))["overrides"]["regional_days_off"] == ["2026-12-02", "2026-12-04"]  # type: ignore[index]
    finally:
        await b.app.close()
    caplog.clear()
    same = folder(tmp_path, "c", ["2026-12-02", "2026-12-04"])            # a file equal to the database: silence
    c = await make_harness(same, clock, database_url=url)
    await c.app.close()
    assert caplog.records == []


async def test_every_process_checks_on_its_timer(tmp_path: Path, pg_url: str) -> None:
    """The watcher of :class:`SharedCalendar` (started by ``App.start_background``), with its sleep injected:
    each tick is one check; a change of another process is taken at the next tick, and a failing check
    does not stop the timer."""
    url = await create_database()
    writer = await open_database(url)
    reader = await open_database(url)
    ticks: asyncio.Queue[None] = asyncio.Queue()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await ticks.get()

    calendar = WorkCalendar(DEFAULT_SCHEDULE, MSK)
    changed = asyncio.Event()

    async def on_change() -> None:
        changed.set()

    shared = SharedCalendar(reader, calendar, tmp_path / "none.json", asyncio.Lock(), on_change, sleep=sleep)
    try:
        await shared.load()
        assert shared.version == 1
        shared.start()
        repo = CalendarOverridesRepository()
        async with writer.transaction() as conn:
            await repo.write(conn, 2, CalendarOverrides(regional_days_off={WEDNESDAY}))
        assert calendar.is_working_day(WEDNESDAY)
        ticks.put_nowait(None)
        await asyncio.wait_for(changed.wait(), 5)
        assert not calendar.is_working_day(WEDNESDAY) and shared.version == 2
        await reader.close()                          # the database away: the check fails, the timer goes on
        ticks.put_nowait(None)
        ticks.put_nowait(None)
        for _ in range(100):
            if len(slept) >= 4:
                break
            await asyncio.sleep(0)
        assert len(slept) >= 4 and set(slept) == {5.0}
        assert shared._task is not None and not shared._task.done()
    finally:
        await shared.stop()
        await writer.close()
        await reader.close()
    assert shared._task is None


async def test_on_sqlite_the_file_stays_the_one_place(tmp_path: Path) -> None:
    """SQLite (the embedded default), whatever ``--db``: the change is written to CALENDAR_PATH as before and
    nothing of the calendar goes to the database; no timer."""
    clock = FakeClock(msk(2026, 12, 1, 10, 0))
    h = await make_harness(tmp_path, clock, database_url="")
    try:
        assert not h.app.db.is_postgresql and h.app.workdays.shared is None
        await h.say(ADMIN, "/dayoff 02.12.2026")
        assert "Сохранено" in h.last(ADMIN).text
        saved = CalendarOverrides.load(tmp_path / "calendar.json")
        assert saved.regional_days_off == {WEDNESDAY}
        assert not h.app.deadlines.calendar.is_working_day(WEDNESDAY)
        assert await h.app.db.fetchall("SELECT key FROM kv WHERE key = ?", (KEY,)) == []
        await h.app.start_background()
        assert "calendar-sync" not in {t.get_name() for t in asyncio.all_tasks()}
    finally:
        await h.app.close()


async def test_every_process_starts_its_check_with_the_app_and_stops_it_on_close(tmp_path: Path, pg_url: str) -> None:
    h = await make_harness(tmp_path, FakeClock(msk(2026, 12, 1, 10, 0)), database_url=await create_database())
    shared = h.app.workdays.shared
    assert shared is not None and shared.interval == 5.0
    try:
        await h.app.start_background()
        task = shared._task
        assert task is not None and task.get_name() == "calendar-sync" and not task.done()
    finally:
        await h.app.close()
    assert shared._task is None and task.done()
