"""/rating: the republic's rating of organisations for a period (issue 14 §4) — text, XLSX and chart — in the
coordinator's group or a private chat of COORDINATOR_IDS."""

from __future__ import annotations

import logging

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot import texts
from bot.domain.model import Role
from bot.services.periods import PeriodError
from bot.services.ratings import RatingService
from handlers import render
from handlers.filters import HasRole
from handlers.spec import RouterSpec

log = logging.getLogger(__name__)

router = RouterSpec("ratings")


@router.message(Command("rating"), HasRole(Role.COORDINATOR))
async def rating_command(message: Message, command: CommandObject, ratings: RatingService) -> None:
    arg = (command.args or "").strip()
    try:
        period = ratings.parse(arg)
    except PeriodError:
        await message.answer(texts.RATING_USAGE.format(value=texts.esc(arg)))
        return
    try:
        files = await ratings.files(period)
    except Exception:
        log.exception("rating for %s failed", period.label)
        await message.answer(texts.RATING_FAILED)
        return
    for part in _parts(files.text):
        await message.answer(part)
    await message.answer_document(BufferedInputFile(files.xlsx, files.xlsx_name),
                                  caption=texts.RATING_XLSX_CAPTION.format(period=period.label))
    await message.answer_photo(BufferedInputFile(files.png, files.png_name),
                               caption=texts.RATING_PNG_CAPTION.format(period=period.label))


@router.message(Command("rating"), F.chat.type == "private")
async def rating_not_coordinator(message: Message) -> None:
    """Anyone else in a private chat: told whose command it is."""
    await message.answer(texts.RATING_ONLY_COORDINATOR)


def _parts(text: str) -> list[str]:
    return render.chunk(text.split("\n"))
