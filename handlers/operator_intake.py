"""Operators (private chat): intake of posts — a forward, a typed report, a screenshot of a published answer,
a short text registered only on «Зарегистрировать» (cl. 3, 5, 9, 16, 17)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

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
from bot.domain.model import Actor, Case, Media
from bot.domain.sources import (
    PostShape,
    detect_platform,
    extract_links,
    normalise_link,
    post_shape,
    telegram_post_link,
)
from bot.runtime.clock import Clock
from bot.runtime.locks import KeyedLocks
from bot.services.cases import CaseService, NewPost
from bot.services.place_index import PlaceIndex
from bot.services.surges import IncidentService
from handlers import keyboards
from handlers.callbacks import CaseCb, Op, StrayCb
from handlers.filters import OPERATOR_ROLES, ButtonMessage, HasRole
from handlers.spec import RouterSpec

router = RouterSpec("operator_intake")
router.filter("message", F.chat.type == "private", HasRole(*OPERATOR_ROLES))
router.filter("callback_query", HasRole(*OPERATOR_ROLES))


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

# ---- screenshot of an answer the operator composed (cl. 17) ------------------------------------

@router.message(StateFilter(None), F.photo, F.reply_to_message)
async def operator_screenshot(message: Message, bot: Bot, actor: Actor, cases: CaseService, clock: Clock) -> None:
    assert message.reply_to_message is not None and message.photo is not None
    case_id = await cases.case_for_message(message.chat.id, message.reply_to_message.message_id,
                                           scope=actor.scope)
    if case_id is None:  # a reply to something else: an ordinary new post (a photo always is one)
        await open_case(bot, message.chat.id, parse_post(message, actor.user_id, clock.now()), actor, cases)
        return
    await publish_screenshot(message, actor, cases, case_id)


async def publish_screenshot(message: Message, actor: Actor, cases: CaseService, case_id: int) -> None:
    """A photo sent in reply to the bot's message about an approved case proves publication (cl. 16)."""
    assert message.photo is not None
    links = extract_links(message.caption or "")
    photo = message.photo[-1]
    await cases.publish(case_id, actor, photo.file_id, photo.file_unique_id, links[0] if links else None)
    await message.answer(texts.PUBLISHED_DONE)


# ---- intake ------------------------------------------------------------------------------------

@router.message(StateFilter(None), ~F.text.startswith("/"),
                F.text | F.photo | F.video | F.document | F.animation)
async def intake(message: Message, bot: Bot, actor: Actor, cases: CaseService, clock: Clock, state: FSMContext,
                 locks: KeyedLocks) -> None:
    post = parse_post(message, actor.user_id, clock.now())
    shape = post_shape(post.text, entity_urls=entity_urls(message), media=bool(post.media),
                       forwarded=message.forward_origin is not None)
    if shape == PostShape.EMPTY:             # «👍», spaces: not a case, nothing to ask
        await message.answer(texts.NOT_A_POST)
    elif shape == PostShape.SHORT:           # a word or two: a case only if the operator says so
        await ask_about_short_text(message, post, state, locks)
    else:
        await open_case(bot, message.chat.id, post, actor, cases)


async def open_case(bot: Bot, chat_id: int, post: NewPost, actor: Actor, cases: CaseService) -> Case:
    """Register a post (its card is queued with it, cl. 9), or say that it joined an open case (cl. 3)."""
    result = await cases.register(replace(post, card_chat=chat_id), actor)
    case = result.case
    assert case.id is not None
    if result.duplicate:
        await bot.send_message(chat_id, texts.DUPLICATE.format(number=case.number))
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
                              cases: CaseService, state: FSMContext, locks: KeyedLocks) -> None:
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
        case = await open_case(bot, chat_id, post, actor, cases)
        item["case"] = case.number
        await strays.set_data(pending)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(texts.STRAY_REGISTERED.format(number=case.number))


# ---- a post about an address with an open case: «Присоединить к …» (issue 16) ----------------------

@router.callback_query(CaseCb.on(Op.JOIN), ButtonMessage())
async def join_same_address(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                            incidents: IncidentService, place_index: PlaceIndex) -> None:
    """The new post joins the open case about its address: one incident, one answer under each post."""
    record = await incidents.join(actor, callback_data.case_id, callback_data.arg, place_index.same_address)
    numbers = await incidents.numbers(record.case_ids)
    joined, lead = await incidents.numbers([callback_data.case_id, record.lead_case_id])
    await message.answer(texts.JOINED_ADDRESS.format(number=joined, numbers=", ".join(numbers), lead=lead))
    await callback.answer()
