"""Issue 13: what `/backup` sends is encrypted and restorable only with the passphrase; `python -m bot.restore`
refuses a crafted database (its schema differs from what the migrations create: a dropped trigger of the
audit trail, an extra table, a changed column) and shows whom the file grants access to before it asks."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.restore import main as restore_main
from bot.runtime.clock import FakeClock
from storage.backup import check_database
from tests.support.harness import ADMIN, DEPT_A_CHAT, Harness, make_harness

# SQLite only: restoring SQLite backup files and the schema check of a file
pytestmark = pytest.mark.sqlite_only

PASSPHRASE = "correct horse battery staple"
INVITED = 555


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`python -m bot.restore` reads the settings of the folder it runs in: a clean one, ADMIN_IDS=1."""
    monkeypatch.chdir(tmp_path)
    for name in ("BACKUP_PASSPHRASE", "OPERATOR_IDS", "OFFICIAL_IDS", "HEAD_CHAT_ID", "DATABASE_PATH", "BACKUP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ADMIN_IDS", str(ADMIN))
    return tmp_path


async def cli(*argv: str) -> int:
    return await asyncio.to_thread(restore_main, list(argv))


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await make_harness(tmp_path / "server", clock, backup_passphrase=PASSPHRASE)
    yield harness
    await harness.app.close()


async def sent_backup(h: Harness, tmp_path: Path) -> Path:
    """/backup by the admin; the document Telegram received, saved as a file."""
    await h.app.access.bind_department(ADMIN, DEPT_A_CHAT, "Отдел ЖКХ", org_id=1)
    token = await h.app.access.create_invite(ADMIN, org_id=1)
    assert await h.app.access.accept_invite(token, INVITED, "Ирина Петрова") is not None
    await h.say(ADMIN, "/backup")
    document = h.session.results[-1].document
    received = tmp_path / "received" / h.session.last("sendDocument").document.filename
    received.parent.mkdir(exist_ok=True)
    received.write_bytes(h.session.core.store.file_for(document.file_id).content or b"")
    return received


async def test_backup_without_a_passphrase_sends_nothing_and_says_what_to_set(tmp_path: Path,
                                                                             clock: FakeClock) -> None:
    h = await make_harness(tmp_path, clock)
    try:
        await h.say(ADMIN, "/backup")
        assert h.session.sent_texts(ADMIN)[-1] == texts.BACKUP_NEEDS_PASSPHRASE
        assert "BACKUP_PASSPHRASE" in texts.BACKUP_NEEDS_PASSPHRASE
        assert h.session.calls("sendDocument") == [] and h.app.backups.backups() == []
    finally:
        await h.app.close()


async def test_an_encrypted_backup_restores_with_the_passphrase_from_the_settings(
        h: Harness, tmp_path: Path, cwd: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    received = await sent_backup(h, tmp_path)
    assert received.name.endswith(".sqlite3.enc") and not check_database(received).ok
    target = tmp_path / "new" / "bot.sqlite3"
    monkeypatch.setenv("BACKUP_PASSPHRASE", "a different passphrase")
    assert await cli("restore", str(received), "--database", str(target), "--yes") == 1
    assert "неверный пароль" in capsys.readouterr().err and not target.exists()
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    assert await cli("check", str(received)) == 0
    assert "Ирина Петрова (555)" in capsys.readouterr().out                 # check shows the grants too
    assert await cli("restore", str(received), "--database", str(target), "--yes") == 0
    out = capsys.readouterr().out
    assert "восстановлена" in out and "Ирина Петрова (555)" in out and f"Отдел ЖКХ ({DEPT_A_CHAT})" in out
    assert check_database(target).ok
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT full_name FROM operators WHERE user_id = ?", (INVITED,)).fetchone() == ("Ирина Петрова",)
    conn.close()


async def test_decrypt_asks_the_passphrase_when_none_is_set(
        h: Harness, tmp_path: Path, cwd: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    received = await sent_backup(h, tmp_path)
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSPHRASE)
    assert await cli("decrypt", str(received)) == 0
    plain = received.with_name(received.name.removesuffix(".enc"))
    assert asked == [texts.RESTORE_ASK_PASSPHRASE] and check_database(plain).ok
    assert plain.stat().st_mode & 0o077 == 0
    assert await cli("decrypt", str(received)) == 1                      # never overwrites
    assert "уже есть" in capsys.readouterr().err


def craft(source: Path, target: Path, *statements: str) -> Path:
    target.write_bytes(source.read_bytes())
    conn = sqlite3.connect(target, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()
    return target


CRAFTED = {
    "dropped_trigger": (["DROP TRIGGER events_no_delete"], "триггер events_no_delete — нет в файле"),
    "weakened_trigger": (["DROP TRIGGER events_no_update",
                          "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT 1; END"],
                         "триггер events_no_update — отличается от миграций"),
    "extra_table": (["CREATE TABLE stash (secret TEXT)"], "таблица stash — лишний объект"),
    "extra_trigger": (["CREATE TRIGGER spy AFTER INSERT ON cases BEGIN SELECT 1; END"], "триггер spy — лишний"),
    "renamed_column": (["ALTER TABLE operators RENAME COLUMN full_name TO name"],
                       "таблица operators — отличается от миграций"),
    "changed_default": (["PRAGMA writable_schema = ON",
                         "UPDATE sqlite_master SET sql = replace(sql, 'active     INTEGER NOT NULL DEFAULT 1', "
                         "'active     INTEGER NOT NULL DEFAULT 0') WHERE name = 'operators'"],
                        "таблица operators — отличается от миграций"),
    "dropped_index": (["DROP INDEX ix_cases_status"], "индекс ix_cases_status — нет в файле"),
}


@pytest.mark.parametrize("name", list(CRAFTED))
async def test_restore_refuses_a_database_whose_schema_differs_from_the_migrations(
        name: str, h: Harness, tmp_path: Path, cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    honest = (await h.app.backups.make()).path
    statements, reason = CRAFTED[name]
    crafted = craft(honest, tmp_path / f"{name}.sqlite3", *statements)
    target = tmp_path / "live.sqlite3"
    target.write_bytes(honest.read_bytes())
    before = digest(target)
    check = check_database(crafted)
    assert check.problem == "schema"
    assert await cli("restore", str(crafted), "--database", str(target), "--yes") == 1
    err = capsys.readouterr().err
    assert "схема базы не совпадает" in err and reason in err and "Рабочая база не изменена" in err, err
    assert digest(target) == before
    assert await cli("check", str(crafted)) == 1 and reason in capsys.readouterr().out


async def test_an_honest_backup_passes_the_schema_check(h: Harness) -> None:
    honest = (await h.app.backups.make()).path
    assert check_database(honest).ok


async def test_restore_shows_the_grants_and_goes_on_only_when_confirmed(
        h: Harness, tmp_path: Path, cwd: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    await h.app.access.bind_department(ADMIN, DEPT_A_CHAT, "Отдел ЖКХ", org_id=1)
    await h.app.access.create_invite(ADMIN, org_id=1)                        # an invite nobody used yet
    backup = (await h.app.backups.make()).path
    target = tmp_path / "live" / "bot.sqlite3"
    answers = iter(["нет", "да"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert await cli("restore", str(backup), "--database", str(target)) == 1
    captured = capsys.readouterr()
    assert texts.RESTORE_GRANTS_TITLE in captured.out and f"Отдел ЖКХ ({DEPT_A_CHAT})" in captured.out
    assert f"ADMIN_IDS в настройках, не из файла): {ADMIN}" in captured.out
    assert "неиспользованных действующих приглашений: 1" in captured.out
    assert texts.RESTORE_NOT_CONFIRMED in captured.err and not target.exists()
    assert await cli("restore", str(backup), "--database", str(target)) == 0
    assert check_database(target).ok


async def test_restore_without_a_terminal_and_without_yes_is_not_confirmed(
        h: Harness, tmp_path: Path, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backup = (await h.app.backups.make()).path

    def closed(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", closed)
    target = tmp_path / "live.sqlite3"
    assert await cli("restore", str(backup), "--database", str(target)) == 1
    assert not target.exists()
