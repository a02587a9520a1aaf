"""Department chats (executors): accept or decline, drafts with photos, information, screenshots (cl. 12-18)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.domain.actions import check, check_kind
from bot.domain.errors import DomainError, InvalidTransition
from bot.domain.model import Actor, Case, DraftKind, Media, Role, Status
from bot.domain.transitions import Action, allowed
from bot.runtime.clock import Clock
from bot.runtime.locks import KeyedLocks
from bot.services.cases import CaseService
from handlers import keyboards, render
from handlers.callbacks import CaseCb, Op, kind_at
from handlers.filters import ButtonMessage, HasRole
from handlers.operator_intake import message_media, message_text, publish_screenshot
from handlers.spec import RouterSpec
from handlers.states import Prompt, answered, ask

router = RouterSpec("department")
router.filter("message", F.chat.type.in_({"group", "supergroup"}), HasRole(Role.EXECUTOR))
router.filter("callback_query", HasRole(Role.EXECUTOR))


def _due(case: Case, rule: str, department_id: int | None, tz: tzinfo) -> str:
    d = case.open_deadline(rule, department_id) or case.open_deadline(rule)
    return texts.when(d.due_at.astimezone(tz) if d else None)


@router.message(Command("my"))
async def my_cases(message: Message, actor: Actor, cases: CaseService, clock: Clock, tz: tzinfo) -> None:
    items = await cases.open_cases(actor.department_id, scope=actor.scope)
    if not items:
        await message.answer(texts.MY_EMPTY)
        return
    for part in render.open_list(items, clock.now(), tz, texts.MY_TITLE, await cases.leads(items)):
        await message.answer(part)


# ---- buttons: one handler per action, each only on a case of this department -----------------------

async def _own(callback: CallbackQuery, data: CaseCb, actor: Actor, cases: CaseService) -> Case | None:
    """The case of the button if it was sent to this department; otherwise the press is refused (audited)."""
    case = await cases.get(data.case_id, scope=actor.scope)
    if case.assignment(actor.department_id) is None:
        await cases.refuse(actor, data.case_id, data.op.name.lower(), DomainError("not_your_department"))
        await callback.answer(texts.error_text("not_your_department"), show_alert=True)
        return None
    return case


def _drafts_here(case: Case, actor: Actor) -> bool:
    """A draft of the answer is this department's to write: the case has one department (cl. 13, 17)."""
    return not case.multi and allowed(Action.SUBMIT_DRAFT, case.status, actor.role)


@router.callback_query(CaseCb.on(Op.ACCEPT))
async def accept(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService) -> None:
    if await _own(callback, callback_data, actor, cases) is None:
        return
    await cases.accept(callback_data.case_id, actor)
    await callback.answer(texts.ACCEPTED.format(name=actor.name)[:200])


@router.callback_query(CaseCb.on(Op.FULL), ButtonMessage())
async def full_text(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                    cases: CaseService) -> None:
    if (case := await _own(callback, callback_data, actor, cases)) is None:
        return
    await message.answer(texts.FULL_TEXT_TITLE.format(number=case.number))
    for part in render.chunk([texts.esc(case.text or texts.CARD_NO_TEXT)]):
        await message.answer(part)
    await callback.answer()


@router.callback_query(CaseCb.on(Op.DECLINE), ButtonMessage())
async def decline(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                  cases: CaseService, state: FSMContext) -> None:
    if (case := await _own(callback, callback_data, actor, cases)) is None:
        return
    await ask(state, Prompt.decline_reason, callback_data.case_id)
    await message.answer(texts.ASK_DECLINE_REASON.format(number=case.number))
    await callback.answer()


@router.callback_query(CaseCb.on(Op.PREPARE), ButtonMessage())
async def prepare(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                  cases: CaseService) -> None:
    if (case := await _own(callback, callback_data, actor, cases)) is None:
        return
    if not _drafts_here(case, actor):
        raise InvalidTransition()
    await message.answer(texts.CHOOSE_KIND.format(number=case.number),
                         reply_markup=keyboards.draft_kinds(case, final_only=case.status == Status.AWAITING_FINAL))
    await callback.answer()


@router.callback_query(CaseCb.on(Op.KIND), ButtonMessage())
async def draft_kind(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                     cases: CaseService, state: FSMContext, tz: tzinfo) -> None:
    if (case := await _own(callback, callback_data, actor, cases)) is None:
        return
    kind = kind_at(callback_data.arg)
    check_kind(case, DraftKind(kind))
    await state.set_state(Prompt.draft)
    await state.set_data({"case_id": callback_data.case_id, "kind": kind, "media": []})
    due = _due(case, "rework" if case.status == Status.REWORK else "draft", actor.department_id, tz)
    await message.answer(texts.ASK_DRAFT.format(kind=texts.KIND[kind], number=case.number, due=due))
    await callback.answer()


@router.callback_query(CaseCb.on(Op.INFO), ButtonMessage())
async def info(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor, cases: CaseService,
               state: FSMContext, tz: tzinfo) -> None:
    if (case := await _own(callback, callback_data, actor, cases)) is None:
        return
    check(case, Action.SUBMIT_INFO, actor)
    await state.set_state(Prompt.info)
    await state.set_data({"case_id": callback_data.case_id})
    await message.answer(texts.ASK_INFO.format(number=case.number, due=_due(case, "info", actor.department_id, tz)))
    await callback.answer()


@router.callback_query(CaseCb.on(Op.CANCEL), ButtonMessage())
async def cancel_draft(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                       cases: CaseService, state: FSMContext) -> None:
    if await _own(callback, callback_data, actor, cases) is None:
        return
    await state.clear()
    await callback.answer(texts.DRAFT_CANCELLED)
    await message.edit_reply_markup(reply_markup=None)


@router.callback_query(CaseCb.on(Op.SEND), ButtonMessage())
async def send_draft(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                     cases: CaseService, state: FSMContext) -> None:
    if await _own(callback, callback_data, actor, cases) is None:
        return
    data = await state.get_data()
    if await state.get_state() != Prompt.draft_preview.state or "text" not in data:
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    media = [tuple(m) for m in data.get("media", [])]
    await cases.submit_draft(int(data["case_id"]), actor, DraftKind(data["kind"]), str(data["text"]),
                             [Media(*m) for m in media])
    await state.clear()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(texts.DRAFT_SENT)
    await callback.answer()


# ---- prompts ------------------------------------------------------------------------------------

@router.message(Prompt.decline_reason, F.text)
async def decline_reason(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    await cases.decline(await answered(state), actor, message.text or "")
    await message.answer(texts.DECLINED_DONE)


def _with_media(data: dict[str, Any], message: Message) -> list[list[str]]:
    """The draft's media so far and this message's (as the FSM stores them: kind, file id, unique id)."""
    return list(data.get("media", [])) + [[m.kind, m.file_id, m.file_unique_id] for m in message_media(message)]


@router.message(Prompt.draft, F.photo | F.video | F.text | F.document)
async def draft_input(message: Message, state: FSMContext, actor: Actor, cases: CaseService,
                      locks: KeyedLocks) -> None:
    async with locks.hold((message.chat.id, actor.user_id)):
        data = await state.get_data()
        media = _with_media(data, message)
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
    case = await cases.get(case_id, scope=actor.scope)
    preview = render.fit(lambda escaped: texts.DRAFT_PREVIEW.format(
        kind=texts.KIND[kind], number=case.number, text=escaped,
        media=texts.DRAFT_PREVIEW_MEDIA.format(count=media_count) if media_count else "",
        warning=render.length_warning(case, text)), text, texts.MESSAGE_LIMIT)
    await message.answer(preview, reply_markup=keyboards.draft_preview(case))


@router.message(Prompt.draft_preview, F.photo | F.video)
async def draft_preview_media(message: Message, state: FSMContext, actor: Actor, locks: KeyedLocks) -> None:
    async with locks.hold((message.chat.id, actor.user_id)):
        data = await state.get_data()
        media = _with_media(data, message)
        await state.update_data(media=media)
    await message.answer(texts.DRAFT_MEDIA_ADDED.format(count=len(media)))


@router.message(Prompt.info, F.text | F.caption)
async def info_input(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    await cases.submit_info(await answered(state), actor, message_text(message), message_media(message))
    await message.answer(texts.INFO_SENT)


@router.message(StateFilter(Prompt.decline_reason, Prompt.info, Prompt.draft_preview), ~F.text.startswith("/"))
async def prompt_needs_text(message: Message) -> None:
    await message.answer(texts.PROMPT_EXPECTS_TEXT)


# ---- replies to the bot's messages: screenshots and quick drafts --------------------------------

@router.message(StateFilter(None), F.photo, F.reply_to_message)
async def screenshot(message: Message, actor: Actor, cases: CaseService) -> None:
    assert message.reply_to_message is not None and message.photo is not None
    case_id = await cases.case_for_message(message.chat.id, message.reply_to_message.message_id,
                                           scope=actor.scope)
    if case_id is None:
        return
    await publish_screenshot(message, actor, cases, case_id)


@router.message(StateFilter(None), F.text, F.reply_to_message, ~F.text.startswith("/"))
async def reply_with_text(message: Message, actor: Actor, cases: CaseService, state: FSMContext) -> None:
    """Replying to the card with text prepares an answer (the kind "Ответ"), previewed before sending."""
    assert message.reply_to_message is not None and message.text is not None
    case_id = await cases.case_for_message(message.chat.id, message.reply_to_message.message_id,
                                           scope=actor.scope)
    if case_id is None:
        return
    case = await cases.get(case_id, scope=actor.scope)
    if case.status == Status.APPROVED:
        await message.answer(texts.PUBLISH_HINT)
        return
    if not _drafts_here(case, actor):
        return
    words = cases.check_answer_text(message.text)
    if words:
        await message.answer(texts.error_text("profanity", words=words))
        return
    await state.set_state(Prompt.draft_preview)
    await state.set_data({"case_id": case_id, "kind": "answer", "media": [], "text": message.text})
    await _preview(message, actor, cases, case_id, "answer", message.text, 0)
