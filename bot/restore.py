"""`python -m bot.restore`: list, check and restore backups of the database (docs/backup.md).

    python -m bot.restore list  [--backup-dir DIR]
    python -m bot.restore check FILE
    python -m bot.restore decrypt FILE [--out PATH]
    python -m bot.restore restore FILE [--database PATH] [--backup-dir DIR] [--yes]

The database and the backup folder default to DATABASE_PATH and BACKUP_DIR of the bot's settings
(`.env` in the current folder, or the environment). Stop the bot before restoring: while another
process has the database open the restore is refused. A file `/backup` sent (encrypted, ``….enc``) is
decrypted with BACKUP_PASSPHRASE, or the passphrase asked for; ``check`` and ``restore`` take it as it
is. A file whose schema differs from what the migrations create is refused; before restoring, the
command shows whom the file grants access to and asks to confirm (``--yes``: without asking, for
scripts). Exit code 0: done; 1: refused or the file is unfit (nothing changed); 2: wrong settings or
arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from bot import texts
from bot.runtime.clock import SystemClock
from bot.runtime.files import private_umask
from bot.services.backups import STAMP, human_size, list_backups
from bot.settings import Settings, describe_validation_error
from storage.backup import RestoreRefused, check_database, restore_database
from storage.backup_crypto import ENCRYPTED_SUFFIX, DecryptionFailed, decrypt_file, is_encrypted
from storage.codec import ts
from storage.schema_check import Grants, grants_of

#: Answers that confirm the restore.
YES = frozenset({"да", "д", "yes", "y"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.restore",
                                     description="Резервные копии базы данных бота: список, проверка, восстановление.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="список резервных копий (новые сверху)")
    p_list.add_argument("--backup-dir", type=Path, help="папка копий (по умолчанию BACKUP_DIR)")
    p_check = sub.add_parser("check", help="проверить файл копии, ничего не меняя")
    p_check.add_argument("file", type=Path)
    p_decrypt = sub.add_parser("decrypt", help="расшифровать копию, присланную командой /backup (….enc)")
    p_decrypt.add_argument("file", type=Path)
    p_decrypt.add_argument("--out", type=Path, help="куда записать базу (по умолчанию — имя файла без .enc)")
    p_restore = sub.add_parser("restore", help="восстановить базу из копии (бот должен быть остановлен)")
    p_restore.add_argument("file", type=Path, help="файл резервной копии")
    p_restore.add_argument("--database", type=Path, help="рабочая база (по умолчанию DATABASE_PATH)")
    p_restore.add_argument("--backup-dir", type=Path,
                           help="куда положить страховую копию прежней базы (по умолчанию BACKUP_DIR)")
    p_restore.add_argument("--yes", action="store_true",
                           help="не спрашивать подтверждения (для сценариев); доступы всё равно показываются")
    return parser


def _out(text: str) -> None:
    print(text.replace("<code>", "").replace("</code>", ""))


def _passphrase(settings: Settings) -> str:
    secret = settings.backups.backup_passphrase
    return secret.get_secret_value() if secret is not None else getpass.getpass(texts.RESTORE_ASK_PASSPHRASE)


@contextmanager
def _plain(file: Path, settings: Settings) -> Iterator[Path]:
    """The file as a plain database: itself, or decrypted into a private temporary folder removed after."""
    if not is_encrypted(file):
        yield file
        return
    with tempfile.TemporaryDirectory(prefix="smi-restore-") as folder:
        target = Path(folder) / file.name.removesuffix(ENCRYPTED_SUFFIX)
        decrypt_file(file, target, _passphrase(settings))
        yield target


def _grants(path: Path, settings: Settings) -> Grants:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return grants_of(conn, ts(SystemClock(settings.deadlines.tz).now()) or "")
    finally:
        conn.close()


def _grants_text(path: Path, settings: Settings) -> str:
    people = settings.people
    return texts.restore_grants(_grants(path, settings), people.admin_ids, people.operator_ids,
                                people.official_ids, people.head_chat_id)


def _confirmed(path: Path, settings: Settings, yes: bool) -> bool:
    """Show whom the file grants access to; True when the restore may go on (``--yes`` or «да»)."""
    _out(_grants_text(path, settings))
    if yes:
        return True
    try:
        answer = input(texts.RESTORE_CONFIRM)
    except EOFError:
        answer = ""
    return answer.strip().lower() in YES


def _decrypt(args: argparse.Namespace, settings: Settings) -> int:
    out = args.out or args.file.with_name(args.file.name.removesuffix(ENCRYPTED_SUFFIX) if
                                          args.file.name.endswith(ENCRYPTED_SUFFIX) else args.file.name + ".sqlite3")
    if out.exists():
        print(texts.RESTORE_DECRYPT_EXISTS.format(path=out), file=sys.stderr)
        return 1
    decrypt_file(args.file, out, _passphrase(settings))
    check = check_database(out)
    reason = "" if check.ok else texts.backup_problem(check.problem or "", check.detail)
    _out(texts.RESTORE_DECRYPTED.format(path=out) + (texts.RESTORE_CHECK_BAD.format(path=out, reason=reason)
                                                     if reason else ""))
    return 0 if check.ok else 1


def main(argv: list[str] | None = None) -> int:
    previous = private_umask()           # a decrypted or a safety copy: the user's only
    try:
        return _main(_parser().parse_args(argv))
    except DecryptionFailed as exc:
        print(texts.RESTORE_DECRYPT_FAILED.get(exc.code, exc.code), file=sys.stderr)
        return 1
    except (FileNotFoundError, IsADirectoryError) as exc:
        print(texts.RESTORE_REFUSED.format(reason=texts.backup_problem("missing") + f" ({exc.filename})"),
              file=sys.stderr)
        return 1
    finally:
        os.umask(previous)


def _main(args: argparse.Namespace) -> int:
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
    if args.command == "decrypt":
        return _decrypt(args, settings)
    if args.command == "check":
        with _plain(args.file, settings) as plain:
            check = check_database(plain)
            if check.ok:
                _out(texts.RESTORE_CHECK_OK.format(path=args.file, version=check.schema_version, cases=check.cases))
                _out(_grants_text(plain, settings))
                return 0
        _out(texts.RESTORE_CHECK_BAD.format(path=args.file,
                                            reason=texts.backup_problem(check.problem or "", check.detail)))
        return 1
    if settings.storage.database_url is not None and args.database is None:
        print(texts.RESTORE_POSTGRESQL, file=sys.stderr)       # the SQLite backup API does not apply
        return 1
    database = args.database or settings.storage.database_path
    folder = args.backup_dir or settings.backups.backup_dir
    stamp = SystemClock(tz).now().strftime(STAMP)
    with _plain(args.file, settings) as plain:
        check = check_database(plain)
        if not check.ok:
            print(texts.RESTORE_REFUSED.format(reason=texts.backup_problem(check.problem or "", check.detail)),
                  file=sys.stderr)
            return 1
        if not _confirmed(plain, settings, args.yes):
            print(texts.RESTORE_NOT_CONFIRMED, file=sys.stderr)
            return 1
        try:
            report = asyncio.run(restore_database(plain, database, folder, stamp))
        except RestoreRefused as exc:
            print(texts.RESTORE_REFUSED.format(reason=texts.backup_problem(exc.code, exc.detail)), file=sys.stderr)
            return 1
    safety = (texts.RESTORE_SAFETY.format(path=report.safety_copy) if report.safety_copy
              else texts.RESTORE_NO_SAFETY)
    _out(texts.RESTORE_DONE.format(database=report.database, backup=args.file, cases=report.cases,
                                   before=report.schema_before, after=report.schema_after, safety=safety))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
