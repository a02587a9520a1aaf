"""`python -m bot.restore` as a real process: an encrypted backup from /backup is decrypted with
BACKUP_PASSPHRASE, the grants are printed, the answer is read from the terminal (stdin), and what it writes is
readable by its user only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.runtime.clock import FakeClock
from bot.services.backups import BackupService
from storage.backup_crypto import encrypt_file
from storage.connect import open_database
from tests.conftest import msk

# SQLite only: restores a SQLite backup file (on PostgreSQL backups are pg_dump's, docs/postgresql.md)
pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


def restore(tmp_path: Path, *argv: str, answer: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKUP_", "DATABASE_", "ADMIN_"))}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(PYTHONPATH=str(ROOT), BACKUP_PASSPHRASE=PASSPHRASE, ADMIN_IDS="7",
               BACKUP_DIR=str(tmp_path / "backups"), TMPDIR=str(tmp_path / "tmp"))
    return subprocess.run([sys.executable, "-m", "bot.restore", *argv], cwd=tmp_path, env=env, input=answer,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.umask(0o022))  # a careless shell's umask


async def test_an_encrypted_backup_is_restored_only_after_da_and_the_result_is_private(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "source.sqlite3")
    try:
        await db.execute("INSERT INTO operators (user_id, full_name, added_at, active) VALUES (42, 'Анна', 'x', 1)")
        tz = ZoneInfo("Europe/Moscow")
        made = await BackupService(db, FakeClock(msk(2026, 12, 1, 14, 0)), tz, tmp_path / "made").make()
    finally:
        await db.close()
    sealed = tmp_path / "bot-20261201-140000.sqlite3.enc"
    encrypt_file(made.path, sealed, PASSPHRASE)
    target = tmp_path / "data" / "bot.sqlite3"

    refused = restore(tmp_path, "restore", str(sealed), "--database", str(target), answer="нет\n")
    assert refused.returncode == 1, refused.stderr
    assert "Анна (42)" in refused.stdout and "ADMIN_IDS в настройках, не из файла): 7" in refused.stdout
    assert "не подтверждено" in refused.stderr and not target.exists()

    done = restore(tmp_path, "restore", str(sealed), "--database", str(target), answer="да\n")
    assert done.returncode == 0, done.stderr
    assert "восстановлена" in done.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert list((tmp_path / "tmp").iterdir()) == []          # the decrypted copy is gone
