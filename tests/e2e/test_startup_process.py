"""`python -m bot` with a database file it cannot write: a Russian message and exit code 2."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# SQLite only: a read-only database FILE (its permissions) is what stops the bot here
pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token-for-the-fake-server-abcdef"
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE = 24, 1


def _without_dac_override() -> None:
    """In the child, before exec: root without CAP_DAC_OVERRIDE obeys file permissions like anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_a_read_only_database_file_stops_the_bot_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 5")
    conn.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.commit()
    conn.close()
    path.chmod(0o444)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DEADLINE_", "WORK_", "BACKUP_"))}
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:9", DATABASE_PATH=str(path),
               CALENDAR_PATH=str(tmp_path / "calendar.json"), ADMIN_IDS="1", PYTHONPATH=str(ROOT))
    try:
        proc = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=60,
                              preexec_fn=_without_dac_override if os.geteuid() == 0 else None)
    except subprocess.SubprocessError as exc:
        if "prctl" in str(exc):
            pytest.skip("running as root without CAP_SETPCAP: cannot make a file read-only for the bot")
        raise
    assert proc.returncode == 2, proc.stderr
    assert "Бот не может писать в базу данных" in proc.stderr
    assert "readonly" in proc.stderr and str(path) in proc.stderr
    assert TOKEN not in proc.stderr
