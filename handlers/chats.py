"""Chats that change: a group upgraded to a supergroup, the bot removed from a group or added back, an
operator removed with open cases (the admin chooses who takes them), /chats for the admins."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot import texts
from bot.domain.errors import ValidationFailed
from bot.domain.model import Actor, Role
from bot.services.access import AccessService
from bot.services.chats import ChatsService
from bot.services.handover import HandoverService
from handlers.filters import ButtonMessage, DeploymentAdmin, HasRole
from handlers.spec import RouterSpec

router = RouterSpec("chats")

SPREAD = 0
CANCEL = -1
GONE_STATUSES = frozenset({"left", "kicked"})
PRESENT_STATUSES = frozenset({"member", "administrator", "creator", "restricted"})


class HandoverCb(CallbackData, prefix="ho"):
    operator: int        # the operator being removed
    to: int              # who takes the cases; SPREAD: the pool; CANCEL: keep the operator


# ---- a group upgraded to a supergroup ---------------------------------------------------------------------

@router.message(F.migrate_to_chat_id)
async def migrated_to(message: Message, chats: ChatsService) -> None:
    """The old group's last service message: it is now the supergroup ``migrate_to_chat_id``."""
    assert message.migrate_to_chat_id is not None
    await chats.migrated(message.chat.id, message.migrate_to_chat_id)


@router.message(F.migrate_from_chat_id)
async def migrated_from(message: Message, chats: ChatsService) -> None:
    """The new supergroup's first service message (the same change, seen from the other side)."""
    assert message.migrate_from_chat_id is not None
    await chats.migrated(message.migrate_from_chat_id, message.chat.id)


# ---- the bot's own membership ---------------------------------------------------------------------------

@router.my_chat_member()
async def bot_membership(update: ChatMemberUpdated, chats: ChatsService) -> None:
    status = update.new_chat_member.status
    if update.chat.type == "private":
        if status == "kicked":                      # a person blocked the bot
            await chats.operator_blocked(update.chat.id)
        return
    if status in GONE_STATUSES:
        await chats.bot_removed(update.chat.id, status)
    elif status in PRESENT_STATUSES:
        await chats.chat_back(update.chat.id)


# ---- /chats: what waits for a chat ----------------------------------------------------------------------

@router.message(Command("chats"), F.chat.type == "private", HasRole(Role.ADMIN), DeploymentAdmin())
async def waiting_chats(message: Message, chats: ChatsService, tz: tzinfo) -> None:
    waiting = await chats.waiting()
    lines = [texts.CHATS_TITLE if waiting.gone else texts.CHATS_NONE]
    lines += [texts.CHATS_LINE.format(chat_id=g.chat_id, since=texts.when(g.since.astimezone(tz)), reason=texts.esc(g.reason))
              for g in waiting.gone]
    if waiting.notices:
        since = texts.when(waiting.oldest.astimezone(tz)) if waiting.oldest is not None else "—"
        lines.append(texts.CHATS_WAITING.format(count=waiting.notices, since=since))
    await message.answer("\n".join(lines))


@router.message(Command("chats"), F.chat.type == "private")
async def waiting_chats_not_admin(message: Message, actor: Actor | None) -> None:
    """An organisation's admin: the chats of every organisation are the deployment admins' (issue 14)."""
    await message.answer(texts.DEPLOYMENT_ONLY if actor is not None and actor.role == Role.ADMIN else texts.ADMIN_ONLY)


# ---- removing an operator who has open cases ---------------------------------------------------------------

async def ask_handover(callback: CallbackQuery, operator_id: int, handover: HandoverService,
                       access: AccessService) -> bool:
    """An operator with open cases is removed only once the admin chose who takes them: show the choice
    (True). False: no open case, remove as before."""
    cases = await handover.open_cases(operator_id)
    if not cases:
        return False
    name = texts.esc(await access.person_name(operator_id) or str(operator_id))
    numbers = ", ".join(n for _, n in cases)
    takers = await handover.takers(operator_id)
    assert callback.message is not None
    if not takers:
        await callback.message.answer(texts.HANDOVER_NO_TAKERS.format(name=name, count=len(cases), numbers=numbers))
        await callback.answer()
        return True
    names = {o.user_id: o.full_name for o in await access.operators(org_id=await access.operator_org(operator_id) or 1)}
    rows = [[InlineKeyboardButton(text=names.get(t) or str(t),
                                  callback_data=HandoverCb(operator=operator_id, to=t).pack())] for t in takers]
    rows.append([InlineKeyboardButton(text=texts.HANDOVER_SPREAD,
                                      callback_data=HandoverCb(operator=operator_id, to=SPREAD).pack())])
    rows.append([InlineKeyboardButton(text=texts.HANDOVER_CANCEL,
                                      callback_data=HandoverCb(operator=operator_id, to=CANCEL).pack())])
    await callback.message.answer(texts.HANDOVER_ASK.format(name=name, count=len(cases), numbers=numbers),
                                  reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
    await callback.answer()
    return True


@router.callback_query(HandoverCb.filter(), HasRole(Role.ADMIN), ButtonMessage())
async def hand_over(callback: CallbackQuery, callback_data: HandoverCb, message: Message, actor: Actor,
                    handover: HandoverService, access: AccessService) -> None:
    if callback_data.to == CANCEL:
        await message.edit_reply_markup(reply_markup=None)
        await callback.answer(texts.HANDOVER_CANCELLED)
        return
    org_id = await access.operator_org(callback_data.operator)     # another organisation's reads as no operator
    if org_id is None or not await access.may_administer(actor.user_id, org_id):
        await callback.answer(texts.HANDOVER_NOT_OPERATOR, show_alert=True)
        return
    to = None if callback_data.to == SPREAD else callback_data.to
    try:
        done = await handover.remove(actor.user_id, callback_data.operator, to)
    except ValidationFailed as exc:
        text = {"operator_from_settings": texts.OPERATOR_FROM_SETTINGS,
                "handover_target_inactive": texts.HANDOVER_TARGET_GONE}.get(exc.code, texts.error_text(exc.code))
        await callback.answer(text, show_alert=True)
        return
    names = {o.user_id: o.full_name for o in await access.operators(org_id=org_id)}
    if done.stranded:
        text = texts.HANDOVER_STRANDED.format(numbers=", ".join(done.stranded))
    else:
        text = texts.HANDOVER_DONE.format(lines="; ".join(
            texts.HANDOVER_LINE.format(number=n, operator=texts.esc(names.get(t) or str(t)))
            for n, t in done.moved.items()))
    await message.edit_text(text, reply_markup=None)
    await callback.answer(texts.OPERATOR_REMOVED)


@router.callback_query(HandoverCb.filter(), ~HasRole(Role.ADMIN))
async def hand_over_not_admin(callback: CallbackQuery) -> None:
    await callback.answer(texts.NO_ACCESS, show_alert=True)
