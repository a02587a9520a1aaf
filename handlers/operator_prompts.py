"""Operators (private chat): the prompts that wait for the next message — a return comment, a composed answer,
the author's reply, the detection time, the operator's own answer term (cl. 9, 14, 17). Registered before intake:
a waiting prompt takes the next message."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import texts
from bot.domain.model import Actor, Case, DraftKind
from bot.runtime.clock import Clock
from bot.services.cases import CaseService
from deadlines.rules import Deadlines
from handlers.filters import OPERATOR_ROLES, HasRole
from handlers.operator_intake import message_media, message_text
from handlers.spec import RouterSpec
from handlers.states import Prompt, answered

router = RouterSpec("operator_prompts")
router.filter("message", F.chat.type == "private", HasRole(*OPERATOR_ROLES))


@router.message(Prompt.return_comment, F.text)
async def return_comment(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    await cases.return_draft(await answered(state), actor, message.text or "")
    await message.answer(texts.RETURNED_DONE)


@router.message(Prompt.compose, F.text | F.caption)
async def compose_text(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    data = await state.get_data()
    text = message_text(message)
    words = cases.check_answer_text(text)
    if words:
        await message.answer(texts.error_text("profanity", words=words))
        return
    await state.clear()
    case = await cases.compose(int(data["case_id"]), actor, DraftKind(data["kind"]), text, message_media(message))
    await message.answer(texts.COMPOSED_DONE.format(number=case.number))


@router.message(Prompt.author_reply, F.text)
async def author_reply_text(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    await cases.author_reply(await answered(state), actor, message.text or "")
    await message.answer(texts.AUTHOR_REPLY_SAVED)


DATE_RE = re.compile(r"^\s*(?:(\d{1,2})\.(\d{1,2})\.(\d{4})\s+)?(\d{1,2})[:.](\d{2})\s*$")


def parse_detected(text: str, now: datetime, tz: tzinfo) -> datetime | None:
    m = DATE_RE.match(text)
    if not m:
        return None
    day, month, year, hour, minute = m.groups()
    try:
        if day:
            return datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=tz)
        local = now.astimezone(tz)
        return local.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    except ValueError:
        return None


@router.message(Prompt.detected, F.text)
async def detected_text(message: Message, state: FSMContext, actor: Actor, cases: CaseService, clock: Clock,
                        tz: tzinfo) -> None:
    when = parse_detected(message.text or "", clock.now(), tz)
    if when is None:
        await message.answer(texts.BAD_DETECTED)
        return
    await cases.correct_detection(await answered(state), actor, when)
    await message.answer(texts.DETECTED_SAVED)


@router.message(Prompt.answer_minutes, F.text)
async def answer_minutes_text(message: Message, state: FSMContext, actor: Actor, cases: CaseService,
                              deadlines: Deadlines, tz: tzinfo) -> None:
    """cl. 9: the operator's own answer term in minutes; a wrong value asks again and loses nothing."""
    value, limit = (message.text or "").strip(), deadlines.longest_own_answer_term
    if not value.isdigit() or not 0 < int(value) <= limit:
        await message.answer(texts.BAD_TERM_MINUTES.format(limit=limit))
        return
    case = await cases.set_answer_term(await answered(state), actor, int(value))
    await message.answer(term_set(case, tz))


def term_set(case: Case, tz: tzinfo) -> str:
    """«Срок ответа сокращён: ответ — до …» after the operator's own term (cl. 9)."""
    answer = case.open_deadline("answer")
    return texts.TERM_SET.format(due=texts.when(answer.due_at.astimezone(tz) if answer else None))


@router.message(StateFilter(Prompt.return_comment, Prompt.compose, Prompt.author_reply, Prompt.detected,
                            Prompt.answer_minutes))
async def prompt_needs_text(message: Message) -> None:
    await message.answer(texts.PROMPT_EXPECTS_TEXT)
