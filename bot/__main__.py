"""`python -m bot`: check the settings, then run the bot (long polling or webhook, RUN_MODE).

Exit codes: 0 after a normal stop (SIGTERM / SIGINT), 2 for wrong settings, 1 when the bot failed.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from bot import texts
from bot.runtime.files import database_files, private_umask, tighten
from bot.runtime.logs import setup_logging
from bot.settings import Settings, describe_validation_error


def main() -> int:
    private_umask()                  # the database, its WAL and the backups: the bot's user only
    try:
        settings = Settings()
    except ValidationError as exc:
        print(describe_validation_error(exc), file=sys.stderr)
        return 2
    except ValueError as exc:
        print(texts.CONFIG_ERROR.format(message=exc), file=sys.stderr)
        return 2
    token = settings.telegram.bot_token
    if token is None:
        print(texts.NO_TOKEN, file=sys.stderr)
        return 2
    try:
        settings.deadlines.build_deadlines()
    except (ValueError, OSError) as exc:
        print(texts.CALENDAR_ERROR.format(path=settings.deadlines.calendar_path, error=exc), file=sys.stderr)
        return 2
    web = settings.web
    setup_logging(settings.logs.log_level,
                  [token.get_secret_value(), web.webhook_secret.get_secret_value() if web.webhook_secret else ""],
                  settings.logs.log_format)
    local = settings.storage.database_url is None      # a SQLite file; PostgreSQL's files are the server's
    for path in tighten([*database_files(settings.storage.database_path), settings.backups.backup_dir]
                        if local else []):
        logging.getLogger("bot").warning("made %s readable by the bot's user only", path)
    from bot.app.runner import run
    from bot.app.startup import StartupFatal, database_not_writable

    if local and (problem := database_not_writable(settings.storage.database_path)) is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        pass
    except StartupFatal as exc:
        print(exc, file=sys.stderr)
        return 2
    except Exception:
        logging.getLogger("bot").critical("the bot stopped because of an error", exc_info=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
