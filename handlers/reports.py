"""/report: KPI summary, XLSX and PNG for a period (operators and admins in private chats, the head's chat)."""

from __future__ import annotations

import logging

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot import texts
from bot.domain.model import Actor, Role
from bot.services.periods import PeriodError
from bot.services.reports import ReportService
from handlers.filters import HasRole
from handlers.spec import RouterSpec

log = logging.getLogger(__name__)

router = RouterSpec("reports")


@router.message(Command("report"), F.chat.type == "private", HasRole(Role.OPERATOR, Role.ADMIN, Role.OFFICIAL))
@router.message(Command("report"), HasRole(Role.HEAD))
async def report_command(message: Message, command: CommandObject, reports: ReportService, actor: Actor) -> None:
    arg = (command.args or "").strip()
    try:
        period = reports.parse(arg)
    except PeriodError:
        await message.answer(texts.REPORT_USAGE.format(value=texts.esc(arg)))
        return
    try:
        files = await reports.files(period, scope=actor.scope)   # the actor's organisation's cases only
    except Exception:
        log.exception("report for %s failed", period.label)
        await message.answer(texts.REPORT_FAILED)
        return
    await message.answer(files.text)
    await message.answer_document(BufferedInputFile(files.xlsx, files.xlsx_name),
                                  caption=texts.REPORT_XLSX_CAPTION.format(period=period.label))
    await message.answer_photo(BufferedInputFile(files.png, files.png_name),
                               caption=texts.REPORT_PNG_CAPTION.format(period=period.label))
