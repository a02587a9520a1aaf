"""/report: KPI summary, XLSX and PNG for a period (operators and admins in private chats, the head's chat)."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.domain.model import Actor, Role
from bot.services.reports import ReportService
from handlers.filters import HasRole
from handlers.period_files import answer_period_files
from handlers.spec import RouterSpec

router = RouterSpec("reports")


@router.message(Command("report"), F.chat.type == "private", HasRole(Role.OPERATOR, Role.ADMIN, Role.OFFICIAL))
@router.message(Command("report"), HasRole(Role.HEAD))
async def report_command(message: Message, command: CommandObject, reports: ReportService, actor: Actor) -> None:
    await answer_period_files(message, (command.args or "").strip(), reports.parse,
                              lambda period: reports.files(period, scope=actor.scope),   # the actor's organisation's
                              usage=texts.REPORT_USAGE, failed=texts.REPORT_FAILED,
                              xlsx_caption=texts.REPORT_XLSX_CAPTION, png_caption=texts.REPORT_PNG_CAPTION)
