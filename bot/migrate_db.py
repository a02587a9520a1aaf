"""`python -m bot.migrate_db --to postgresql://…`: move the SQLite database into an empty PostgreSQL database.

The source is DATABASE_PATH (or ``--from PATH``), opened read-only; the target must be empty (it gets the
migrations first). Every table is copied in one transaction and verified (row counts and checksums,
storage/copy.py); the per-table report is printed. ``--schema-only`` applies the migrations and copies
nothing (the owner role does it before a new version of the bot starts with its DML-only role).
Exit codes: 0 copied and verified; 1 refused or a difference found (then nothing stays in the target);
2 wrong settings or arguments. docs/postgresql.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError

from bot import texts
from bot.settings import Settings, describe_validation_error
from storage.connect import open_database
from storage.copy import (
    BATCH,
    CopyMismatch,
    CopyRefused,
    CopyReport,
    Progress,
    copy_to_postgresql,
    open_source,
)
from storage.db import is_postgresql_url
from storage.health import DATABASE_ERRORS
from storage.pg_db import redact

PROGRESS_EVERY = 100_000          # rows between two progress lines of one table


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.migrate_db",
                                     description="Перенос базы SQLite в пустую базу PostgreSQL с проверкой.")
    parser.add_argument("--from", dest="source", type=Path,
                        help="файл базы SQLite (по умолчанию DATABASE_PATH)")
    parser.add_argument("--to", dest="target",
                        help="адрес пустой базы PostgreSQL: postgresql://пользователь:пароль@сервер:5432/база "
                             "(по умолчанию DATABASE_URL)")
    parser.add_argument("--batch", type=int, default=BATCH, help="строк в одной пачке COPY")
    parser.add_argument("--schema-only", action="store_true",
                        help="только применить миграции PostgreSQL (роль-владелец при обновлении) и выйти")
    return parser


def progress_printer() -> Progress:
    """A progress line per table every PROGRESS_EVERY rows and when it is done."""
    shown: dict[str, int] = {}

    def show(table: str, done: int, total: int) -> None:
        if done == total or done - shown.get(table, 0) >= PROGRESS_EVERY:
            shown[table] = done
            print(texts.MIGRATE_DB_PROGRESS.format(table=table, done=done, total=total), flush=True)
    return show


def print_report(report: CopyReport) -> None:
    print(texts.MIGRATE_DB_TITLE)
    for check in report.tables:
        s, t = check.source, check.target
        checksum = (texts.MIGRATE_DB_SAME if check.ok
                    else texts.MIGRATE_DB_DIFFERS.format(source=s.hex[:12], target=t.hex[:12]))
        print(texts.MIGRATE_DB_LINE.format(mark="✓" if check.ok else "✗", table=check.table, source_rows=s.rows,
                                           target_rows=t.rows, checksum=checksum))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(describe_validation_error(exc), file=sys.stderr)
        return 2
    source: Path = args.source or settings.storage.database_path
    url = args.target or (settings.storage.database_url.get_secret_value() if settings.storage.database_url else "")
    if not is_postgresql_url(url):
        print(texts.MIGRATE_DB_NO_TARGET, file=sys.stderr)
        return 2
    try:
        if args.schema_only:
            return asyncio.run(_schema_only(url))
        return asyncio.run(_run(source, url, max(1, args.batch)))
    except CopyRefused as exc:
        reason = texts.MIGRATE_DB_REASONS.get(exc.code, exc.code + " {detail}").format(detail=exc.detail)
        print(texts.MIGRATE_DB_REFUSED.format(reason=reason), file=sys.stderr)
        return 1


async def _schema_only(url: str) -> int:
    """Apply PostgreSQL's migrations as the role of this URL (the owner's), copy nothing."""
    try:
        db = await open_database(url)
    except DATABASE_ERRORS as exc:
        raise CopyRefused("connect", f"{type(exc).__name__}: {exc}") from exc
    try:
        print(texts.MIGRATE_DB_SCHEMA.format(target=redact(url), version=await db.schema_version()))
    finally:
        await db.close()
    return 0


async def _run(source: Path, url: str, batch: int) -> int:
    probe = open_source(source)                              # the version line before the copy starts
    try:
        version = probe.execute("PRAGMA user_version").fetchone()[0]
    finally:
        probe.close()
    print(texts.MIGRATE_DB_START.format(source=source, version=version, target=redact(url)), flush=True)
    try:
        report = await copy_to_postgresql(source, url, batch=batch, progress=progress_printer())
    except CopyMismatch as exc:
        print_report(exc.report)
        bad = ", ".join(t.table for t in exc.report.tables if not t.ok)
        print(texts.MIGRATE_DB_MISMATCH.format(tables=bad), file=sys.stderr)
        return 1
    print_report(report)
    print(texts.MIGRATE_DB_DONE.format(tables=len(report.tables), rows=report.rows,
                                       seconds=f"{report.seconds:.1f}".replace(".", ",")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
