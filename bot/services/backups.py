"""Backups of the database: made online, checked, rotated; failures told to the admins (bot/jobs/daily.py
schedules them).

A backup is ``BACKUP_DIR/bot-YYYYMMDD-HHMMSS.sqlite3`` (local time of the injected clock). It is
written as ``….part``, checked (``PRAGMA integrity_check``, this bot's tables and schema version)
and only then renamed, so a file with the final name is always a checked backup. Rotation keeps the
``BACKUP_KEEP`` newest such files, never the one just made, and never touches any other file.

What leaves the server (``/backup`` sends it to Telegram) is sealed with BACKUP_PASSPHRASE first
(scrypt + AES-256-GCM, storage/backup_crypto.py); without a passphrase nothing is sealed or sent. The
local backups stay plain: they lie on the server's disk next to the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import time as monotonic_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from pathlib import Path

from pydantic import SecretStr

from bot import texts
from bot.domain.notices import Notice, NoticeKind, Words
from bot.domain.times import daily_moments, parse_times
from bot.runtime.clock import Clock
from storage.backup import DatabaseCheck, backup_database, check_database_async
from storage.backup_crypto import ENCRYPTED_SUFFIX, encrypt_stream
from storage.db import Database
from storage.outbox import OutboxRepository

log = logging.getLogger(__name__)

#: Telegram lets a bot upload documents up to 50 MB.
TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024
NAME_RE = re.compile(r"^bot-(\d{8}-\d{6})(?:-(\d+))?\.sqlite3$")
STAMP = "%Y%m%d-%H%M%S"


class BackupsAreTheDBAs(Exception):
    """On PostgreSQL the bot makes no backup of its own: pg_dump and WAL archiving do (docs/postgresql.md)."""


class BackupFailed(Exception):
    """The copy was made but failed its check (it is deleted)."""

    def __init__(self, check: DatabaseCheck) -> None:
        super().__init__(f"backup check failed: {check.problem} {check.detail}".strip())
        self.check = check


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made_at: datetime
    seq: int
    size: int

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return self.made_at, self.seq


@dataclass(frozen=True)
class BackupResult:
    path: Path
    made_at: datetime
    size: int
    cases: int
    schema_version: int
    seconds: float
    removed: list[Path]


parse_backup_times = parse_times         # BACKUP_TIMES: "03:00,15:00" (empty: no scheduled backups)


def backup_moments(times: list[time], tz: tzinfo, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` backup moments strictly after ``after``: every day (not only working days)."""
    return daily_moments(times, tz, after, count)


def list_backups(folder: Path, tz: tzinfo) -> list[BackupFile]:
    """The backups (``bot-YYYYMMDD-HHMMSS[-N].sqlite3``) in ``folder``, newest first; other files ignored."""
    if not folder.is_dir():
        return []
    found: list[BackupFile] = []
    for entry in folder.iterdir():
        m = NAME_RE.match(entry.name)
        if not m or not entry.is_file():
            continue
        made_at = datetime.strptime(m.group(1), STAMP).replace(tzinfo=tz)
        found.append(BackupFile(entry, made_at, int(m.group(2) or 1), entry.stat().st_size))
    return sorted(found, key=lambda b: b.sort_key, reverse=True)


def human_size(size: int) -> str:
    """Bytes in Russian units: 512 Б, 3,4 КБ, 12,0 МБ."""
    b, kb, mb = texts.SIZE_UNITS
    if size < 1024:
        return f"{size} {b}"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} {kb}".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} {mb}".replace(".", ",")


class BackupService:
    def __init__(self, db: Database, clock: Clock, tz: tzinfo, folder: Path, *, keep: int = 14,
                 times: str = "03:00", on_queued: Callable[[], None] | None = None,
                 upload_limit: int = TELEGRAM_UPLOAD_LIMIT, passphrase: SecretStr | None = None) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.folder = Path(folder)
        self.keep = keep
        self.times = parse_backup_times(times)
        self.upload_limit = upload_limit
        self.passphrase = passphrase
        self._on_queued = on_queued or (lambda: None)
        self._lock = asyncio.Lock()
        self.outbox = OutboxRepository()
        if self.on_postgresql and self.times:
            log.info("BACKUP_TIMES is ignored on PostgreSQL: backups are the DBA's (pg_dump, WAL archiving; "
                     "docs/postgresql.md)")

    @property
    def on_postgresql(self) -> bool:
        """The SQLite backup API does not apply: /backup says so, no backup is scheduled."""
        return self.db.is_postgresql

    @property
    def scheduled(self) -> bool:
        """Whether the daily backup job runs: BACKUP_TIMES set, and the database a SQLite file."""
        return bool(self.times) and not self.on_postgresql

    # ---- the files --------------------------------------------------------------------------
    def backups(self) -> list[BackupFile]:
        """This service's backups in the folder, newest first (other files are ignored)."""
        return list_backups(self.folder, self.tz)

    def _new_name(self, now: datetime) -> Path:
        stamp = now.astimezone(self.tz).strftime(STAMP)
        path = self.folder / f"bot-{stamp}.sqlite3"
        seq = 1
        while path.exists() or Path(f"{path}.part").exists():
            seq += 1
            path = self.folder / f"bot-{stamp}-{seq}.sqlite3"
        return path

    def rotate(self, just_made: Path) -> list[Path]:
        """Delete backups beyond the ``keep`` newest; the one just made is never deleted."""
        removed: list[Path] = []
        for old in self.backups()[self.keep:]:
            if old.path.resolve() == just_made.resolve():
                continue
            try:
                old.path.unlink()
                removed.append(old.path)
            except OSError:
                log.warning("could not delete the old backup %s", old.path, exc_info=True)
        return removed

    # ---- making one -------------------------------------------------------------------------
    def _prepare(self, now: datetime) -> Path:
        """The folder exists, no ``.part`` left by a crash in the middle; the new backup's free name."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("bot-*.sqlite3.part"):
            stale.unlink(missing_ok=True)
        return self._new_name(now)

    async def make(self) -> BackupResult:
        """Make, check and rotate one backup now (one at a time); :class:`BackupsAreTheDBAs` on PostgreSQL."""
        if self.on_postgresql:
            raise BackupsAreTheDBAs("the database is PostgreSQL: pg_dump and WAL archiving, docs/postgresql.md")
        async with self._lock:
            now = self.clock.now()
            final = await asyncio.to_thread(self._prepare, now)
            part = Path(f"{final}.part")
            started = monotonic_time.monotonic()
            try:
                await backup_database(self.db, part)
                check = await check_database_async(part)
                if not check.ok:
                    raise BackupFailed(check)
                os.replace(part, final)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(part)
                raise
            seconds = monotonic_time.monotonic() - started
            removed, size = await asyncio.to_thread(lambda: (self.rotate(final), os.path.getsize(final)))
            log.info("backup %s: %d bytes, %d cases, schema %d, %.2f s; %d old removed",
                     final, size, check.cases, check.schema_version, seconds, len(removed))
            return BackupResult(path=final, made_at=now, size=size, cases=check.cases,
                                schema_version=check.schema_version, seconds=seconds, removed=removed)

    @property
    def can_send(self) -> bool:
        """Whether a backup may leave the server: only sealed, so only with BACKUP_PASSPHRASE."""
        return self.passphrase is not None

    async def sealed(self, result: BackupResult) -> tuple[str, bytes] | None:
        """The backup encrypted with BACKUP_PASSPHRASE (off the event loop): its file name and bytes, to be
        sent as a document; None when it is over the upload limit (a bigger file is not even read).
        ``ValueError`` without a passphrase: a plain copy never leaves the server."""
        if self.passphrase is None:
            raise ValueError("BACKUP_PASSPHRASE is not set: the backup is not sent in clear")
        if result.size > self.upload_limit:
            return None
        passphrase = self.passphrase.get_secret_value()

        def seal() -> bytes:
            sealed = io.BytesIO()
            with open(result.path, "rb") as src:
                encrypt_stream(src, sealed, passphrase)
            return sealed.getvalue()

        content = await asyncio.to_thread(seal)
        return None if len(content) > self.upload_limit else (result.path.name + ENCRYPTED_SUFFIX, content)

    def made_since(self, moment: datetime) -> bool:
        """Whether a backup stamped at or after ``moment`` exists (a restart does not repeat it)."""
        newest = self.backups()
        return bool(newest) and newest[0].made_at >= moment.replace(microsecond=0)

    # ---- the schedule -----------------------------------------------------------------------
    def next_moments(self, after: datetime | None = None, count: int = 1) -> list[datetime]:
        return backup_moments(self.times, self.tz, after or self.clock.now(), count)

    async def report_failure(self, moment: datetime, error: BaseException) -> None:
        """Tell the admins through the outbox (it survives a crash); if even that fails, only log."""
        now = self.clock.now()
        text = texts.BACKUP_FAILED_ALERT.format(at=texts.when(moment.astimezone(self.tz)),
                                                error=texts.esc(f"{type(error).__name__}: {error}"[:300]),
                                                folder=texts.esc(str(self.folder)))
        try:
            async with self.db.transaction() as conn:
                await self.outbox.add(conn, Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(text),
                                                   dedup_key=f"backup_failed:{moment.isoformat()}"), now)
        except Exception:
            log.exception("could not queue the admins' alert about the failed backup")
            return
        self._on_queued()
