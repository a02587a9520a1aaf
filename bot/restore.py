"""`python -m bot.restore`: list, check and restore backups of the database (docs/backup.md).

    python -m bot.restore list  [--backup-dir DIR]
    python -m bot.restore check FILE
    python -m bot.restore restore FILE [--database PATH] [--backup-dir DIR]

The database and the backup folder default to DATABASE_PATH and BACKUP_DIR of the bot's settings
(`.env` in the current folder, or the environment). Stop the bot before restoring: while another
process has the database open the restore is refused. Exit code 0: done; 1: refused or the file is
unfit (nothing changed); 2: wrong settings or arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError

from bot import texts
from bot.runtime.clock import SystemClock
from bot.services.backups import STAMP, human_size, list_backups
from bot.settings import Settings, describe_validation_error
from storage.backup import RestoreRefused, check_database, restore_database


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.restore",
                                     description="Резервные копии базы данных бота: список, проверка, восстановление.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="список резервных копий (новые сверху)")
    p_list.add_argument("--backup-dir", type=Path, help="папка копий (по умолчанию BACKUP_DIR)")
    p_check = sub.add_parser("check", help="проверить файл копии, ничего не меняя")
    p_check.add_argument("file", type=Path)
    p_restore = sub.add_parser("restore", help="восстановить базу из копии (бот должен быть остановлен)")
    p_restore.add_argument("file", type=Path, help="файл резервной копии")
    p_restore.add_argument("--database", type=Path, help="рабочая база (по умолчанию DATABASE_PATH)")
    p_restore.add_argument("--backup-dir", type=Path,
                           help="куда положить страховую копию прежней базы (по умолчанию BACKUP_DIR)")
    return parser


def _out(text: str) -> None:
    print(text.replace("<code>", "").replace("</code>", ""))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(describe_validation_error(exc), file=sys.stderr)
        return 2
    tz = settings.deadlines.tz
    if args.command == "list":
        folder = args.backup_dir or settings.backups.backup_dir
        found = list_backups(folder, tz)
        if not found:
            _out(texts.RESTORE_LIST_EMPTY.format(folder=folder))
            return 0
        _out(texts.RESTORE_LIST_TITLE.format(folder=folder))
        for item in found:
            _out(texts.RESTORE_LIST_LINE.format(name=item.path.name, at=item.made_at.strftime("%d.%m.%Y %H:%M:%S"),
                                                size=human_size(item.size)))
        return 0
    if args.command == "check":
        check = check_database(args.file)
        if check.ok:
            _out(texts.RESTORE_CHECK_OK.format(path=args.file, version=check.schema_version, cases=check.cases))
            return 0
        _out(texts.RESTORE_CHECK_BAD.format(path=args.file,
                                            reason=texts.backup_problem(check.problem or "", check.detail)))
        return 1
    database = args.database or settings.storage.database_path
    folder = args.backup_dir or settings.backups.backup_dir
    stamp = SystemClock(tz).now().strftime(STAMP)
    try:
        report = asyncio.run(restore_database(args.file, database, folder, stamp))
    except RestoreRefused as exc:
        print(texts.RESTORE_REFUSED.format(reason=texts.backup_problem(exc.code, exc.detail)), file=sys.stderr)
        return 1
    safety = (texts.RESTORE_SAFETY.format(path=report.safety_copy) if report.safety_copy
              else texts.RESTORE_NO_SAFETY)
    _out(texts.RESTORE_DONE.format(database=report.database, backup=report.restored_from, cases=report.cases,
                                   before=report.schema_before, after=report.schema_after, safety=safety))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
