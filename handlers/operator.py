"""Operators (private chat): intake of posts, the case card, decisions on drafts (cl. 9, 14, 15, 17)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, tzinfo

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from bot import texts
from bot.domain.errors import DomainError, InvalidTransition
from bot.domain.model import Actor, Case, DraftKind, Media, Status
from bot.domain.sources import (
    PostShape,
    detect_platform,
    extract_links,
    normalise_link,
    post_shape,
    telegram_post_link,
)
from bot.domain.workflow import Action, allowed
from bot.runtime.clock import Clock
from bot.runtime.locks import KeyedLocks
from bot.services.access import AccessService
from bot.services.cases import CaseService, NewPost
from bot.services.surges import IncidentService, SurgeService
from deadlines.rules import Deadlines
from handlers import keyboards, render
from handlers.callbacks import KINDS, CaseCb, Op, StrayCb, SurgeCb, SurgeOp
from handlers.middlewares import OPERATOR_ROLES, HasRole
from handlers.spec import RouterSpec
from handlers.states import Prompt

router = RouterSpec("operator")
router.filter("message", F.chat.type == "private", HasRole(*OPERATOR_ROLES))
router.filter("callback_query", HasRole(*OPERATOR_ROLES))

OPERATOR_OPS = {Op.TOGGLE, Op.ROUTE, Op.URGENT, Op.SIGNIFICANT, Op.FZ59, Op.DISMISS, Op.DETECTED, Op.APPROVE,
                Op.RETURN, Op.COMPOSE, Op.COMPOSE_KIND, Op.AUTHOR, Op.HISTORY, Op.REOPEN, Op.ADD, Op.ADD_DEPT,
                Op.WITHDRAW, Op.TERM, Op.TERM_MINUTES, Op.NO_REPLY,
                Op.ANYWAY}


def message_media(message: Message) -> list[Media]:
    if message.photo:
        p = message.photo[-1]
        return [Media("photo", p.file_id, p.file_unique_id)]
    if message.video:
        return [Media("video", message.video.file_id, message.video.file_unique_id)]
    if message.animation:
        return [Media("animation", message.animation.file_id, message.animation.file_unique_id)]
    if message.document:
        return [Media("document", message.document.file_id, message.document.file_unique_id)]
    return []


def message_text(message: Message) -> str:
    return message.text or message.caption or ""


def entity_urls(message: Message) -> list[str]:
    """Telegram's hidden text links of the text or the caption."""
    entities = (message.entities or []) + (message.caption_entities or [])
    return [e.url for e in entities if e.type == "text_link" and e.url]


def parse_post(message: Message, operator_id: int, now: datetime) -> NewPost:
    """What a forwarded post or a typed report says: platform, link, author, text, media."""
    text = message_text(message)
    author: str | None = None
    link: str | None = None
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        author = origin.chat.title
        link = telegram_post_link(origin.chat.username, origin.chat.id, origin.message_id)
    elif isinstance(origin, MessageOriginChat):
        author = origin.sender_chat.title       # a group's anonymous admin: no message id, no link
    elif isinstance(origin, MessageOriginUser):
        author = origin.sender_user.full_name
    elif isinstance(origin, MessageOriginHiddenUser):
        author = origin.sender_user_name
    links = extract_links(text, entity_urls(message))
    if link is None and links:
        link = links[0]
    if link is not None:
        platform = detect_platform(link).code
    elif origin is not None:
        platform = "telegram"
    else:
        platform = "other"
    album = f"{message.chat.id}:{message.media_group_id}" if message.media_group_id else None
    return NewPost(platform=platform, text=text, operator_id=operator_id, detected_at=now, link=link,
                   link_norm=normalise_link(link) if link else None, author=author,
                   media=tuple(message_media(message)), album_key=album)


# ---- prompts (registered before intake: a waiting prompt takes the next message) ----------------

@router.message(Prompt.return_comment, F.text)
async def return_comment(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    data = await state.get_data()
    await state.clear()
    await cases.return_draft(int(data["case_id"]), actor, message.text or "")
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
    data = await state.get_data()
    await state.clear()
    await cases.author_reply(int(data["case_id"]), actor, message.text or "")
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
    data = await state.get_data()
    await state.clear()
    await cases.correct_detection(int(data["case_id"]), actor, when)
    await message.answer(texts.DETECTED_SAVED)


@router.message(Prompt.answer_minutes, F.text)
async def answer_minutes_text(message: Message, state: FSMContext, actor: Actor, cases: CaseService,
                              deadlines: Deadlines, tz: tzinfo) -> None:
    """cl. 9: the operator's own answer term in minutes; a wrong value asks again and loses nothing."""
    value, limit = (message.text or "").strip(), deadlines.longest_own_answer_term
    if not value.isdigit() or not 0 < int(value) <= limit:
        await message.answer(texts.BAD_TERM_MINUTES.format(limit=limit))
        return
    data = await state.get_data()
    await state.clear()
    await _set_term(message, actor, cases, int(data["case_id"]), int(value), tz)


async def _set_term(message: Message, actor: Actor, cases: CaseService, case_id: int, minutes: int,
                    tz: tzinfo) -> None:
    case = await cases.set_answer_term(case_id, actor, minutes)
    await message.answer(_term_set(case, tz))


def _term_set(case: Case, tz: tzinfo) -> str:
    """«Срок ответа сокращён: ответ — до …» after the operator's own term (cl. 9)."""
    answer = case.open_deadline("answer")
    return texts.TERM_SET.format(due=texts.when(answer.due_at.astimezone(tz) if answer else None))


@router.message(StateFilter(Prompt.return_comment, Prompt.compose, Prompt.author_reply, Prompt.detected,
                            Prompt.answer_minutes))
async def prompt_needs_text(message: Message) -> None:
    await message.answer(texts.PROMPT_EXPECTS_TEXT)


# ---- screenshot of an answer the operator composed (cl. 17) ------------------------------------

@router.message(StateFilter(None), F.photo, F.reply_to_message)
async def operator_screenshot(message: Message, bot: Bot, actor: Actor, cases: CaseService, clock: Clock,
                              surges: SurgeService | None = None) -> None:
    assert message.reply_to_message is not None and message.photo is not None
    case_id = await cases.case_for_message(message.chat.id, message.reply_to_message.message_id)
    if case_id is None:  # a reply to something else: an ordinary new post (a photo always is one)
        await open_case(bot, message.chat.id, parse_post(message, actor.user_id, clock.now()), actor, cases, surges)
        return
    await publish_screenshot(message, actor, cases, case_id)


async def publish_screenshot(message: Message, actor: Actor, cases: CaseService, case_id: int) -> None:
    """A photo sent in reply to the bot's message about an approved case proves publication (cl. 16)."""
    assert message.photo is not None
    case = await cases.get(case_id)
    if case.status != Status.APPROVED:
        await message.answer(texts.error_text("invalid_transition"))
        return
    links = extract_links(message.caption or "")
    photo = message.photo[-1]
    await cases.publish(case_id, actor, photo.file_id, photo.file_unique_id, links[0] if links else None)
    await message.answer(texts.PUBLISHED_DONE)


# ---- intake ------------------------------------------------------------------------------------

@router.message(StateFilter(None), ~F.text.startswith("/"),
                F.text | F.photo | F.video | F.document | F.animation)
async def intake(message: Message, bot: Bot, actor: Actor, cases: CaseService, clock: Clock, state: FSMContext,
                 locks: KeyedLocks, surges: SurgeService | None = None) -> None:
    post = parse_post(message, actor.user_id, clock.now())
    shape = post_shape(post.text, entity_urls=entity_urls(message), media=bool(post.media),
                       forwarded=message.forward_origin is not None)
    if shape == PostShape.EMPTY:             # «👍», spaces: not a case, nothing to ask
        await message.answer(texts.NOT_A_POST)
    elif shape == PostShape.SHORT:           # a word or two: a case only if the operator says so
        await ask_about_short_text(message, post, state, locks)
    else:
        await open_case(bot, message.chat.id, post, actor, cases, surges)


async def open_case(bot: Bot, chat_id: int, post: NewPost, actor: Actor, cases: CaseService,
                    surges: SurgeService | None) -> Case:
    """Register a post (its card is queued with it, cl. 9), or say that it joined an open case (cl. 3)."""
    result = await cases.register(replace(post, card_chat=chat_id), actor)
    case = result.case
    assert case.id is not None
    if result.duplicate:
        await bot.send_message(chat_id, texts.DUPLICATE.format(number=case.number))
        return case
    if result.album_part:
        return case
    if surges is not None:
        await surges.check(case.id)          # cl. 21: several posts on one topic go to the head
    return case


# ---- a short text: registered only when the operator presses «Зарегистрировать» ----------------

#: The FSM namespace of short texts waiting for the button: a prompt's state.clear() never touches it,
#: and it is SQLite-backed, so a text waits across a restart.
STRAY_DESTINY = "stray"
#: How many of the newest short texts keep their button working.
STRAY_KEEP = 20


def _strays(state: FSMContext) -> FSMContext:
    return FSMContext(storage=state.storage, key=replace(state.key, destiny=STRAY_DESTINY))


async def ask_about_short_text(message: Message, post: NewPost, state: FSMContext, locks: KeyedLocks) -> None:
    strays = _strays(state)
    async with locks.hold((STRAY_DESTINY, message.chat.id)):
        pending = await strays.get_data()
        pending[str(message.message_id)] = {"platform": post.platform, "text": post.text,
                                            "detected_at": post.detected_at.isoformat()}
        await strays.set_data(dict(list(pending.items())[-STRAY_KEEP:]))
    await message.answer(texts.STRAY_ASK.format(excerpt=texts.esc(texts.excerpt(post.text, 300))),
                         reply_markup=keyboards.register_stray(message.message_id))


@router.callback_query(StrayCb.filter())
async def register_short_text(callback: CallbackQuery, callback_data: StrayCb, bot: Bot, actor: Actor,
                              cases: CaseService, state: FSMContext, locks: KeyedLocks,
                              surges: SurgeService | None = None) -> None:
    """The same case and card as a post sent at that moment; a second press never makes a second case."""
    chat_id = callback.message.chat.id if callback.message is not None else actor.user_id
    strays = _strays(state)
    key = str(callback_data.message_id)
    async with locks.hold((STRAY_DESTINY, chat_id)):
        pending = await strays.get_data()
        item = pending.get(key)
        if item is None:
            await callback.answer(texts.BUTTON_STALE, show_alert=True)
            return
        if item.get("case"):
            await callback.answer(texts.STRAY_ALREADY.format(number=item["case"]), show_alert=True)
            return
        post = NewPost(platform=item["platform"], text=item["text"], operator_id=actor.user_id,
                       detected_at=datetime.fromisoformat(item["detected_at"]))
        case = await open_case(bot, chat_id, post, actor, cases, surges)
        item["case"] = case.number
        await strays.set_data(pending)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(texts.STRAY_REGISTERED.format(number=case.number))


# ---- card buttons ------------------------------------------------------------------------------

@router.callback_query(CaseCb.filter(F.op.in_(OPERATOR_OPS)))
async def card_button(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService,
                      access: AccessService, state: FSMContext, clock: Clock, tz: tzinfo, deadlines: Deadlines,
                      surges: SurgeService | None = None, incidents: IncidentService | None = None) -> None:
    op, case_id = callback_data.op, callback_data.case_id
    case = await cases.get(case_id)
    if op == Op.TOGGLE:
        chosen = await cases.toggle_selection(case_id, actor, callback_data.arg)
        if callback.message is not None:
            depts = await access.suggest(case.text)
            await callback.message.edit_reply_markup(  # type: ignore[union-attr]
                reply_markup=keyboards.operator_card(case, depts, chosen))
        await callback.answer()
    elif op == Op.ROUTE:
        chosen = await cases.selection(case_id)
        if not chosen:
            await callback.answer(texts.SELECT_DEPARTMENT_FIRST, show_alert=True)
            return
        case = await cases.route(case_id, actor, sorted(chosen))
        if surges is not None:
            await surges.check(case_id)
        await callback.answer(texts.ROUTED.format(
            departments=", ".join(a.department_name for a in case.active_assignments))[:200])
    elif op == Op.URGENT:
        case = await cases.set_urgent(case_id, actor, not case.urgent)
        await callback.answer(texts.URGENT_ON if case.urgent else texts.URGENT_OFF)
    elif op == Op.TERM and callback_data.arg == 0:
        if callback.message is not None:
            await callback.message.answer(  # type: ignore[union-attr]
                texts.ASK_ANSWER_TERM.format(
                    number=case.number,
                    current=deadlines.answer_term(urgent=case.urgent, answer_minutes=case.answer_minutes)),
                reply_markup=keyboards.answer_terms(case))
        await callback.answer()
    elif op == Op.TERM:
        case = await cases.set_answer_term(case_id, actor, callback_data.arg)
        await callback.answer(_term_set(case, tz))
    elif op == Op.TERM_MINUTES:
        if not allowed(Action.SET_ANSWER_TERM, case.status, actor.role):
            raise InvalidTransition()
        await _prompt(callback, state, Prompt.answer_minutes, case_id,
                      texts.ASK_TERM_MINUTES.format(number=case.number, limit=deadlines.longest_own_answer_term))
    elif op == Op.SIGNIFICANT:
        await cases.mark_significant(case_id, actor)
        await callback.answer(texts.SIGNIFICANT_SENT)
    elif op == Op.FZ59:
        await cases.exclude(case_id, actor)
        await callback.answer(texts.EXCLUDED)
    elif op == Op.DISMISS:
        await cases.dismiss(case_id, actor)
        await callback.answer(texts.DISMISSED)
    elif op == Op.REOPEN:
        await cases.reopen(case_id, actor)
        await callback.answer(texts.REOPENED)
    elif op in (Op.NO_REPLY, Op.ANYWAY):
        if op == Op.NO_REPLY:
            await cases.close_no_reply(case_id, actor)
        else:
            await cases.answer_anyway(case_id, actor)
        if callback.message is not None:
            await callback.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
        await callback.answer(texts.CLOSED_NO_REPLY_DONE if op == Op.NO_REPLY else texts.ANSWER_ANYWAY_DONE)
    elif op == Op.HISTORY:
        events = await cases.history(case_id)
        if callback.message is not None:
            for part in render.chunk(render.history(events, tz).split("\n")):
                await callback.message.answer(part)  # type: ignore[union-attr]
        await callback.answer()
    elif op in (Op.APPROVE, Op.RETURN):
        await _decide(callback, callback_data, actor, cases, state, incidents)
    elif op == Op.DETECTED:
        if case.status != Status.NEW:
            raise InvalidTransition("detection_only_new")
        await _prompt(callback, state, Prompt.detected, case_id, texts.ASK_DETECTED)
    elif op == Op.COMPOSE:
        if callback.message is not None:
            await callback.message.answer(  # type: ignore[union-attr]
                texts.ASK_COMPOSE_KIND.format(number=case.number),
                reply_markup=keyboards.draft_kinds(case, final_only=case.status == Status.AWAITING_FINAL,
                                                   compose=True))
        await callback.answer()
    elif op == Op.COMPOSE_KIND:
        kind = _kind(callback_data.arg)
        await state.set_state(Prompt.compose)
        await state.update_data(case_id=case_id, kind=kind)
        if callback.message is not None:
            await callback.message.answer(  # type: ignore[union-attr]
                texts.ASK_COMPOSE_TEXT.format(kind=texts.KIND[kind], number=case.number))
        await callback.answer()
    elif op == Op.ADD:
        await _choose_department(callback, case, actor, access)
    elif op == Op.ADD_DEPT:
        case = await cases.add_department(case_id, actor, callback_data.arg)
        added = case.assignment(callback_data.arg)
        await callback.answer(texts.DEPARTMENT_ADDED.format(name=added.department_name if added else "")[:200])
    elif op == Op.WITHDRAW:
        gone = case.assignment(callback_data.arg)
        await cases.withdraw(case_id, actor, callback_data.arg)
        await callback.answer(texts.DEPARTMENT_WITHDRAWN.format(name=gone.department_name if gone else "")[:200])
    elif op == Op.AUTHOR:
        if case.status != Status.AWAITING_AUTHOR:
            raise InvalidTransition()
        await _prompt(callback, state, Prompt.author_reply, case_id, texts.ASK_AUTHOR_REPLY.format(number=case.number))


async def _choose_department(callback: CallbackQuery, case: Case, actor: Actor, access: AccessService) -> None:
    """➕ Добавить отдел: the departments not yet working on the case, as buttons (cl. 17)."""
    if not allowed(Action.ADD_DEPARTMENT, case.status, actor.role):
        raise InvalidTransition()
    markup = keyboards.add_department(case, await access.departments())
    if not markup.inline_keyboard:
        await callback.answer(texts.NO_DEPARTMENTS_TO_ADD, show_alert=True)
        return
    if callback.message is not None:
        await callback.message.answer(  # type: ignore[union-attr]
            texts.ASK_ADD_DEPARTMENT.format(number=case.number), reply_markup=markup)
    await callback.answer()


def _kind(index: int) -> str:
    if not 0 <= index < len(KINDS):
        raise DomainError("bad_kind")
    return KINDS[index]


async def _prompt(callback: CallbackQuery, state: FSMContext, prompt: object, case_id: int, text: str) -> None:
    await state.set_state(prompt)  # type: ignore[arg-type]
    await state.update_data(case_id=case_id)
    if callback.message is not None:
        await callback.message.answer(text)  # type: ignore[union-attr]
    await callback.answer()


async def _decide(callback: CallbackQuery, data: CaseCb, actor: Actor, cases: CaseService,
                  state: FSMContext, incidents: IncidentService | None = None) -> None:
    case = await cases.get(data.case_id)
    pending = case.pending_draft
    if pending is None or pending.id != data.arg:
        await cases.refuse(actor, data.case_id, "decision", DomainError("stale"), {"draft_id": data.arg})
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    if data.op == Op.APPROVE:
        await cases.approve(data.case_id, actor)
        changed = []
        if incidents is not None:       # one answer approved once serves every post of an incident
            changed = await incidents.propagate_approval(data.case_id, actor)
        if callback.message is not None:
            await callback.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
            if changed:
                ready = (texts.INCIDENT_INTERMEDIATE_READY if pending.kind == DraftKind.INTERMEDIATE
                         else texts.INCIDENT_ANSWER_READY)
                await callback.message.answer(ready.format(  # type: ignore[union-attr]
                    lead=case.number, numbers=", ".join([case.number] + [c.number for c in changed])))
        await callback.answer(texts.APPROVED_DONE)
        return
    await state.set_state(Prompt.return_comment)
    await state.update_data(case_id=data.case_id)
    if callback.message is not None:
        await callback.message.answer(texts.ASK_RETURN_COMMENT.format(number=case.number))  # type: ignore[union-attr]
    await callback.answer()


@router.callback_query(SurgeCb.filter(F.op == SurgeOp.MERGE))
async def merge_surge(callback: CallbackQuery, callback_data: SurgeCb, actor: Actor,
                      incidents: IncidentService) -> None:
    """cl. 21: the posts of a surge become one incident — one answer, published under every post."""
    incident = await incidents.merge_surge(actor, callback_data.surge_id)
    numbers = await incidents.numbers(incident.case_ids)
    lead = (await incidents.numbers([incident.lead_case_id]))[0]
    if callback.message is not None:
        await callback.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
        await callback.message.answer(  # type: ignore[union-attr]
            texts.INCIDENT_MERGED.format(numbers=", ".join(numbers), lead=lead))
    await callback.answer()
