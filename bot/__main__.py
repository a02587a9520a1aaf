"""`python -m bot`: check the settings, then run the bot (long polling)."""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.config import Settings, describe_validation_error

NO_TOKEN = (
    "Не задан BOT_TOKEN — токен бота.\n"
    "Получите его у @BotFather в Telegram (команда /newbot), затем скопируйте .env.example в .env "
    "и впишите токен в строку BOT_TOKEN=…, или задайте переменную окружения BOT_TOKEN."
)


class RedactingFilter(logging.Filter):
    """Keeps the token out of every log line (aiogram's URLs carry it)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret:
            message = record.getMessage()
            if self.secret in message:
                record.msg = message.replace(self.secret, "***")
                record.args = ()
        return True


def setup_logging(level: str, secret: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secret))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def main() -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        print(describe_validation_error(exc), file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"Ошибка настроек: {exc}", file=sys.stderr)
        return 2
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    try:
        settings.build_deadlines()
    except (ValueError, OSError) as exc:
        print(f"Ошибка календаря ({settings.calendar_path}): {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.bot_token.get_secret_value())
    from bot.app import run_polling
    from bot.services.startup import StartupFatal, database_not_writable

    if (problem := database_not_writable(settings.database_path)) is not None:
        print(problem, file=sys.stderr)
        return 2
    try:
        asyncio.run(run_polling(settings))
    except KeyboardInterrupt:
        pass
    except StartupFatal as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
