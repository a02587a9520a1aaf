"""Private files: the bot's database, its WAL and its backups hold personal data (152-ФЗ), so the process
creates every file readable by its own user only (umask 0o077), whatever the service manager sets, and
tightens the files an older version left readable by others."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

#: New files 0600, new folders 0700.
PRIVATE_UMASK = 0o077


def private_umask() -> int:
    """Set the private umask for the whole process; returns the previous one."""
    return os.umask(PRIVATE_UMASK)


def database_files(database: Path) -> list[Path]:
    """The database and SQLite's side files next to it."""
    return [database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")]


def tighten(paths: Iterable[Path]) -> list[Path]:
    """Take the group's and others' permissions off those of ``paths`` that exist (a folder: the files
    directly in it too); the paths changed. A file of another user is left as it is, logged."""
    changed: list[Path] = []
    for path in paths:
        entries = [path] + (sorted(path.iterdir()) if path.is_dir() else [])
        for entry in entries:
            try:
                mode = stat.S_IMODE(entry.lstat().st_mode)
                if entry.is_symlink() or not mode & 0o077:
                    continue
                entry.chmod(mode & 0o700)
                changed.append(entry)
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("cannot make %s private: %s", entry, exc)
    return changed
