"""«Для какой организации?» (issue 14 §1): an organisation-specific command of an admin of several
organisations is asked with one button per organisation; the press performs the command for the organisation
chosen and remembers it (AccessService.choose_org). With one organisation nothing is asked.

A command registers what it does for a chosen organisation with ``@org_command(name)``; its argument waits
in the person's FSM data of this chat (never in the button: the button names only the command and the
organisation, both checked again at the press)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import texts
from bot.domain import org_admin
from bot.domain.orgs import DEFAULT_ORG
from bot.services.access import AccessService

#: What a command does for the organisation: (the message to answer, the person, the organisation, the
#: command's argument, the handler's data: the services).
Runner = Callable[[Message, int, int, str, dict[str, Any]], Awaitable[None]]
RUNNERS: dict[str, Runner] = {}
ARGS_KEY = "org_pick"


class OrgPickCb(CallbackData, prefix="og"):
    cmd: str
    org: int


def org_command(name: str) -> Callable[[Runner], Runner]:
    def register(fn: Runner) -> Runner:
        RUNNERS[name] = fn
        return fn
    return register


async def run_for_org(message: Message, user_id: int, cmd: str, args: str, data: dict[str, Any], *,
                      orgs: list[int] | None = None) -> None:
    """Performs ``cmd`` for the person's one organisation, or asks which one (several)."""
    access: AccessService = data["access"]
    state: FSMContext = data["state"]
    if orgs is None:
        orgs = await access.admin_orgs(user_id)
    if not org_admin.must_ask(orgs):
        await RUNNERS[cmd](message, user_id, orgs[0] if orgs else DEFAULT_ORG, args, data)
        return
    await state.update_data({ARGS_KEY: {"cmd": cmd, "args": args}})
    await message.answer(texts.ORG_WHICH, reply_markup=await org_buttons(access, cmd, orgs))


async def org_buttons(access: AccessService, cmd: str, orgs: list[int]) -> InlineKeyboardMarkup:
    """One button per organisation, in the order given."""
    names = {o.id: o.name for o in await access.organisations()}
    kb = InlineKeyboardBuilder()
    for org_id in orgs:
        kb.button(text=names.get(org_id, str(org_id)), callback_data=OrgPickCb(cmd=cmd, org=org_id).pack())
    kb.adjust(1)
    return kb.as_markup()


async def waiting_args(state: FSMContext, cmd: str) -> str | None:
    """The argument the person's ``cmd`` waits with, or None when nothing of theirs waits (a forged or stale
    press, another person's question)."""
    stored = (await state.get_data()).get(ARGS_KEY)
    if not isinstance(stored, dict) or stored.get("cmd") != cmd or not isinstance(stored.get("args"), str):
        return None
    return str(stored["args"])
