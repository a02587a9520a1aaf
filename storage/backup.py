"""Online backups and restore of the SQLite database through SQLite's backup API (never a file copy).

A backup reads the live database through a connection of its own, in one step of the backup API,
so it is a consistent snapshot of what was committed when it started, however busy the bot is; the
bot's own connection is not held up (WAL: readers never block the writer). The copy is switched to
the rollback journal (``journal_mode=DELETE``) so that it is one self-contained file.

A restore checks the candidate (an SQLite database of this bot, integrity ok, a schema this program
knows), refuses while another process has the database open, keeps a safety copy of the current
database, copies the candidate in through the backup API and applies the migrations. The
command line is ``python -m bot.restore`` (bot/restore.py); docs/backup.md has the procedure.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage.db import BUSY_TIMEOUT_MS, Database, load_migrations
from storage.schema_check import schema_differences

log = logging.getLogger(__name__)

#: Tables every database of this bot has (migration 0001): a database without them is someone else's.
REQUIRED_TABLES = ("cases", "deadlines", "departments", "events", "kv", "operators")

#: Byte of the ``-shm`` file on which every open WAL connection holds a shared POSIX lock (SQLite's
#: "DMS" lock, https://www.sqlite.org/walformat.html): if it cannot be locked exclusively, another
#: process has the database open.
SHM_DMS_BYTE = 128


class RestoreRefused(Exception):
    """The restore was refused before anything was changed; ``code`` names the reason."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class DatabaseCheck:
    """What a database file is. ``problem`` is None for a sound database of this bot, else one of:
    missing, not_sqlite, corrupt, foreign, too_new, schema (``detail`` says more; for schema the
    differences from what the migrations create, ``kind:type:name`` joined by commas)."""

    path: Path
    problem: str | None = None
    detail: str = ""
    schema_version: int = 0
    cases: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class RestoreReport:
    database: Path
    restored_from: Path
    safety_copy: Path | None
    schema_before: int               # the backup's schema version
    schema_after: int                # after the migrations
    cases: int


def _ro_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def _is_file_db(path: str) -> bool:
    return path != ":memory:" and not path.startswith("file:")


# ---- backup -----------------------------------------------------------------------------------

def copy_database(source: Path, target: Path) -> None:
    """Copy ``source`` into a new file ``target`` with the backup API, in one step (a consistent
    snapshot). Blocking: call it in a thread. ``target`` must not exist yet."""
    if target.exists():
        raise FileExistsError(str(target))
    src = sqlite3.connect(str(source), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")     # one self-contained file, no -wal / -shm
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()


async def backup_database(db: Database, target: Path) -> None:
    """An online backup of the open database ``db`` into the new file ``target``, in a worker thread
    on a connection of its own (the bot's connection keeps working meanwhile)."""
    if not _is_file_db(db.path):
        raise ValueError("only a database in a file can be backed up")
    await asyncio.to_thread(copy_database, Path(db.path), target)


# ---- checking a file --------------------------------------------------------------------------

def check_database(path: Path, *, readonly: bool = True) -> DatabaseCheck:
    """Tell whether ``path`` is a sound database of this bot (blocking). It is opened read-only
    unless ``readonly`` is False (then a WAL database's side files are cleaned up on closing)."""
    path = Path(path)
    if not path.is_file():
        return DatabaseCheck(path, "missing")
    with open(path, "rb") as fh:
        header = fh.read(16)
    if header != b"SQLite format 3\x00":
        return DatabaseCheck(path, "not_sqlite")
    try:
        conn = sqlite3.connect(_ro_uri(path) if readonly else str(path), uri=readonly)
    except sqlite3.Error as exc:
        return DatabaseCheck(path, "not_sqlite", str(exc))
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        result = [str(r[0]) for r in rows]
        if result != ["ok"]:
            return DatabaseCheck(path, "corrupt", "; ".join(result[:3]))
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if version < 1 or missing:
            return DatabaseCheck(path, "foreign", ", ".join(missing) or "user_version = 0", version)
        known = len(load_migrations())
        cases = int(conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0])
        if version > known:
            return DatabaseCheck(path, "too_new", f"{version} > {known}", version, cases)
        if differences := schema_differences(conn, version):
            return DatabaseCheck(path, "schema", ",".join(d.code() for d in differences), version, cases)
        return DatabaseCheck(path, None, "", version, cases)
    except sqlite3.DatabaseError as exc:
        return DatabaseCheck(path, "corrupt", str(exc))
    finally:
        conn.close()


async def check_database_async(path: Path, *, readonly: bool = True) -> DatabaseCheck:
    return await asyncio.to_thread(lambda: check_database(path, readonly=readonly))


def database_in_use(path: Path) -> bool:
    """True when another process has the (WAL) database open: it holds SQLite's shared "DMS" lock
    on the ``-shm`` file. Locks of this very process are not seen (POSIX locks are per process)."""
    shm = Path(f"{path}-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE, os.SEEK_SET)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return True
            raise
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, SHM_DMS_BYTE, os.SEEK_SET)
        return False
    finally:
        os.close(fd)


# ---- restore ----------------------------------------------------------------------------------

def _side_files(path: Path) -> list[Path]:
    return [Path(f"{path}-wal"), Path(f"{path}-shm")]


def _safety_copy(database: Path, target: Path) -> None:
    """The current database, kept before it is overwritten: through the backup API when it is still
    readable, else (it is broken) the file itself and its WAL, byte for byte."""
    try:
        copy_database(database, target)
    except sqlite3.DatabaseError as exc:
        log.warning("current database is unreadable (%s): keeping a raw copy", exc)
        target.unlink(missing_ok=True)
        shutil.copy2(database, target)
        wal = Path(f"{database}-wal")
        if wal.exists():
            shutil.copy2(wal, Path(f"{target}-wal"))


def _keep_current(database: Path, safety_dir: Path, stamp: str) -> Path | None:
    """The safety copy ``safety_dir/pre-restore-<stamp>.sqlite3`` of the current database, if any."""
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        return None
    safety_dir.mkdir(parents=True, exist_ok=True)
    safety = safety_dir / f"pre-restore-{stamp}.sqlite3"
    n = 1
    while safety.exists():
        n += 1
        safety = safety_dir / f"pre-restore-{stamp}-{n}.sqlite3"
    _safety_copy(database, safety)
    log.info("safety copy of %s kept as %s", database, safety)
    return safety


def _copy_in(backup: Path, database: Path) -> None:
    """Overwrite ``database`` with ``backup`` through the backup API (blocking)."""
    readable = False
    if database.exists():
        try:
            probe = sqlite3.connect(str(database))
            try:
                probe.execute("PRAGMA schema_version").fetchone()
                readable = True
            finally:
                probe.close()
        except sqlite3.DatabaseError:
            readable = False
        if not readable:                      # unreadable: already kept in the safety copy, start afresh
            database.unlink()
            for side in _side_files(database):
                side.unlink(missing_ok=True)
    src = sqlite3.connect(_ro_uri(backup), uri=True)
    try:
        dst = sqlite3.connect(str(database), isolation_level=None)
        try:
            # Out of WAL first: a backup into a WAL database of another page size would fail;
            # Database.open switches it back to WAL.
            dst.execute("PRAGMA journal_mode = DELETE")
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()


async def restore_database(backup: Path, database: Path, safety_dir: Path, stamp: str) -> RestoreReport:
    """Replace ``database`` by the backup ``backup``; nothing is changed when it is refused.

    Steps: check the backup (``RestoreRefused`` with missing / not_sqlite / corrupt / foreign /
    too_new), refuse while another process has the database open (``in_use``), keep a safety copy
    ``safety_dir/pre-restore-<stamp>.sqlite3`` of the current database, copy the backup in through
    the backup API, open the result with :meth:`Database.open` (migrations) and check it again.
    """
    backup, database = Path(backup), Path(database)
    if database.exists() and backup.resolve() == database.resolve():
        raise RestoreRefused("same_file", str(database))
    check = await check_database_async(backup)
    if not check.ok:
        raise RestoreRefused(check.problem or "corrupt", check.detail)
    if database_in_use(database):
        raise RestoreRefused("in_use", str(database))
    safety = await asyncio.to_thread(_keep_current, database, safety_dir, stamp)
    await asyncio.to_thread(_copy_in, backup, database)
    db = await Database.open(database)
    try:
        version = await db.schema_version()
    finally:
        await db.close()
    after = await check_database_async(database, readonly=False)
    if not after.ok:
        raise RuntimeError(f"restored database failed its check: {after.problem} {after.detail}")
    log.info("restored %s from %s (schema %s -> %s, %s cases)", database, backup, check.schema_version, version,
             after.cases)
    return RestoreReport(database=database, restored_from=backup, safety_copy=safety,
                         schema_before=check.schema_version, schema_after=version, cases=after.cases)
