"""Issue 13: `python -m bot` sets a private umask before it creates anything, so the database, its WAL and
its backups are readable by the bot's user only (0600, folders 0700) whatever the shell's umask; files an
older version left readable by others are tightened at start."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import __main__ as entry
from bot.runtime.clock import SystemClock
from bot.services.backups import BackupService
from bot.settings import Settings
from storage.connect import open_database

# SQLite only: the permissions of the database file, its WAL and backup files
pytestmark = pytest.mark.sqlite_only

TOKEN = "123456:TEST-token-for-the-fake-server-abcdef"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The umask of a careless shell, given back after the test (the umask is the whole process's)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def bot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("BACKUP_", "WEB", "RUN_MODE", "DATABASE_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "data" / "backups"))
    monkeypatch.setenv("CALENDAR_PATH", str(tmp_path / "calendar.json"))
    return tmp_path / "data"


def run_bot_that_writes_and_backs_up(monkeypatch: pytest.MonkeyPatch, seen: dict[str, int]) -> None:
    """`python -m bot` in this process, its run replaced by: open the database, write, make a backup."""

    async def run(settings: Settings) -> None:
        db = await open_database(settings.storage.database_path)
        try:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO kv (key, value) VALUES ('probe', '1')")
            wal = Path(f"{settings.storage.database_path}-wal")
            seen["wal"] = mode(wal)
            service = BackupService(db, SystemClock(ZoneInfo("Europe/Moscow")), ZoneInfo("Europe/Moscow"),
                                    settings.backups.backup_dir)
            result = await service.make()
            seen["backup"] = mode(result.path)
        finally:
            await db.close()

    monkeypatch.setattr("bot.app.runner.run", run)
    assert entry.main() == 0


def test_the_database_its_wal_and_a_backup_are_readable_by_the_bot_only(
        open_umask: None, bot_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, int] = {}
    run_bot_that_writes_and_backs_up(monkeypatch, seen)
    assert mode(bot_env / "bot.sqlite3") == 0o600
    assert seen == {"wal": 0o600, "backup": 0o600}
    assert mode(bot_env) == 0o700 and mode(bot_env / "backups") == 0o700


def test_files_left_readable_by_others_are_made_private_at_start(
        open_umask: None, bot_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (bot_env / "backups").mkdir(parents=True)
    old_backup = bot_env / "backups" / "bot-20261101-030000.sqlite3"
    old_backup.write_bytes(b"old")
    database = bot_env / "bot.sqlite3"
    database.touch()
    for path in (bot_env / "backups", old_backup, database):
        path.chmod(0o755 if path.is_dir() else 0o644)
    run_bot_that_writes_and_backs_up(monkeypatch, {})
    assert mode(database) == 0o600 and mode(old_backup) == 0o600 and mode(bot_env / "backups") == 0o700
