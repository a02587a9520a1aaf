"""One error router: domain errors become a short Russian answer; anything else an apology and a trace."""

from __future__ import annotations

import logging

from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from bot import texts
from bot.domain.errors import DomainError, ProfanityFound
from handlers.spec import RouterSpec

log = logging.getLogger(__name__)
router = RouterSpec("errors")


async def _reply(event: ErrorEvent, text: str) -> None:
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=len(text) > 60)
    elif update.message is not None:
        await update.message.answer(text)


@router.error(ExceptionTypeFilter(DomainError))
async def domain_error(event: ErrorEvent) -> None:
    exc = event.exception
    assert isinstance(exc, DomainError)
    if isinstance(exc, ProfanityFound):
        text = texts.error_text("profanity", words=exc.words)
    else:
        text = texts.error_text(exc.code, **exc.details)
    await _reply(event, text)


@router.error()
async def unexpected_error(event: ErrorEvent) -> None:
    log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
    try:
        await _reply(event, texts.SORRY)
    except Exception:  # the apology itself may fail (network); polling must go on
        log.warning("could not send the apology for update %s", event.update.update_id)
