"""The coordinator (the republic's directorate, cl. 2; issue 14 §3): /bind_coordinator, and its read-only
/open and /case across organisations, in its group or a private chat of COORDINATOR_IDS."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from aiogram import Bot
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot import texts
from bot.domain import membership
from bot.domain.errors import DomainError, ValidationFailed
from bot.domain.model import Case, Role
from bot.runtime.clock import Clock
from bot.services.chats import ChatsService
from bot.services.coordinator import CoordinatorService, OrgOpen
from handlers import keyboards, render
from handlers.filters import ButtonMessage, HasRole, IsAdmin
from handlers.spec import RouterSpec

log = logging.getLogger(__name__)

router = RouterSpec("coordinator")


class CoordCaseCb(CallbackData, prefix="coord"):
    """«Показать» one organisation's case when a bare number names cases of several."""

    case_id: int


def coordinator_commands() -> list[BotCommand]:
    """The coordinator's command menu (its group, set at binding; its people's private chats, at start)."""
    return [BotCommand(command=c, description=d) for c, d in texts.MENU_COORDINATOR]


@router.message(Command("bind_coordinator"), IsAdmin())
async def bind_coordinator(message: Message, bot: Bot, coordinator: CoordinatorService,
                           chats: ChatsService) -> None:
    why = membership.why_not_bindable(message.chat.type, message.chat.username)
    if why is not None:
        await message.answer(texts.BIND_PUBLIC_GROUP if why == "public" else texts.BIND_IN_GROUP)
        return
    assert message.from_user is not None
    try:
        await coordinator.bind(message.from_user.id, message.chat.id)
    except ValidationFailed as e:
        await message.answer(texts.BIND_COORDINATOR_IS_DEPARTMENT.format(name=texts.esc(str(e.details.get("name"))))
                             if e.code == "chat_is_department" else texts.BIND_COORDINATOR_IS_HEAD)
        return
    await message.answer(texts.BOUND_COORDINATOR)
    await chats.chat_back(message.chat.id)
    try:        # the group's own command menu; a failure here changes nothing of the binding
        await bot.set_my_commands(coordinator_commands(), scope=BotCommandScopeChat(chat_id=message.chat.id))
    except Exception:
        log.warning("could not set the coordinator's command menu in chat %s", message.chat.id, exc_info=True)


@router.message(Command("start", "help"), HasRole(Role.COORDINATOR))
async def coordinator_help(message: Message) -> None:
    """In the group (the private /start of COORDINATOR_IDS is handlers/common.py's)."""
    await message.answer(texts.GROUP_COORDINATOR_HELP)


@router.message(Command("open"), HasRole(Role.COORDINATOR))
async def coordinator_open(message: Message, coordinator: CoordinatorService, clock: Clock, tz: tzinfo) -> None:
    groups, more = await coordinator.open_cases()
    if not groups:
        await message.answer(texts.OPEN_EMPTY)
        return
    lines = [texts.COORD_OPEN_TITLE]
    for group in groups:
        lines.append(texts.COORD_OPEN_ORG.format(org=texts.esc(group.org.name), count=len(group.cases),
                                                 overdue=group.overdue))
        lines.extend(open_line(c, group, clock.now(), tz) for c in group.cases)
    if more:
        lines.append(texts.COORD_OPEN_MORE.format(more=more))
    for part in render.chunk(lines):
        await message.answer(part)


def open_line(case: Case, group: OrgOpen, now: datetime, tz: tzinfo) -> str:
    org = texts.esc(group.org.name)
    nxt = case.next_deadline()
    if nxt is None:
        return texts.COORD_OPEN_LINE_NO_DEADLINE.format(number=case.number, org=org,
                                                        status=render.status_word(case))
    return texts.COORD_OPEN_LINE.format(
        marker=texts.CARD_OVERDUE if nxt.overdue(now) else texts.CARD_PENDING, number=case.number, org=org,
        status=render.status_word(case), rule=texts.RULE.get(nxt.rule, nxt.rule),
        due=texts.when(nxt.due_at.astimezone(tz)))


@router.message(Command("case"), HasRole(Role.COORDINATOR))
async def coordinator_case(message: Message, command: CommandObject, coordinator: CoordinatorService,
                           clock: Clock, tz: tzinfo) -> None:
    arg = (command.args or "").strip()
    if not arg:
        await message.answer(texts.COORD_CASE_USAGE)
        return
    try:
        found = await coordinator.find(arg)
    except ValidationFailed:
        await message.answer(texts.COORD_CASE_USAGE)
        return
    if not found:
        await message.answer(texts.error_text("case_not_found"))
        return
    if len(found) > 1:
        orgs = await coordinator.organisations()
        markup = InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=f"{orgs[ref.org_id].name} · {ref.number}",
                                  callback_data=CoordCaseCb(case_id=ref.case_id).pack())] for ref in found])
        await message.answer(texts.COORD_CASE_WHICH.format(number=texts.esc(arg)), reply_markup=markup)
        return
    if not await _show(message, coordinator, found[0].case_id, clock, tz):
        await message.answer(texts.error_text("case_not_found"))


@router.callback_query(CoordCaseCb.filter(), HasRole(Role.COORDINATOR), ButtonMessage())
async def coordinator_case_button(callback: CallbackQuery, callback_data: CoordCaseCb, message: Message,
                                  coordinator: CoordinatorService, clock: Clock, tz: tzinfo) -> None:
    if not await _show(message, coordinator, callback_data.case_id, clock, tz):
        await callback.answer(texts.COORD_CASE_GONE, show_alert=True)
        return
    await callback.answer()


@router.callback_query(CoordCaseCb.filter())
async def coordinator_case_button_refused(callback: CallbackQuery) -> None:
    """Anyone but the coordinator (a forwarded or forged button): refused, nothing shown."""
    await callback.answer(texts.COORD_ONLY, show_alert=True)


async def _show(message: Message, coordinator: CoordinatorService, case_id: int, clock: Clock, tz: tzinfo) -> bool:
    """The card, read-only but for «Передать в другую организацию» (cl. 2, issue 14 §5: the directorate moves a
    post to the competent organisation), and the history. False when there is no such case."""
    try:
        view = await coordinator.view(case_id)
    except DomainError:
        return False
    header = texts.COORD_CASE_HEADER.format(org=texts.esc(view.org.name))
    card = render.case_card(view.case, clock.now(), tz, header=header, lead=view.lead)
    await message.answer(card, reply_markup=keyboards.transfer_button(view.case))
    for part in render.chunk(render.history(view.history, tz).split("\n")):
        await message.answer(part)
    return True



@router.message(Command("bind_coordinator"))
async def bind_coordinator_not_admin(message: Message) -> None:
    await message.answer(texts.ADMIN_ONLY)
