"""`python -m bot`: check the settings, then run the bot (long polling or webhook, RUN_MODE).

Exit codes: 0 after a normal stop (SIGTERM / SIGINT), 2 for wrong settings, 1 when the bot failed.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from bot import texts
from bot.runtime import logs
from bot.runtime.logs import RedactingFilter
from bot.settings import Settings, describe_validation_error

__all__ = ["RedactingFilter", "main", "setup_logging"]



def setup_logging(level: str, secret: str, fmt: str = "text", *more_secrets: str) -> None:
    """One line per event (LOG_FORMAT=text: key=value, json: JSON), the token and secrets redacted."""
    logs.setup_logging(level, [secret, *more_secrets], fmt)


def main() -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        print(describe_validation_error(exc), file=sys.stderr)
        return 2
    except ValueError as exc:
        print(texts.CONFIG_ERROR.format(message=exc), file=sys.stderr)
        return 2
    if settings.bot_token is None:
        print(texts.NO_TOKEN, file=sys.stderr)
        return 2
    try:
        settings.build_deadlines()
    except (ValueError, OSError) as exc:
        print(texts.CALENDAR_ERROR.format(path=settings.calendar_path, error=exc), file=sys.stderr)
        return 2
    webhook_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    setup_logging(settings.log_level, settings.bot_token.get_secret_value(), settings.log_format, webhook_secret)
    from bot.app.container import run
    from bot.app.startup import StartupFatal, database_not_writable

    if (problem := database_not_writable(settings.database_path)) is not None:
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
