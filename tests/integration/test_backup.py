"""Backups: online copies through SQLite's backup API, checked, rotated, scheduled; /backup; restore."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.domain.model import Actor, Role
from bot.jobs.daily import backup_job
from bot.restore import main as restore_main
from bot.runtime.clock import FakeClock
from bot.services.backups import BackupService, backup_moments, parse_backup_times
from bot.services.cases import CaseService, NewPost
from storage.backup import check_database, database_in_use
from storage.backup_crypto import decrypt_file
from storage.connect import open_database
from storage.db import Database, load_migrations
from tests.conftest import MSK, msk
from tests.support.harness import ADMIN, OPERATOR, STRANGER, Harness, make_harness
from tests.support.sleep import LoopStopped, StepSleep, run_daily

# SQLite only: backup files made with SQLite's backup API, their rotation, check and restore (PostgreSQL: pg_dump, docs/postgresql.md)
pytestmark = pytest.mark.sqlite_only

PASSPHRASE = "correct horse battery staple"


async def add_cases(cases: CaseService, clock: FakeClock, *texts_: str) -> None:
    for text in texts_:
        await cases.register(NewPost(platform="vk", text=text, operator_id=OPERATOR, detected_at=clock.now()),
                             Actor(OPERATOR, Role.OPERATOR, "Оператор"))
        clock.advance(minutes=1)


def case_texts(path: Path) -> list[str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT text FROM cases ORDER BY id")]
    finally:
        conn.close()


async def cli(argv: list[str]) -> int:
    """`python -m bot.restore …` (it runs its own event loop: in a thread here); a restore confirmed by --yes."""
    return await asyncio.to_thread(restore_main, [*argv, "--yes"] if argv[0] == "restore" else argv)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def service(db: Database, clock: FakeClock, folder: Path, **options: object) -> BackupService:
    return BackupService(db, clock, MSK, folder, **options)  # type: ignore[arg-type]


# ---- making a backup ---------------------------------------------------------------------------

async def test_backup_is_a_checked_single_file_named_by_the_clock_with_the_cases(
        db: Database, cases: CaseService, clock: FakeClock, tmp_path: Path) -> None:
    await add_cases(cases, clock, "Яма на ул. Ленина", "Не горит фонарь", "Мусор во дворе")
    clock.set(msk(2026, 12, 1, 10, 15, 30))
    result = await service(db, clock, tmp_path / "backups").make()
    assert result.path == tmp_path / "backups" / "bot-20261201-101530.sqlite3"
    assert (result.cases, result.size) == (3, result.path.stat().st_size)
    assert result.path.read_bytes()[18:20] == b"\x01\x01"              # rollback journal: one self-contained file
    assert sorted(p.name for p in result.path.parent.iterdir()) == [result.path.name]   # no -wal, no .part
    check = check_database(result.path)
    assert check.ok and check.cases == 3 and check.schema_version == await db.schema_version()
    copy = await open_database(result.path)
    try:
        assert [r["text"] for r in await copy.fetchall("SELECT text FROM cases ORDER BY id")] == [
            "Яма на ул. Ленина", "Не горит фонарь", "Мусор во дворе"]
    finally:
        await copy.close()


async def test_backup_during_an_open_write_transaction_holds_only_committed_data(
        db: Database, cases: CaseService, clock: FakeClock, tmp_path: Path) -> None:
    """The copy is read through a connection of its own: the bot's uncommitted write is not in it,
    and the bot's transaction is neither blocked nor broken."""
    await add_cases(cases, clock, "Яма")
    backups = service(db, clock, tmp_path / "backups")
    async with db.transaction() as conn:
        await conn.execute("UPDATE cases SET text = 'не зафиксировано'")
        result = await backups.make()
    assert case_texts(result.path) == ["Яма"]
    assert [r["text"] for r in await db.fetchall("SELECT text FROM cases")] == ["не зафиксировано"]


async def test_two_backups_in_the_same_second_get_distinct_names(db: Database, clock: FakeClock,
                                                                 tmp_path: Path) -> None:
    backups = service(db, clock, tmp_path)
    first, second = await backups.make(), await backups.make()
    assert (first.path.name, second.path.name) == ("bot-20261201-100000.sqlite3", "bot-20261201-100000-2.sqlite3")
    assert [b.path for b in backups.backups()] == [second.path, first.path]


async def test_rotation_keeps_the_newest_never_the_one_just_made_and_no_foreign_file(
        db: Database, clock: FakeClock, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    foreign = ["notes.txt", "bot-manual.sqlite3", "pre-restore-20261130-120000.sqlite3", "bot-20261101-030000.db"]
    for name in foreign:
        (folder / name).write_text("не трогать")
    backups = service(db, clock, folder, keep=3)
    made = []
    for _ in range(5):
        made.append((await backups.make()).path)
        clock.advance(days=1)
    assert sorted(p.name for p in folder.iterdir()) == sorted(foreign + [p.name for p in made[-3:]])
    # A backup older than all kept ones (the clock was set back) is still not deleted at once.
    clock.set(msk(2026, 11, 1, 3, 0))
    older = await backups.make()
    assert older.path.exists() and older.removed == []
    assert [b.path for b in backups.backups()] == [*reversed(made[-3:]), older.path]


async def test_a_copy_that_fails_its_check_is_deleted_and_reported(
        db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.services.backups as module
    from storage.backup import DatabaseCheck

    async def corrupt(path: Path) -> DatabaseCheck:
        return DatabaseCheck(path, "corrupt", "*** in database main ***")

    monkeypatch.setattr(module, "check_database_async", corrupt)
    backups = service(db, clock, tmp_path / "backups")
    with pytest.raises(module.BackupFailed, match="corrupt"):
        await backups.make()
    assert list((tmp_path / "backups").iterdir()) == []


# ---- the schedule ------------------------------------------------------------------------------

def test_backup_moments_are_every_day_including_weekends() -> None:
    times = parse_backup_times("15:00, 03:00")
    got = backup_moments(times, MSK, msk(2026, 12, 4, 16, 0), count=4)       # Friday afternoon
    assert got == [msk(2026, 12, 5, 3, 0), msk(2026, 12, 5, 15, 0), msk(2026, 12, 6, 3, 0), msk(2026, 12, 6, 15, 0)]
    assert backup_moments(parse_backup_times(""), MSK, msk(2026, 12, 4, 16, 0)) == []
    with pytest.raises(ValueError, match="25:00"):
        parse_backup_times("25:00")


async def test_backup_loop_makes_daily_backups_catches_up_once_and_survives_a_failure(
        db: Database, clock: FakeClock, tmp_path: Path) -> None:
    """Started on Saturday 10:00 with the 03:00 backup missed: made at once; then Sunday's and
    Monday's 03:00 (every day). A failed one alerts the admins through the outbox and the loop goes on."""
    folder = tmp_path / "backups"
    clock.set(msk(2026, 12, 5, 10, 0))
    woke: list[int] = []
    backups = service(db, clock, folder, times="03:00", on_queued=lambda: woke.append(1))
    sleep = StepSleep(clock, limit=3)

    with pytest.raises(LoopStopped):
        await run_daily(backup_job(backups), clock, sleep)
    assert sleep.calls[0] == 0
    assert [b.path.name for b in reversed(backups.backups())] == [
        "bot-20261205-100000.sqlite3", "bot-20261206-030000.sqlite3", "bot-20261207-030000.sqlite3"]

    # A restart the same day does not repeat the 03:00 backup (one was made since).
    clock.set(msk(2026, 12, 7, 11, 0))
    sleep.calls.clear()
    with pytest.raises(LoopStopped):
        await run_daily(backup_job(backups), clock, sleep)
    assert len(backups.backups()) == 5                      # Tuesday's and Wednesday's 03:00 only

    # The folder cannot be created (a file is in the way): logged, the admins alerted, the loop goes on.
    blocked = tmp_path / "blocked"
    blocked.write_text("файл вместо папки")
    backups.folder = blocked / "backups"
    clock.set(msk(2026, 12, 9, 12, 0))
    sleep.calls.clear()
    with pytest.raises(LoopStopped):
        await run_daily(backup_job(backups), clock, sleep)
    rows = await db.fetchall("SELECT dedup_key, payload FROM outbox WHERE kind = 'admin_alert' ORDER BY id")
    assert [r["dedup_key"] for r in rows] == ["backup_failed:2026-12-09T03:00:00+03:00",
                                              "backup_failed:2026-12-10T03:00:00+03:00",
                                              "backup_failed:2026-12-11T03:00:00+03:00"]
    assert "Резервная копия не сделана" in rows[0]["payload"] and len(woke) == 3


async def test_no_backup_job_when_backup_times_is_empty(tmp_path: Path, clock: FakeClock) -> None:
    h = await make_harness(tmp_path, clock, backup_times="")
    try:
        await h.app.start_background()
        assert "backups" not in [j.id for j in h.app.scheduler.get_jobs()]
    finally:
        await h.app.close()
    h = await make_harness(tmp_path / "2", clock)
    try:
        await h.app.start_background()
        assert "backups" in [j.id for j in h.app.scheduler.get_jobs()]
    finally:
        await h.app.close()


# ---- /backup -----------------------------------------------------------------------------------

@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await make_harness(tmp_path, clock, backup_passphrase=PASSPHRASE)
    yield harness
    await harness.app.close()


async def test_admin_gets_a_fresh_backup_as_a_document_with_a_russian_caption(h: Harness, tmp_path: Path) -> None:
    await add_cases(h.app.cases, h.clock, "Яма", "Фонарь")
    h.clock.set(msk(2026, 12, 1, 14, 5, 9))
    await h.say(ADMIN, "/backup")
    sent = h.session.last("sendDocument")
    assert sent.chat_id == ADMIN
    caption = sent.caption or ""
    assert "Резервная копия базы данных" in caption and "01.12.2026 14:05:09" in caption
    assert "Сообщений граждан в базе: 2" in caption and "КБ" in caption and "BACKUP_PASSPHRASE" in caption
    assert getattr(sent.document, "filename", None) == "bot-20261201-140509.sqlite3.enc"
    result = h.session.results[-1]
    stored = h.session.core.store.file_for(result.document.file_id)
    received = tmp_path / "received.sqlite3.enc"
    received.write_bytes(stored.content or b"")
    assert b"SQLite format 3" not in received.read_bytes() and "Яма".encode() not in received.read_bytes()
    copy = tmp_path / "received.sqlite3"
    decrypt_file(received, copy, PASSPHRASE)
    assert check_database(copy).ok and case_texts(copy) == ["Яма", "Фонарь"]
    assert (tmp_path / "backups" / "bot-20261201-140509.sqlite3").exists()


async def test_backup_command_is_refused_to_everyone_but_admins(h: Harness) -> None:
    await h.say(OPERATOR, "/backup")
    await h.say(STRANGER, "/backup")
    assert h.session.sent_texts(OPERATOR)[-1] == texts.ADMIN_ONLY
    assert h.session.sent_texts(STRANGER)[-1] == texts.ADMIN_ONLY
    assert h.session.calls("sendDocument") == []
    await h.say(ADMIN, "/start")
    assert "/backup" in h.session.sent_texts(ADMIN)[-1]


async def test_a_backup_over_telegrams_limit_is_left_on_disk_and_its_place_told(h: Harness) -> None:
    assert h.app.backups is not None
    h.app.backups.upload_limit = 1000                   # stands for Telegram's 50 MB
    await h.say(ADMIN, "/backup")
    answer = h.session.sent_texts(ADMIN)[-1]
    path = h.app.backups.backups()[0].path
    assert "больше 50 МБ" in answer and str(path.resolve()) in answer
    assert h.session.calls("sendDocument") == []


async def test_a_failed_backup_is_told_to_the_admin(h: Harness, tmp_path: Path) -> None:
    assert h.app.backups is not None
    (tmp_path / "blocked").write_text("файл вместо папки")
    h.app.backups.folder = tmp_path / "blocked" / "backups"
    await h.say(ADMIN, "/backup")
    assert h.session.sent_texts(ADMIN)[-1].startswith("Не удалось сделать резервную копию")


# ---- restore -----------------------------------------------------------------------------------

async def _prepared(tmp_path: Path, clock: FakeClock) -> tuple[Path, Path, Path]:
    """A database with three cases and its backup; afterwards the database was changed."""
    from deadlines.calendar import WorkCalendar
    from deadlines.rules import Deadlines
    from deadlines.schedule import DEFAULT_SCHEDULE

    path = tmp_path / "data" / "bot.sqlite3"
    folder = tmp_path / "data" / "backups"
    db = await open_database(path)
    cases = CaseService(db, Deadlines(WorkCalendar(DEFAULT_SCHEDULE, MSK)), clock)
    await add_cases(cases, clock, "Яма", "Фонарь", "Мусор")
    backup = (await service(db, clock, folder).make()).path
    await add_cases(cases, clock, "Новое после копии")
    await db.execute("UPDATE cases SET text = 'испорчено' WHERE text = 'Яма'")
    await db.execute("DELETE FROM deadlines")
    await db.close()
    return path, folder, backup


async def test_restore_brings_back_the_backed_up_cases_and_keeps_a_safety_copy(
        tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    path, folder, backup = await _prepared(tmp_path, clock)
    assert case_texts(path) == ["испорчено", "Фонарь", "Мусор", "Новое после копии"]
    code = await cli(["restore", str(backup), "--database", str(path), "--backup-dir", str(folder)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "восстановлена" in out and "Сообщений граждан: 3" in out
    db = await open_database(path)
    try:
        assert [r["text"] for r in await db.fetchall("SELECT text FROM cases ORDER BY id")] == [
            "Яма", "Фонарь", "Мусор"]
        assert (await db.fetchone("SELECT COUNT(*) FROM deadlines WHERE closed_at IS NULL"))[0] > 0  # type: ignore[index]
        assert await db.schema_version() == len(load_migrations())
        await db.execute("INSERT INTO kv (key, value) VALUES ('after_restore', '1')")      # writable again
    finally:
        await db.close()
    safety = [p for p in folder.iterdir() if p.name.startswith("pre-restore-")]
    assert len(safety) == 1 and str(safety[0]) in out
    assert case_texts(safety[0]) == ["испорчено", "Фонарь", "Мусор", "Новое после копии"]


async def test_restore_refuses_a_corrupt_or_foreign_file_and_leaves_the_database_untouched(
        tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    path, folder, backup = await _prepared(tmp_path, clock)
    before = digest(path)
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("это не база")
    foreign = tmp_path / "foreign.sqlite3"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.commit()
    conn.close()
    corrupt = tmp_path / "corrupt.sqlite3"
    data = bytearray(backup.read_bytes())
    page = 4096
    for offset in range(page, len(data), page):           # every page after the first: its b-tree header
        data[offset:offset + 16] = b"\xff" * 16
    corrupt.write_bytes(bytes(data))
    cases = [(text_file, "это не база данных SQLite"), (foreign, "не этого бота"),
             (corrupt, "повреждена"), (tmp_path / "absent.sqlite3", "файл не найден")]
    for candidate, reason in cases:
        code = await cli(["restore", str(candidate), "--database", str(path), "--backup-dir", str(folder)])
        err = capsys.readouterr().err
        assert code == 1 and reason in err and "Рабочая база не изменена" in err, (candidate, err)
        assert digest(path) == before
    assert not [p for p in folder.iterdir() if p.name.startswith("pre-restore-")]
    assert await cli(["check", str(corrupt)]) == 1
    assert "повреждена" in capsys.readouterr().out


async def test_restore_is_refused_while_another_process_has_the_database_open(
        tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    path, folder, backup = await _prepared(tmp_path, clock)
    before = digest(path)
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute('PRAGMA journal_mode = WAL'); c.execute('SELECT COUNT(*) FROM cases').fetchone(); "
        "print('ready', flush=True); sys.stdin.read()", str(path),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        assert holder.stdout is not None and (await holder.stdout.readline()).strip() == b"ready"
        assert database_in_use(path)
        code = await cli(["restore", str(backup), "--database", str(path), "--backup-dir", str(folder)])
        err = capsys.readouterr().err
        assert code == 1 and "открыта другим процессом" in err
        assert digest(path) == before
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        await asyncio.wait_for(holder.wait(), timeout=10)
    assert not database_in_use(path)
    assert await cli(["restore", str(backup), "--database", str(path), "--backup-dir", str(folder)]) == 0


async def test_list_shows_the_backups_newest_first_and_check_describes_one(
        db: Database, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backups = service(db, clock, tmp_path)
    first = await backups.make()
    clock.advance(timedelta(days=1))
    second = await backups.make()
    (tmp_path / "readme.txt").write_text("x")
    assert await cli(["list", "--backup-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Резервные копии в")
    assert [line.split()[0] for line in lines[1:]] == [second.path.name, first.path.name]
    assert "02.12.2026 10:00:00" in lines[1]
    assert await cli(["check", str(first.path)]) == 0
    assert "исправна, база этого бота" in capsys.readouterr().out
    assert await cli(["list", "--backup-dir", str(tmp_path / "none")]) == 0
    assert "нет резервных копий" in capsys.readouterr().out


async def test_a_broken_current_database_is_kept_byte_for_byte_and_replaced(
        tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """The usual reason to restore: the working file is damaged. It is kept as it was, then replaced."""
    path, folder, backup = await _prepared(tmp_path, clock)
    path.write_bytes(b"\x00garbage after a disk failure" * 100)
    assert await cli(["restore", str(backup), "--database", str(path), "--backup-dir", str(folder)]) == 0
    capsys.readouterr()
    assert case_texts(path) == ["Яма", "Фонарь", "Мусор"]
    safety = next(p for p in folder.iterdir() if p.name.startswith("pre-restore-"))
    assert safety.read_bytes() == b"\x00garbage after a disk failure" * 100


async def test_restore_onto_a_new_server_creates_the_database_from_the_backup(
        tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, backup = await _prepared(tmp_path, clock)
    target = tmp_path / "new-server" / "data" / "bot.sqlite3"
    assert await cli(["restore", str(backup), "--database", str(target),
                      "--backup-dir", str(tmp_path / "new-server" / "backups")]) == 0
    assert "Прежней базы не было" in capsys.readouterr().out
    assert case_texts(target) == ["Яма", "Фонарь", "Мусор"]
    assert not (tmp_path / "new-server" / "backups").exists()


async def test_telegram_refusing_the_upload_as_too_large_gets_the_path_instead(h: Harness) -> None:
    from aiogram.exceptions import TelegramEntityTooLarge

    h.session.fail_next("sendDocument", TelegramEntityTooLarge)
    await h.say(ADMIN, "/backup")
    assert h.app.backups is not None
    assert "больше 50 МБ" in h.session.sent_texts(ADMIN)[-1]
    assert str(h.app.backups.backups()[0].path.resolve()) in h.session.sent_texts(ADMIN)[-1]
