"""/rating: the republic's rating of organisations for a period (issue 14 §4) — text, XLSX and chart — in the
coordinator's group or a private chat of COORDINATOR_IDS."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.domain.model import Role
from bot.services.ratings import RatingService
from handlers.filters import HasRole
from handlers.period_files import answer_period_files
from handlers.spec import RouterSpec

router = RouterSpec("ratings")


@router.message(Command("rating"), HasRole(Role.COORDINATOR))
async def rating_command(message: Message, command: CommandObject, ratings: RatingService) -> None:
    await answer_period_files(message, (command.args or "").strip(), ratings.parse, ratings.files,
                              usage=texts.RATING_USAGE, failed=texts.RATING_FAILED,
                              xlsx_caption=texts.RATING_XLSX_CAPTION, png_caption=texts.RATING_PNG_CAPTION)


@router.message(Command("rating"), F.chat.type == "private")
async def rating_not_coordinator(message: Message) -> None:
    """Anyone else in a private chat: told whose command it is."""
    await message.answer(texts.RATING_ONLY_COORDINATOR)
