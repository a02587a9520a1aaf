"""/report: KPI summary, XLSX and PNG for a period (operators and admins in private chats, the head's chat)."""

from __future__ import annotations

import logging
from datetime import tzinfo

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot import texts
from bot.domain.model import Role
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from bot.services.cases import CaseService
from bot.services.periods import PeriodError
from bot.services.reports import ReportService
from deadlines.rules import Deadlines
from handlers.filters import HasRole
from handlers.spec import RouterSpec

log = logging.getLogger(__name__)

router = RouterSpec("reports")


def _service(reports: ReportService | None, cases: CaseService, deadlines: Deadlines, clock: Clock,
             tz: tzinfo, access: AccessService | None) -> ReportService:
    return reports or ReportService(cases.db, deadlines.calendar, clock, tz,
                                    person_name=access.person_name if access is not None else None)


@router.message(Command("report"), F.chat.type == "private", HasRole(Role.OPERATOR, Role.ADMIN, Role.OFFICIAL))
@router.message(Command("report"), HasRole(Role.HEAD))
async def report_command(message: Message, command: CommandObject, cases: CaseService, deadlines: Deadlines,
                         clock: Clock, tz: tzinfo, reports: ReportService | None = None,
                         access: AccessService | None = None) -> None:
    service = _service(reports, cases, deadlines, clock, tz, access)
    arg = (command.args or "").strip()
    try:
        period = service.parse(arg)
    except PeriodError:
        await message.answer(texts.REPORT_USAGE.format(value=texts.esc(arg)))
        return
    try:
        files = await service.files(period)
    except Exception:
        log.exception("report for %s failed", period.label)
        await message.answer(texts.REPORT_FAILED)
        return
    await message.answer(files.text)
    await message.answer_document(BufferedInputFile(files.xlsx, files.xlsx_name),
                                  caption=texts.REPORT_XLSX_CAPTION.format(period=period.label))
    await message.answer_photo(BufferedInputFile(files.png, files.png_name),
                               caption=texts.REPORT_PNG_CAPTION.format(period=period.label))
