"""Issue 15 §1: operating on PostgreSQL. /backup says that backups are the DBA's (pg_dump, WAL archiving), no
backup is scheduled, `python -m bot.restore` refuses; the start-up checks probe the server (SELECT 1 and a
row written and rolled back — a runtime role with DML rights only passes, a read-only server stops the start)
and name the URL without its password; `python -m bot` touches no file for a URL. SQLite as before."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot import __main__ as entry
from bot import restore as restore_cli
from bot.app.startup import StartupFatal, open_checked, run_startup_checks
from bot.domain.model import Actor, Role
from bot.runtime.clock import FakeClock
from bot.services.backups import BackupsAreTheDBAs
from bot.services.cases import NewPost
from bot.settings import Settings
from storage.db import INTEGRITY_ERRORS
from storage.health import check_writable
from tests.support.backend import create_database, with_database
from tests.support.harness import ADMIN, OPERATOR, Harness, make_harness
from tests.support.pg_server import find_bin

UNREACHABLE = "postgresql://bot:s3cret-pass@127.0.0.1:1/smi"


@pytest.fixture
async def pg(tmp_path: Path, clock: FakeClock, pg_url: str) -> AsyncIterator[Harness]:
    """The bot on a PostgreSQL database of its own, with BACKUP_TIMES at its default."""
    harness = await make_harness(tmp_path, clock, database_url=await create_database(),
                                 backup_passphrase="correct horse battery staple")
    yield harness
    await harness.app.close()


async def test_backup_on_postgresql_points_to_pg_dump_and_nothing_is_scheduled(pg: Harness) -> None:
    assert pg.app.db.is_postgresql and pg.app.backups.times
    await pg.say(ADMIN, "/backup")
    answer = pg.last(ADMIN).text
    assert "PostgreSQL" in answer and "pg_dump -Fc" in answer and "docs/postgresql.md" in answer
    assert pg.session.calls("sendDocument") == []
    assert not list((pg.app.backups.folder).glob("*"))              # no file made
    with pytest.raises(BackupsAreTheDBAs):
        await pg.app.backups.make()
    assert not pg.app.backups.scheduled                             # App.start_background starts no backup job


async def test_the_start_up_checks_pass_on_postgresql_and_leave_nothing(pg: Harness) -> None:
    await run_startup_checks(pg.app.checks)
    assert await pg.app.db.fetchall("SELECT * FROM kv WHERE key = '_write_probe'") == []


async def test_a_read_only_postgresql_stops_the_start_naming_the_url(pg: Harness) -> None:
    url = pg.app.settings.storage.database_target()
    assert isinstance(url, str)
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on')
    finally:
        await admin.close()
    await pg.app.db.pool.expire_connections()                           # new connections: read-only, like a replica
    with pytest.raises(StartupFatal) as fatal:
        await run_startup_checks(pg.app.checks)
    message = str(fatal.value)
    assert message.startswith(f"База данных PostgreSQL недоступна: {pg.app.db.url}: ")
    assert "read-only" in message and "Бот остановлен" in message


async def test_an_unreachable_postgresql_is_named_without_its_password() -> None:
    with pytest.raises(StartupFatal) as fatal:
        await open_checked(UNREACHABLE)
    message = str(fatal.value)
    assert message.startswith("База данных PostgreSQL недоступна: postgresql://bot:***@127.0.0.1:1/smi: ")
    assert "s3cret" not in message


async def test_a_runtime_role_with_dml_rights_only_runs_the_bot(pg_url: str) -> None:
    """What docs/postgresql.md promises: the owner migrates; the bot's role needs only to read and write rows."""
    url = await create_database()                                   # migrated by the owner (the test server's)
    role, password = f"smi_rt_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    owner = await asyncpg.connect(url)
    try:
        await owner.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
        await owner.execute(f"GRANT USAGE ON SCHEMA public TO {role}; "
                            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; "
                            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        parts = url.split("@", 1)[1]
        db = await open_checked(f"postgresql://{role}:{password}@{parts}")
        try:
            await check_writable(db)
            assert await db.execute("INSERT INTO departments (name, created_at) VALUES ('Отдел', 'x')") == 1
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await db.execute("CREATE TABLE t (x INTEGER)")
        finally:
            await db.close()
    finally:
        await owner.execute(f"DROP OWNED BY {role}")
        await owner.close()
        admin = await asyncpg.connect(with_database(url, "postgres"))
        try:
            await admin.execute(f"DROP ROLE {role}")
        finally:
            await admin.close()


def test_restore_refuses_on_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    backup = tmp_path / "bot-20261201-030000.sqlite3"
    backup.write_bytes(b"SQLite format 3\x00")
    assert restore_cli.main(["restore", str(backup), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "база бота — PostgreSQL" in err and "pg_restore" in err and "s3cret" not in err
    assert not (tmp_path / "data").exists()


def _bot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("BACKUP_", "WEB", "RUN_MODE", "DATABASE_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token-for-the-fake-server-abcdef")
    monkeypatch.setenv("CALENDAR_PATH", str(tmp_path / "calendar.json"))
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)


def test_python_m_bot_exits_2_naming_an_unreachable_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    _bot_env(tmp_path, monkeypatch)
    assert entry.main() == 2                                         # wrong settings: systemd does not restart
    err = capsys.readouterr().err
    assert "База данных PostgreSQL недоступна: postgresql://bot:***@127.0.0.1:1/smi: " in err
    assert "s3cret" not in err and "Traceback" not in err
    assert not (tmp_path / "data").exists()                         # no SQLite file, no backups folder


def test_python_m_bot_touches_no_file_for_a_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _bot_env(tmp_path, monkeypatch)
    data = tmp_path / "data"
    (data / "backups").mkdir(parents=True)
    stale = data / "bot.sqlite3"                                     # left by the SQLite days
    stale.write_bytes(b"old")
    stale.chmod(0o644)
    (data / "backups").chmod(0o755)
    monkeypatch.setenv("DATABASE_PATH", str(stale))
    monkeypatch.setenv("BACKUP_DIR", str(data / "backups"))
    seen: list[str | Path] = []

    async def run(settings: Settings) -> None:
        seen.append(settings.storage.database_target())

    monkeypatch.setattr("bot.app.runner.run", run)
    monkeypatch.setattr("bot.app.startup.probe_writable", lambda path: pytest.fail(f"probed {path}"))
    assert entry.main() == 0
    assert seen == [UNREACHABLE]
    assert stale.stat().st_mode & 0o777 == 0o644 and (data / "backups").stat().st_mode & 0o777 == 0o755


async def test_sqlite_keeps_its_backups_and_its_probe(tmp_path: Path, clock: FakeClock) -> None:
    h = await make_harness(tmp_path, clock, database_url="")
    try:
        assert not h.app.backups.on_postgresql and h.app.backups.scheduled
        await check_writable(h.app.db)                              # the table probe, rolled back
        assert await h.app.db.fetchall("SELECT name FROM sqlite_master WHERE name = '_write_probe'") == []
        assert (await h.app.backups.make()).path.exists()
    finally:
        await h.app.close()


def _tool(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


async def test_the_documented_pg_dump_and_pg_restore_bring_the_bot_back(tmp_path: Path, clock: FakeClock,
                                                                      pg_url: str) -> None:
    """docs/postgresql.md, section 8: ``pg_dump -Fc`` of the bot's database, ``pg_restore --no-owner`` into a new
    one — the cases, the numbering, the audit trail's triggers and the SQLite-like functions come back."""
    pg_dump, pg_restore = find_bin("pg_dump"), find_bin("pg_restore")
    if pg_dump is None or pg_restore is None:
        pytest.skip("pg_dump / pg_restore not installed")
    source = await create_database()
    h = await make_harness(tmp_path / "a", clock, database_url=source)
    try:
        await h.app.cases.register(NewPost(platform="vk", text="Яма у школы", operator_id=OPERATOR,
                                           detected_at=h.clock.now()), Actor(OPERATOR, Role.OPERATOR, "Иван"))
        await h.say(OPERATOR, "/case 1")
        shown = h.last(OPERATOR).text
    finally:
        await h.app.close()
    dump = tmp_path / "smi.dump"
    _tool(pg_dump, "-Fc", "-d", source, "-f", str(dump))
    restored = await create_database(migrated=False)
    _tool(pg_restore, "--no-owner", "-d", restored, str(dump))
    h = await make_harness(tmp_path / "b", clock, database_url=restored)
    try:
        await h.say(OPERATOR, "/case 1")
        assert h.last(OPERATOR).text == shown
        case = (await h.app.cases.register(NewPost(platform="vk", text="После восстановления", operator_id=OPERATOR,
                                                   detected_at=h.clock.now()), Actor(OPERATOR, Role.OPERATOR, "Иван"))).case
        assert case.number.endswith("-0002") and case.id == 2
        with pytest.raises(INTEGRITY_ERRORS):
            await h.app.db.execute("DELETE FROM events")                # the audit trail stays append-only
        assert (await h.app.db.fetchone("SELECT sha256_hex('a'), json_extract('{\"k\": 1}', '$.k')"))[1] == "1"
    finally:
        await h.app.close()
