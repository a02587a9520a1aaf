"""Members of the bound groups (issue 13 §2): joins and leaves from service messages and chat_member
updates, and the admins' «Допустить к работе» under the notice of a new member (STRICT_MEMBERS)."""

from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, User

from bot import texts
from bot.domain import membership
from bot.domain.model import Actor, Role
from bot.services.members import MemberService
from handlers.callbacks import MemberCb
from handlers.filters import ButtonMessage, HasRole
from handlers.spec import RouterSpec

router = RouterSpec("members")


@router.chat_member()
async def member_changed(event: ChatMemberUpdated, members: MemberService) -> None:
    """Joined, left, removed or banned (Telegram sends these to a bot that administers the group)."""
    old, new = event.old_chat_member, event.new_chat_member
    change = membership.joined(old.status, getattr(old, "is_member", None), new.status,
                               getattr(new, "is_member", None))
    if change is None or new.user.is_bot:
        return
    await _changed(members, event.chat.id, new.user, came=change)


@router.message(F.new_chat_members)
async def members_joined(message: Message, members: MemberService) -> None:
    for user in message.new_chat_members or ():
        if not user.is_bot:
            await _changed(members, message.chat.id, user, came=True)


@router.message(F.left_chat_member)
async def member_left(message: Message, members: MemberService) -> None:
    user = message.left_chat_member
    if user is not None and not user.is_bot:
        await _changed(members, message.chat.id, user, came=False)


async def _changed(members: MemberService, chat_id: int, user: User, *, came: bool) -> None:
    if came:
        await members.joined(chat_id, user.id, user.full_name)
    else:
        await members.left(chat_id, user.id, user.full_name)


@router.callback_query(MemberCb.filter(), HasRole(Role.ADMIN), ButtonMessage())
async def confirm_member(callback: CallbackQuery, callback_data: MemberCb, message: Message, actor: Actor,
                         members: MemberService) -> None:
    if not await members.confirm(actor.user_id, callback_data.chat_id, callback_data.user_id):
        await callback.answer(texts.MEMBER_NOT_THERE, show_alert=True)
        return
    await message.edit_reply_markup(reply_markup=None)
    await callback.answer(texts.MEMBER_CONFIRMED)


@router.callback_query(MemberCb.filter(), ~HasRole(Role.ADMIN))
async def confirm_not_admin(callback: CallbackQuery) -> None:
    await callback.answer(texts.NO_ACCESS, show_alert=True)
