"""/start, /help, /cancel, /case, /open; strangers and unbound groups (registered last)."""

from __future__ import annotations

import logging
from datetime import tzinfo

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.domain.errors import AccessDenied, DomainError
from bot.domain.model import Actor, Role
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from bot.services.cases import CaseService
from handlers import keyboards, render
from handlers.filters import HasRole
from handlers.spec import RouterSpec, commands_served
from handlers.states import Prompt

log = logging.getLogger(__name__)

router = RouterSpec("common")
fallback = RouterSpec("fallback")


# ---- a command typed while a prompt waits for text: it stays a command ----------------------------

@router.message(StateFilter(Prompt), F.text.startswith("/"))
async def command_inside_prompt(message: Message, state: FSMContext, actor: Actor | None,
                                event_router: Router) -> None:
    """The one place prompts are guarded (registered before every prompt handler): the text of a prompt is
    never a command. /cancel cancels (below); a known command ends the prompt politely and then runs as
    usual; an unknown one is answered as such and the prompt goes on waiting."""
    command, mention = _command(message.text or "/")
    if command == "cancel":
        raise SkipHandler
    if message.chat.type != "private" and mention and not await _addressed_to_us(message, mention):
        return          # another bot's command in the group: none of ours, and not the prompt's text either
    if command in commands_served(event_router):
        await state.clear()
        await message.answer(texts.PROMPT_CANCELLED_BY_COMMAND.format(command=texts.esc("/" + command)))
        raise SkipHandler       # the command's own handler (or «not here») answers it now
    if message.chat.type == "private":
        await private_command_not_answered(message, actor, event_router)
    else:
        await group_command_not_answered(message, event_router)


@router.message(CommandStart(deep_link=True), F.chat.type == "private")
async def start_with_invite(message: Message, command: CommandObject, actor: Actor | None,
                            access: AccessService) -> None:
    assert message.from_user is not None
    token = (command.args or "").removeprefix("inv_")
    if actor is not None:
        await start(message, actor, access)
        return
    role = await access.accept_invite(token, message.from_user.id, message.from_user.full_name)
    if role is None:
        await message.answer(texts.INVITE_INVALID)
    else:
        accepted = {Role.OFFICIAL: texts.INVITE_OFFICIAL_ACCEPTED, Role.ADMIN: texts.ORG_ADMIN_ACCEPTED}.get(
            role, texts.INVITE_ACCEPTED)
        await message.answer(accepted.format(name=texts.esc(message.from_user.full_name)))


@router.message(CommandStart(), F.chat.type == "private")
@router.message(Command("help"), F.chat.type == "private")
async def start(message: Message, actor: Actor | None, access: AccessService) -> None:
    name = texts.esc(message.from_user.full_name if message.from_user else "")
    if actor is None:
        await message.answer(texts.START_STRANGER)
    elif actor.role == Role.ADMIN:
        await message.answer(await _admin_start(actor, access, name))
    elif actor.role == Role.OFFICIAL:
        await message.answer(texts.START_OFFICIAL.format(name=name))
    elif actor.role == Role.COORDINATOR:
        await message.answer(texts.START_COORDINATOR.format(name=name))
    else:
        await message.answer(texts.START_OPERATOR.format(name=name))


async def _admin_start(actor: Actor, access: AccessService, name: str) -> str:
    """A deployment admin's help names the organisations' commands only when there are several (issue 14); an
    organisation's admin gets the help of their organisation."""
    orgs = {o.id: o.name for o in await access.organisations()}
    if not access.is_admin(actor.user_id):
        return texts.START_ORG_ADMIN.format(name=name, org=texts.esc(orgs.get(actor.org_id or 0, "")))
    return texts.START_ADMIN.format(name=name) + (texts.START_ADMIN_ORGS if len(orgs) > 1 else "")


@router.message(Command("start", "help"), HasRole(Role.EXECUTOR))
async def group_help(message: Message, actor: Actor, access: AccessService) -> None:
    dept = await access.department(actor.department_id or 0)
    await message.answer(texts.GROUP_DEPARTMENT_HELP.format(name=texts.esc(dept.name if dept else "")))


@router.message(Command("start", "help"), HasRole(Role.HEAD))
async def head_help(message: Message) -> None:
    await message.answer(texts.GROUP_HEAD_HELP)


@router.message(Command("cancel"), HasRole(Role.OPERATOR, Role.ADMIN, Role.EXECUTOR, Role.HEAD))
async def cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(texts.NOTHING_TO_CANCEL)
        return
    await state.clear()
    await message.answer(texts.CANCELLED)


@router.message(Command("case"), HasRole(Role.OPERATOR, Role.ADMIN, Role.HEAD, Role.OFFICIAL))
async def case_command(message: Message, command: CommandObject, cases: CaseService, clock: Clock,
                       tz: tzinfo, actor: Actor) -> None:
    arg = (command.args or "").strip()
    if not arg:
        await message.answer(texts.CASE_USAGE)
        return
    try:
        case = await cases.get_by_number(arg, scope=actor.scope)
    except DomainError:
        await message.answer(texts.error_text("case_not_found"))
        return
    assert case.id is not None
    events = await cases.history(case.id)
    card = render.case_card(case, clock.now(), tz, lead=await cases.lead(case))
    parts = render.chunk([card, *render.history(events, tz).split("\n")])
    for i, part in enumerate(parts):
        # cl. 8 per case: «Работать в нерабочее время» (or «Вернуть рабочее время» while it holds) under the last
        # part, for whoever may decide it
        markup = keyboards.off_hours(case, actor.role, clock.now()) if i == len(parts) - 1 else None
        await message.answer(part, reply_markup=markup)


@router.message(Command("open"), HasRole(Role.OPERATOR, Role.ADMIN, Role.HEAD, Role.OFFICIAL))
async def open_command(message: Message, cases: CaseService, clock: Clock, tz: tzinfo, actor: Actor) -> None:
    items = await cases.open_cases(scope=actor.scope)
    if not items:
        await message.answer(texts.OPEN_EMPTY)
        return
    for part in render.open_list(items, clock.now(), tz, texts.OPEN_TITLE, await cases.leads(items)):
        await message.answer(part)


# ---- last resort: commands nobody answered, strangers, unbound groups, stale buttons ------------

def _command(text: str) -> tuple[str, str]:
    """("/foo@name args") -> ("foo", "name"); the mention is "" when there is none."""
    name, _, mention = text.split(maxsplit=1)[0].removeprefix("/").partition("@")
    return name.lower(), mention.lower()


async def _addressed_to_us(message: Message, mention: str) -> bool:
    """``/foo@mention`` names this bot (a lower-case mention, as ``_command`` gives it)."""
    bot_user = await message.bot.me() if message.bot else None
    return bool(mention and bot_user is not None and bot_user.username and mention == bot_user.username.lower())


def _not_answered(command: str, known: frozenset[str]) -> str:
    """A command no handler took: not one of the bot's, or one of its own this person may not use here."""
    template = texts.COMMAND_NOT_HERE if command in known else texts.UNKNOWN_COMMAND
    return template.format(command=texts.esc("/" + command))


@fallback.message(F.chat.type == "private", F.text.startswith("/"))
async def private_command_not_answered(message: Message, actor: Actor | None, event_router: Router) -> None:
    command, _ = _command(message.text or "/")
    known = commands_served(event_router)
    if actor is None and command in known:
        await message.answer(texts.START_STRANGER)    # /open from a stranger: no access, as to anything else
        return
    await message.answer(_not_answered(command, known))


@fallback.message(F.chat.type.in_({"group", "supergroup"}), F.text.startswith("/"),
                  HasRole(Role.EXECUTOR, Role.HEAD))
async def group_command_not_answered(message: Message, event_router: Router) -> None:
    # A bare /foo in a group may be another bot's (with privacy mode on, bots get every command): only
    # /foo@this_bot is answered.
    command, mention = _command(message.text or "/")
    if command and await _addressed_to_us(message, mention):
        await message.answer(_not_answered(command, commands_served(event_router)))


@fallback.message(F.chat.type == "private", HasRole(Role.OFFICIAL))
async def official_message(message: Message) -> None:
    """cl. 5: posts are registered by operators; the official is told what they can do here."""
    await message.answer(texts.OFFICIAL_NOT_A_POST)


@fallback.message(F.chat.type == "private")
async def stranger_or_unsupported(message: Message, actor: Actor | None) -> None:
    await message.answer(texts.START_STRANGER if actor is None else texts.UNSUPPORTED_MESSAGE)


@fallback.message(F.chat.type.in_({"group", "supergroup"}))
async def unbound_group(message: Message, actor: Actor | None, access: AccessService) -> None:
    if actor is not None or not message.text:
        return  # bound chats: ordinary conversation of the staff is none of the bot's business
    bot_user = await message.bot.me() if message.bot else None
    addressed = message.text.startswith("/") or (
        bot_user is not None and bot_user.username and f"@{bot_user.username}".lower() in message.text.lower())
    if addressed and not await access.said_unbound(message.chat.id):
        await message.answer(texts.GROUP_UNBOUND)


@fallback.callback_query(HasRole(Role.OFFICIAL))
async def official_button(callback: CallbackQuery, actor: Actor, cases: CaseService) -> None:
    """cl. 5: the official watches, the operators and departments act; a button pressed (or forged) is refused."""
    await cases.refuse(actor, None, "button", AccessDenied(role=actor.role.value),
                       {"data": (callback.data or "")[:64]})
    await callback.answer(texts.OFFICIAL_READ_ONLY, show_alert=True)


@fallback.callback_query()
async def stale_button(callback: CallbackQuery, actor: Actor | None, cases: CaseService) -> None:
    if actor is None:
        await callback.answer(texts.NO_ACCESS, show_alert=True)
        return
    await cases.refuse(actor, None, "button", DomainError("stale"), {"data": (callback.data or "")[:64]})
    await callback.answer(texts.BUTTON_STALE, show_alert=True)
