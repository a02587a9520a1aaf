"""A command that answers a period with a summary, an XLSX and a chart (/report, /rating): the period parsed,
the files built, the three sent — the same for both."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram.types import BufferedInputFile, Message

from bot import texts
from bot.services.kpis import ReportFiles
from bot.services.periods import Period, PeriodError
from handlers import render

log = logging.getLogger(__name__)


async def answer_period_files(message: Message, arg: str, parse: Callable[[str], Period],
                              build: Callable[[Period], Awaitable[ReportFiles]], *, usage: str, failed: str,
                              xlsx_caption: str, png_caption: str) -> None:
    """``usage`` (with ``{value}``) for a period not understood; ``failed`` when building fails (logged)."""
    try:
        period = parse(arg)
    except PeriodError:
        await message.answer(usage.format(value=texts.esc(arg)))
        return
    try:
        files = await build(period)
    except Exception:
        log.exception("files for %s failed", period.label)
        await message.answer(failed)
        return
    for part in render.chunk(files.text.split("\n")):
        await message.answer(part)
    await message.answer_document(BufferedInputFile(files.xlsx, files.xlsx_name),
                                  caption=xlsx_caption.format(period=period.label))
    await message.answer_photo(BufferedInputFile(files.png, files.png_name),
                               caption=png_caption.format(period=period.label))
