"""Organisations (issue 14 §1): the deployment admins' /orgs, /org_add, /org_rename, /org_prefix, archive and
restore, /invite_org_admin; every admin's /org; and the press on «Для какой организации?»
(handlers/org_choice.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import texts
from bot.domain.errors import DomainError
from bot.domain.model import Actor, Role
from bot.domain.orgs import Organisation, OrgKind
from bot.services.access import AccessService
from bot.services.orgs import OrgService, OrgSummary
from handlers.filters import ButtonMessage, DeploymentAdmin, HasRole
from handlers.org_choice import (
    ARGS_KEY,
    RUNNERS,
    OrgPickCb,
    org_buttons,
    org_command,
    run_for_org,
    waiting_args,
)
from handlers.spec import RouterSpec

router = RouterSpec("orgs")

PRIVATE = F.chat.type == "private"
ADD_KEY = "org_add_name"


class OrgOp(StrEnum):
    MUNICIPALITY = "mun"
    REPUBLIC = "rep"
    ARCHIVE = "arc"
    RESTORE = "res"
    ARCHIVED = "lsa"
    ADMINS = "adm"


class OrgAdminCb(CallbackData, prefix="oa"):
    """Removes an organisation's admin (under the list of «Администраторы»)."""
    org: int
    user: int


class OrgCb(CallbackData, prefix="or"):
    op: OrgOp
    target: int = 0


KINDS = {OrgOp.MUNICIPALITY: OrgKind.MUNICIPALITY, OrgOp.REPUBLIC: OrgKind.REPUBLIC}


def _error(exc: DomainError) -> str:
    return texts.ORG_ERRORS.get(exc.code) or texts.error_text(exc.code)


def _example(org: Organisation) -> str:
    return org.number(2026, 42)


# ---- /orgs: the deployment admins' list ---------------------------------------------------------------------

MANAGING = ("orgs", "org_add", "org_rename", "org_prefix", "invite_org_admin")


#: What the whole deployment shares: an organisation's admin does not back up everybody's database, change the
#: republic's calendar or read every organisation's chats.
SHARED = ("backup", "chats", "dayoff", "workday_extra", "calendar")


@router.message(Command(*SHARED), HasRole(Role.ADMIN), ~DeploymentAdmin())
async def shared_not_for_org_admin(message: Message) -> None:
    await message.answer(texts.DEPLOYMENT_ONLY)


@router.message(Command(*MANAGING), PRIVATE, ~DeploymentAdmin())
async def not_deployment_admin(message: Message, actor: Actor | None) -> None:
    """An organisation's admin may not manage organisations; anybody else is told the command is an admin's."""
    await message.answer(texts.ORG_ONLY_DEPLOYMENT if actor is not None and actor.role == Role.ADMIN
                         else texts.ADMIN_ONLY)


@router.message(Command("orgs"), PRIVATE, HasRole(Role.ADMIN))
async def orgs(message: Message, actor: Actor, orgs: OrgService) -> None:
    await _show(message, await orgs.summaries(actor.user_id), archived=False)


@router.callback_query(OrgCb.filter(F.op == OrgOp.ARCHIVED), HasRole(Role.ADMIN), ButtonMessage())
async def archived(callback: CallbackQuery, message: Message, actor: Actor, orgs: OrgService) -> None:
    if not await _deployment(callback, orgs):
        return
    await _show(message, await orgs.summaries(actor.user_id, archived=True), archived=True)
    await callback.answer()


async def _show(message: Message, items: list[OrgSummary], *, archived: bool) -> None:
    if archived and not items:
        await message.answer(texts.ORGS_ARCHIVED_EMPTY)
        return
    lines = [texts.ORGS_ARCHIVED_TITLE if archived else texts.ORGS_TITLE]
    kb = InlineKeyboardBuilder()
    for s in items:
        lines.append(texts.ORG_LINE.format(
            id=s.org.id, name=texts.esc(s.org.name), prefix=s.org.prefix or texts.ORG_NO_PREFIX,
            kind=texts.ORG_KIND_NAMES[s.org.kind.value],
            head=texts.ORG_HEAD_BOUND if s.head_bound else texts.ORG_HEAD_UNBOUND,
            departments=s.departments, operators=s.operators, admins=s.admins))
        if not archived:
            kb.button(text=texts.BTN_ORG_ADMINS.format(name=s.org.name),
                      callback_data=OrgCb(op=OrgOp.ADMINS, target=s.org.id).pack())
        if s.org.id != 1:
            op, label = (OrgOp.RESTORE, texts.BTN_ORG_RESTORE) if archived else (OrgOp.ARCHIVE, texts.BTN_ORG_ARCHIVE)
            kb.button(text=label.format(name=s.org.name), callback_data=OrgCb(op=op, target=s.org.id).pack())
    if not archived:
        kb.button(text=texts.BTN_ORGS_ARCHIVED, callback_data=OrgCb(op=OrgOp.ARCHIVED).pack())
        lines.append("")
        lines.append(texts.ORGS_HINT)
    kb.adjust(1)
    await message.answer("\n".join(lines), reply_markup=kb.as_markup())


async def _deployment(callback: CallbackQuery, orgs: OrgService) -> bool:
    """Buttons of /orgs: deployment admins only (a forged press of anybody else is refused)."""
    if not orgs.may_manage(callback.from_user.id):
        await callback.answer(texts.ORG_ONLY_DEPLOYMENT, show_alert=True)
        return False
    return True


@router.callback_query(OrgCb.filter(F.op.in_({OrgOp.ARCHIVE, OrgOp.RESTORE})), HasRole(Role.ADMIN))
async def archive(callback: CallbackQuery, callback_data: OrgCb, actor: Actor, orgs: OrgService) -> None:
    if not await _deployment(callback, orgs):
        return
    try:
        org = await orgs.archive(actor.user_id, callback_data.target, callback_data.op == OrgOp.ARCHIVE)
    except DomainError as exc:
        await callback.answer(_error(exc), show_alert=True)
        return
    await callback.answer((texts.ORG_ARCHIVED if org.archived else texts.ORG_RESTORED).format(name=org.name),
                          show_alert=True)


@router.callback_query(OrgCb.filter(F.op == OrgOp.ADMINS), HasRole(Role.ADMIN), ButtonMessage())
async def org_admins(callback: CallbackQuery, callback_data: OrgCb, message: Message, actor: Actor,
                     orgs: OrgService) -> None:
    """The organisation's own admins, each with a button that removes them."""
    if not await _deployment(callback, orgs):
        return
    org = await orgs.get(callback_data.target)
    if org is None:
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    people = await orgs.admins(actor.user_id, org.id)
    name = texts.esc(org.name)
    if not people:
        await message.answer(texts.ORG_ADMINS_EMPTY.format(name=name))
    else:
        kb = InlineKeyboardBuilder()
        for user_id, full_name in people:
            kb.button(text=f"{texts.BTN_REMOVE}: {full_name or user_id}",
                      callback_data=OrgAdminCb(org=org.id, user=user_id).pack())
        kb.adjust(1)
        await message.answer("\n".join([texts.ORG_ADMINS_TITLE.format(name=name)] + [
            texts.OPERATOR_LINE.format(name=texts.esc(n or "—"), user_id=u) for u, n in people]),
            reply_markup=kb.as_markup())
    await callback.answer()


@router.callback_query(OrgAdminCb.filter(), HasRole(Role.ADMIN))
async def remove_org_admin(callback: CallbackQuery, callback_data: OrgAdminCb, actor: Actor,
                           orgs: OrgService) -> None:
    if not await _deployment(callback, orgs):
        return
    removed = await orgs.remove_admin(actor.user_id, callback_data.org, callback_data.user)
    await callback.answer(texts.ORG_ADMIN_REMOVED if removed else texts.ORG_ADMIN_GONE, show_alert=not removed)


# ---- /org_add, /org_rename, /org_prefix ---------------------------------------------------------------------

@router.message(Command("org_add"), PRIVATE, HasRole(Role.ADMIN))
async def org_add(message: Message, command: CommandObject, state: FSMContext) -> None:
    name = " ".join((command.args or "").split())
    if not name:
        await message.answer(texts.ORG_ADD_USAGE)
        return
    await state.update_data({ADD_KEY: name})
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.BTN_ORG_MUNICIPALITY, callback_data=OrgCb(op=OrgOp.MUNICIPALITY).pack())
    kb.button(text=texts.BTN_ORG_REPUBLIC, callback_data=OrgCb(op=OrgOp.REPUBLIC).pack())
    kb.adjust(2)
    await message.answer(texts.ORG_ASK_KIND.format(name=texts.esc(name)), reply_markup=kb.as_markup())


@router.callback_query(OrgCb.filter(F.op.in_(set(KINDS))), HasRole(Role.ADMIN), ButtonMessage())
async def org_kind(callback: CallbackQuery, callback_data: OrgCb, message: Message, actor: Actor,
                   state: FSMContext, orgs: OrgService) -> None:
    if not await _deployment(callback, orgs):
        return
    name = (await state.get_data()).get(ADD_KEY)
    if not isinstance(name, str) or not name:
        await callback.answer(texts.ORG_PICK_STALE, show_alert=True)
        return
    try:
        org = await orgs.add(actor.user_id, name, KINDS[callback_data.op])
    except DomainError as exc:
        await callback.answer(_error(exc), show_alert=True)
        return
    await state.update_data({ADD_KEY: None})
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(texts.ORG_ADDED.format(name=texts.esc(org.name), id=org.id, prefix=org.prefix,
                                                example=_example(org)))
    await callback.answer()


def _numbered(args: str | None) -> tuple[int, str] | None:
    """``N rest`` of /org_rename and /org_prefix."""
    head, _, rest = (args or "").strip().partition(" ")
    return (int(head), rest.strip()) if head.isdigit() and rest.strip() else None


@router.message(Command("org_rename", "org_prefix"), PRIVATE, HasRole(Role.ADMIN))
async def org_change(message: Message, command: CommandObject, actor: Actor, orgs: OrgService) -> None:
    """``/org_rename N Название`` and ``/org_prefix N ABC``."""
    rename = command.command == "org_rename"
    if (parsed := _numbered(command.args)) is None:
        await message.answer(texts.ORG_RENAME_USAGE if rename else texts.ORG_PREFIX_USAGE)
        return
    try:
        org = await (orgs.rename if rename else orgs.set_prefix)(actor.user_id, *parsed)
    except DomainError as exc:
        await message.answer(_error(exc))
        return
    await message.answer(texts.ORG_RENAMED.format(id=org.id, name=texts.esc(org.name)) if rename else
                         texts.ORG_PREFIX_SET.format(name=texts.esc(org.name), prefix=org.prefix,
                                                     example=_example(org)))


# ---- an organisation's admins ----------------------------------------------------------------------------------

@router.message(Command("invite_org_admin"), PRIVATE, HasRole(Role.ADMIN))
async def invite_org_admin(message: Message, actor: Actor, **data: Any) -> None:
    await run_for_org(message, actor.user_id, "invite_org_admin", "", data)


@org_command("invite_org_admin")
async def _invite_org_admin(message: Message, user_id: int, org_id: int, _args: str, data: dict[str, Any]) -> None:
    access: AccessService = data["access"]
    assert message.bot is not None
    token = await access.create_org_admin_invite(user_id, org_id)
    org = await data["orgs"].get(org_id)
    link = await create_start_link(message.bot, f"inv_{token}")
    await message.answer(texts.ORG_ADMIN_INVITE_CREATED.format(org=texts.esc(org.name if org else str(org_id)),
                                                               link=texts.esc(link)) + texts.INVITE_REVOKE_HINT)


# ---- /org: the organisation an admin acts for -------------------------------------------------------------------

@router.message(Command("org"), PRIVATE, HasRole(Role.ADMIN))
async def org(message: Message, actor: Actor, access: AccessService, orgs: OrgService) -> None:
    mine = await access.admin_orgs(actor.user_id)
    current = await orgs.get(actor.org_id or 1)
    name = texts.esc(current.name if current else "—")
    if len(mine) <= 1:
        await message.answer(texts.ORG_CURRENT_ONLY.format(name=name))
        return
    await message.answer(texts.ORG_CURRENT.format(name=name), reply_markup=await org_buttons(access, "org", mine))


@org_command("org")
async def _org_chosen(message: Message, _user_id: int, _org_id: int, _args: str, _data: dict[str, Any]) -> None:
    """Nothing more: the press already remembered the choice and said which organisation it is."""


# ---- the press on «Для какой организации?» ------------------------------------------------------------------------

@router.callback_query(OrgPickCb.filter(), ButtonMessage())
async def picked(callback: CallbackQuery, callback_data: OrgPickCb, message: Message, state: FSMContext,
                 access: AccessService, **data: Any) -> None:
    """Performs the command waiting for the organisation; a forged command or organisation (one the person does
    not administer) is refused, a press with nothing waiting is stale."""
    user_id = callback.from_user.id
    runner = RUNNERS.get(callback_data.cmd)
    if runner is None or callback_data.org not in await access.admin_orgs(user_id):
        await callback.answer(texts.NO_ACCESS, show_alert=True)
        return
    args = "" if callback_data.cmd == "org" else await waiting_args(state, callback_data.cmd)
    if args is None:
        await callback.answer(texts.ORG_PICK_STALE, show_alert=True)
        return
    await state.update_data({ARGS_KEY: None})
    await access.choose_org(user_id, callback_data.org)
    chosen = {o.id: o.name for o in await access.organisations()}.get(callback_data.org, str(callback_data.org))
    await message.edit_text(texts.ORG_CHOSEN.format(name=texts.esc(chosen)), reply_markup=None)
    await callback.answer()
    try:
        await runner(message, user_id, callback_data.org, args, {**data, "state": state, "access": access})
    except DomainError as exc:
        await message.answer(_error(exc))

