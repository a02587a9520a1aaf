"""Department chats (executors): accept or decline, drafts with photos, information, screenshots (cl. 12-18)."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.domain.errors import DomainError, InvalidTransition
from bot.domain.model import Actor, Case, DraftKind, Media, Role, Status
from bot.runtime.clock import Clock
from bot.runtime.locks import KeyedLocks
from bot.services.cases import CaseService
from handlers import keyboards, render
from handlers.callbacks import KINDS, CaseCb, Op
from handlers.middlewares import HasRole
from handlers.operator_intake import message_media, message_text, publish_screenshot
from handlers.spec import RouterSpec
from handlers.states import Prompt

router = RouterSpec("department")
router.filter("message", F.chat.type.in_({"group", "supergroup"}), HasRole(Role.EXECUTOR))
router.filter("callback_query", HasRole(Role.EXECUTOR))

DEPARTMENT_OPS = {Op.ACCEPT, Op.DECLINE, Op.PREPARE, Op.KIND, Op.SEND, Op.CANCEL, Op.INFO, Op.FULL}


def _due(case: Case, rule: str, department_id: int | None, tz: tzinfo) -> str:
    d = case.open_deadline(rule, department_id) or case.open_deadline(rule)
    return texts.when(d.due_at.astimezone(tz) if d else None)


@router.message(Command("my"))
async def my_cases(message: Message, actor: Actor, cases: CaseService, clock: Clock, tz: tzinfo) -> None:
    items = await cases.open_cases(actor.department_id)
    if not items:
        await message.answer(texts.MY_EMPTY)
        return
    for part in render.open_list(items, clock.now(), tz, texts.MY_TITLE, await cases.leads(items)):
        await message.answer(part)


# ---- buttons -------------------------------------------------------------------------------------

@router.callback_query(CaseCb.filter(F.op.in_(DEPARTMENT_OPS)))
async def department_button(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService,
                            state: FSMContext, tz: tzinfo) -> None:
    op, case_id = callback_data.op, callback_data.case_id
    case = await cases.get(case_id)
    if case.assignment(actor.department_id) is None:
        await cases.refuse(actor, case_id, op.name.lower(), DomainError("not_your_department"))
        await callback.answer(texts.error_text("not_your_department"), show_alert=True)
        return
    reply = callback.message.answer if callback.message is not None else None  # type: ignore[union-attr]
    if op == Op.ACCEPT:
        await cases.accept(case_id, actor)
        await callback.answer(texts.ACCEPTED.format(name=actor.name)[:200])
        return
    if op == Op.FULL:
        if reply is not None:
            await reply(texts.FULL_TEXT_TITLE.format(number=case.number))
            for part in render.chunk([texts.esc(case.text or texts.CARD_NO_TEXT)]):
                await reply(part)
        await callback.answer()
        return
    if op == Op.CANCEL:
        await state.clear()
        await callback.answer(texts.DRAFT_CANCELLED)
        if callback.message is not None:
            await callback.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
        return
    if op == Op.SEND:
        await _send_draft(callback, actor, cases, state)
        return
    prompt_text: str
    if op == Op.DECLINE:
        await state.set_state(Prompt.decline_reason)
        await state.update_data(case_id=case_id)
        prompt_text = texts.ASK_DECLINE_REASON.format(number=case.number)
    elif op == Op.PREPARE:
        if case.multi or case.status not in (Status.IN_WORK, Status.REWORK, Status.AWAITING_FINAL):
            raise InvalidTransition()
        if reply is not None:
            await reply(texts.CHOOSE_KIND.format(number=case.number),
                        reply_markup=keyboards.draft_kinds(case, final_only=case.status == Status.AWAITING_FINAL))
        await callback.answer()
        return
    elif op == Op.KIND:
        if not 0 <= callback_data.arg < len(KINDS):
            raise DomainError("bad_kind")
        kind = KINDS[callback_data.arg]
        if case.status == Status.AWAITING_FINAL and kind != "answer":
            raise DomainError("final_must_be_answer")
        await state.set_state(Prompt.draft)
        await state.set_data({"case_id": case_id, "kind": kind, "media": []})
        prompt_text = texts.ASK_DRAFT.format(kind=texts.KIND[kind], number=case.number,
                                             due=_due(case, "rework" if case.status == Status.REWORK else "draft",
                                                      actor.department_id, tz))
    else:  # Op.INFO
        if not case.multi:
            raise InvalidTransition("single_use_draft")
        await state.set_state(Prompt.info)
        await state.set_data({"case_id": case_id})
        prompt_text = texts.ASK_INFO.format(number=case.number, due=_due(case, "info", actor.department_id, tz))
    if reply is not None:
        await reply(prompt_text)
    await callback.answer()


async def _send_draft(callback: CallbackQuery, actor: Actor, cases: CaseService, state: FSMContext) -> None:
    data = await state.get_data()
    if await state.get_state() != Prompt.draft_preview.state or "text" not in data:
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    media = [tuple(m) for m in data.get("media", [])]
    await cases.submit_draft(int(data["case_id"]), actor, DraftKind(data["kind"]), str(data["text"]),
                             [Media(*m) for m in media])
    await state.clear()
    if callback.message is not None:
        await callback.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
        await callback.message.answer(texts.DRAFT_SENT)  # type: ignore[union-attr]
    await callback.answer()


# ---- prompts ------------------------------------------------------------------------------------

@router.message(Prompt.decline_reason, F.text)
async def decline_reason(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    data = await state.get_data()
    await state.clear()
    await cases.decline(int(data["case_id"]), actor, message.text or "")
    await message.answer(texts.DECLINED_DONE)


@router.message(Prompt.draft, F.photo | F.video | F.text | F.document)
async def draft_input(message: Message, state: FSMContext, actor: Actor, cases: CaseService,
                      locks: KeyedLocks) -> None:
    async with locks.hold((message.chat.id, actor.user_id)):
        data = await state.get_data()
        media = list(data.get("media", [])) + [[m.kind, m.file_id, m.file_unique_id] for m in message_media(message)]
        text = message_text(message)
        if not text:
            await state.update_data(media=media)
            if not message.media_group_id or len(media) == 1:
                await message.answer(texts.DRAFT_MEDIA_ADDED.format(count=len(media)))
            return
        words = cases.check_answer_text(text)
        if words:
            await state.update_data(media=media)
            await message.answer(texts.error_text("profanity", words=words))
            return
        await state.update_data(media=media, text=text)
        await state.set_state(Prompt.draft_preview)
    await _preview(message, actor, cases, int(data["case_id"]), str(data["kind"]), text, len(media))


async def _preview(message: Message, actor: Actor, cases: CaseService, case_id: int, kind: str, text: str,
                   media_count: int) -> None:
    case = await cases.get(case_id)
    template = texts.DRAFT_PREVIEW.format(
        kind=texts.KIND[kind], number=case.number, text="{text}",
        media=texts.DRAFT_PREVIEW_MEDIA.format(count=media_count) if media_count else "",
        warning=render.length_warning(case, text))
    await message.answer(render.fit(template, text, texts.MESSAGE_LIMIT), reply_markup=keyboards.draft_preview(case))


@router.message(Prompt.draft_preview, F.photo | F.video)
async def draft_preview_media(message: Message, state: FSMContext, actor: Actor, locks: KeyedLocks) -> None:
    async with locks.hold((message.chat.id, actor.user_id)):
        data = await state.get_data()
        media = list(data.get("media", [])) + [[m.kind, m.file_id, m.file_unique_id] for m in message_media(message)]
        await state.update_data(media=media)
    await message.answer(texts.DRAFT_MEDIA_ADDED.format(count=len(media)))


@router.message(Prompt.info, F.text | F.caption)
async def info_input(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    data = await state.get_data()
    await state.clear()
    await cases.submit_info(int(data["case_id"]), actor, message_text(message), message_media(message))
    await message.answer(texts.INFO_SENT)


@router.message(StateFilter(Prompt.decline_reason, Prompt.info, Prompt.draft_preview), ~F.text.startswith("/"))
async def prompt_needs_text(message: Message) -> None:
    await message.answer(texts.PROMPT_EXPECTS_TEXT)


# ---- replies to the bot's messages: screenshots and quick drafts --------------------------------

@router.message(StateFilter(None), F.photo, F.reply_to_message)
async def screenshot(message: Message, actor: Actor, cases: CaseService) -> None:
    assert message.reply_to_message is not None and message.photo is not None
    case_id = await cases.case_for_message(message.chat.id, message.reply_to_message.message_id)
    if case_id is None:
        return
    await publish_screenshot(message, actor, cases, case_id)


@router.message(StateFilter(None), F.text, F.reply_to_message, ~F.text.startswith("/"))
async def reply_with_text(message: Message, actor: Actor, cases: CaseService, state: FSMContext) -> None:
    """Replying to the card with text prepares an answer (the kind "Ответ"), previewed before sending."""
    assert message.reply_to_message is not None and message.text is not None
    case_id = await cases.case_for_message(message.chat.id, message.reply_to_message.message_id)
    if case_id is None:
        return
    case = await cases.get(case_id)
    if case.status == Status.APPROVED:
        await message.answer(texts.PUBLISH_HINT)
        return
    if case.multi or case.status not in (Status.IN_WORK, Status.REWORK, Status.AWAITING_FINAL):
        return
    words = cases.check_answer_text(message.text)
    if words:
        await message.answer(texts.error_text("profanity", words=words))
        return
    await state.set_state(Prompt.draft_preview)
    await state.set_data({"case_id": case_id, "kind": "answer", "media": [], "text": message.text})
    await _preview(message, actor, cases, case_id, "answer", message.text, 0)
