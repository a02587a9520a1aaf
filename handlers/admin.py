"""Administrators: invites, operators, binding chats, departments, backups."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import tzinfo
from typing import Any, Protocol

from aiogram import F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramEntityTooLarge
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from bot import texts
from bot.domain import membership
from bot.domain.errors import ValidationFailed
from bot.domain.model import Actor, Department, Role
from bot.domain.orgs import DEFAULT_ORG
from bot.services.access import AccessService
from bot.services.backups import BackupService, human_size
from bot.services.handover import HandoverService
from handlers import keyboards
from handlers.callbacks import AdminCb, AdminOp
from handlers.chats import ask_handover
from handlers.filters import ButtonMessage, DeploymentAdmin, HasRole, IsAdmin
from handlers.org_choice import org_command, run_for_org
from handlers.spec import RouterSpec
from handlers.states import Prompt

log = logging.getLogger(__name__)

router = RouterSpec("admin")

PRIVATE = F.chat.type == "private"


@router.message(Command("bind"), IsAdmin())
async def bind(message: Message, command: CommandObject, **data: Any) -> None:
    """The group serves a department of the admin's organisation (asked which one by an admin of several)."""
    if not await _bindable(message):
        return
    name = (command.args or "").strip()
    if not name:
        await message.answer(texts.BIND_USAGE)
        return
    assert message.from_user is not None
    await run_for_org(message, message.from_user.id, "bind", name, data)


@org_command("bind")
async def _bind_for(message: Message, user_id: int, org_id: int, name: str, data: dict[str, Any]) -> None:
    access: AccessService = data["access"]
    dept = await access.bind_department(user_id, message.chat.id, name, org_id=org_id)
    await message.answer(texts.BOUND_DEPARTMENT.format(name=texts.esc(dept.name)))
    await data["chats"].chat_back(message.chat.id)          # notices waiting for a group gone go out now


@router.message(Command("bind_head"), IsAdmin())
async def bind_head(message: Message, **data: Any) -> None:
    if not await _bindable(message):
        return
    assert message.from_user is not None
    await run_for_org(message, message.from_user.id, "bind_head", "", data)


@org_command("bind_head")
async def _bind_head_for(message: Message, user_id: int, org_id: int, _args: str, data: dict[str, Any]) -> None:
    access: AccessService = data["access"]
    await access.bind_head(user_id, message.chat.id, org_id)
    name = await data["orgs"].named(org_id)
    await message.answer(texts.BOUND_HEAD if name is None else texts.BOUND_HEAD_OF.format(org=texts.esc(name)))
    await data["chats"].chat_back(message.chat.id)


async def _bindable(message: Message) -> bool:
    """Only a private group can be bound: a public one (it has a @username) anyone can read (issue 13 §2)."""
    why = membership.why_not_bindable(message.chat.type, message.chat.username)
    if why is not None:
        await message.answer(texts.BIND_PUBLIC_GROUP if why == "public" else texts.BIND_IN_GROUP)
    return why is None


#: The admin's commands of one organisation, typed in the private chat: asked which one by an admin of several.
ORG_COMMANDS = ("invite", "invite_official", "invites", "operators", "officials", "departments")


@router.message(Command(*ORG_COMMANDS), PRIVATE, HasRole(Role.ADMIN))
async def org_specific(message: Message, command: CommandObject, actor: Actor, **data: Any) -> None:
    await run_for_org(message, actor.user_id, command.command, command.args or "", data)


@org_command("invite")
async def _invite_operator(message: Message, user_id: int, org_id: int, _args: str, data: dict[str, Any]) -> None:
    await _invite(message, user_id, org_id, data["access"], Role.OPERATOR, texts.INVITE_CREATED)


@org_command("invite_official")
async def _invite_official(message: Message, user_id: int, org_id: int, _args: str, data: dict[str, Any]) -> None:
    """cl. 5: a one-time link that makes its user a responsible official."""
    await _invite(message, user_id, org_id, data["access"], Role.OFFICIAL, texts.INVITE_OFFICIAL_CREATED)


async def _invite(message: Message, user_id: int, org_id: int, access: AccessService, role: Role,
                  created: str) -> None:
    assert message.bot is not None
    token = await access.create_invite(user_id, role, org_id=org_id)
    link = await create_start_link(message.bot, f"inv_{token}")
    await message.answer(created.format(link=texts.esc(link)) + texts.INVITE_REVOKE_HINT)


@org_command("invites")
async def _invites(message: Message, user_id: int, org_id: int, _args: str, data: dict[str, Any]) -> None:
    """Unused invites of the organisation, each with a button that revokes it."""
    access: AccessService = data["access"]
    tz: tzinfo = data["tz"]
    items = await access.open_invites(user_id, org_id=org_id)
    if not items:
        await message.answer(texts.INVITES_EMPTY)
        return
    labels = [(i.key, texts.invite_label(i.role, i.expires_at.astimezone(tz) if i.expires_at else None))
              for i in items]
    await message.answer("\n".join([texts.INVITES_TITLE] + [f"• {label}" for _, label in labels]),
                         reply_markup=keyboards.invites(labels))


@router.callback_query(AdminCb.filter(F.op == AdminOp.REVOKE_INVITE), HasRole(Role.ADMIN))
async def revoke_invite(callback: CallbackQuery, callback_data: AdminCb, actor: Actor, access: AccessService) -> None:
    """The invite's link stops working; one used, expired or revoked already is told, nothing changes."""
    role = await access.revoke_invite(actor.user_id, callback_data.target)
    await callback.answer(texts.INVITE_REVOKED if role is not None else texts.INVITE_NOT_REVOCABLE,
                          show_alert=role is None)


@org_command("operators")
async def _operators(message: Message, _user_id: int, org_id: int, _args: str, data: dict[str, Any]) -> None:
    access: AccessService = data["access"]
    await _people(message, await access.operators(org_id=org_id), texts.OPERATORS_TITLE, texts.OPERATORS_EMPTY,
                  AdminOp.REMOVE_OPERATOR)


@org_command("officials")
async def _officials(message: Message, _user_id: int, org_id: int, _args: str, data: dict[str, Any]) -> None:
    access: AccessService = data["access"]
    await _people(message, await access.officials(org_id=org_id), texts.OFFICIALS_TITLE, texts.OFFICIALS_EMPTY,
                  AdminOp.REMOVE_OFFICIAL)


@org_command("departments")
async def _departments(message: Message, _user_id: int, org_id: int, _args: str, data: dict[str, Any]) -> None:
    await _show_departments(message, data["access"], org_id)


class _Person(Protocol):
    user_id: int
    full_name: str


async def _people(message: Message, items: Sequence[_Person], title: str, empty: str, remove: AdminOp) -> None:
    """Operators or officials, one line each, with a button to remove each."""
    if not items:
        await message.answer(empty)
        return
    lines = [title] + [texts.OPERATOR_LINE.format(name=texts.esc(o.full_name or "—"), user_id=o.user_id)
                       for o in items]
    await message.answer("\n".join(lines), reply_markup=keyboards.operators(
        [(o.user_id, o.full_name) for o in items], remove))


@router.message(Command("backup"), PRIVATE, HasRole(Role.ADMIN), DeploymentAdmin())
async def backup(message: Message, backups: BackupService, tz: tzinfo) -> None:
    """A fresh backup, encrypted with BACKUP_PASSPHRASE and sent here as a document (or where it lies on the
    server if over 50 MB); without the passphrase nothing is sent, the admin is told what to set. On
    PostgreSQL the admin is told that backups are the DBA's (pg_dump, WAL archiving)."""
    if backups.on_postgresql:
        await message.answer(texts.BACKUP_POSTGRESQL)
        return
    if not backups.can_send:
        await message.answer(texts.BACKUP_NEEDS_PASSPHRASE)
        return
    try:
        result = await backups.make()
        sealed = await backups.sealed(result)
    except Exception as exc:
        log.exception("/backup failed")
        await message.answer(texts.BACKUP_ERROR.format(error=texts.esc(f"{type(exc).__name__}: {exc}"[:300])))
        return
    fields = {"at": texts.esc(result.made_at.astimezone(tz).strftime("%d.%m.%Y %H:%M:%S")),
              "size": human_size(result.size), "cases": result.cases,
              "path": texts.esc(str(result.path.resolve()))}
    if sealed is None:
        await message.answer(texts.BACKUP_TOO_BIG.format(**fields))
        return
    document = BufferedInputFile(sealed[1], filename=sealed[0])
    try:
        await message.answer_document(document, caption=texts.BACKUP_CAPTION.format(**fields))
    except TelegramEntityTooLarge:                   # the limit counts the whole request, not just the file
        await message.answer(texts.BACKUP_TOO_BIG.format(**fields))


async def _show_departments(message: Message, access: AccessService, org_id: int) -> None:
    items = await access.departments(include_archived=True, org_id=org_id)
    if not items:
        await message.answer(texts.DEPARTMENTS_EMPTY)
        return
    lines = [texts.DEPARTMENTS_TITLE] + [
        texts.DEPARTMENT_LINE.format(name=texts.esc(d.name), archived=texts.DEPARTMENT_ARCHIVED if d.archived else "",
                                     keywords=texts.esc(", ".join(d.keywords) or "—")) for d in items]
    await message.answer("\n".join(lines), reply_markup=keyboards.departments(items))


# ---- the buttons under /operators, /officials and /departments ------------------------------------

@router.callback_query(AdminCb.filter(F.op.in_({AdminOp.REMOVE_OPERATOR, AdminOp.REMOVE_OFFICIAL})),
                       HasRole(Role.ADMIN))
async def remove_person(callback: CallbackQuery, callback_data: AdminCb, actor: Actor, access: AccessService,
                        handover: HandoverService) -> None:
    """An operator or an official stops being one; those configured in the settings stay. An operator with
    open cases goes once the admin chose who takes them (handlers/chats.py)."""
    configured, remove, org_of, from_settings, removed = {
        AdminOp.REMOVE_OPERATOR: (access.operator_ids, access.remove_operator, access.operator_org,
                                  texts.OPERATOR_FROM_SETTINGS, texts.OPERATOR_REMOVED),
        AdminOp.REMOVE_OFFICIAL: (access.official_ids, access.remove_official, access.official_org,
                                  texts.OFFICIAL_FROM_SETTINGS, texts.OFFICIAL_REMOVED),
    }[callback_data.op]
    if callback_data.target in configured:
        await callback.answer(from_settings, show_alert=True)
        return
    org_id = await org_of(callback_data.target)      # another organisation's person reads as a stale button
    if org_id is None or not await access.may_administer(actor.user_id, org_id):
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    if callback_data.op == AdminOp.REMOVE_OPERATOR and await ask_handover(callback, callback_data.target,
                                                                          handover, access):
        return
    await remove(actor.user_id, callback_data.target, org_id=org_id)
    await callback.answer(removed)


async def _department(callback: CallbackQuery, data: AdminCb, access: AccessService) -> Department | None:
    """The department of the button; a department that is gone (or another organisation's: the same) makes the
    button stale."""
    assert callback.from_user is not None
    dept = await access.department(data.target)
    if dept is None or not await access.may_administer(callback.from_user.id, dept.org_id):
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return None
    return dept


@router.callback_query(AdminCb.filter(F.op.in_({AdminOp.ARCHIVE, AdminOp.RESTORE})), HasRole(Role.ADMIN))
async def archive(callback: CallbackQuery, callback_data: AdminCb, actor: Actor, access: AccessService) -> None:
    if (dept := await _department(callback, callback_data, access)) is None:
        return
    await access.archive_department(actor.user_id, dept.id, callback_data.op == AdminOp.ARCHIVE)
    await callback.answer(texts.DEPARTMENT_SAVED)


@router.callback_query(AdminCb.filter(F.op.in_({AdminOp.RENAME, AdminOp.KEYWORDS})), HasRole(Role.ADMIN),
                       ButtonMessage())
async def edit_department(callback: CallbackQuery, callback_data: AdminCb, message: Message, state: FSMContext,
                          access: AccessService) -> None:
    """Asks for the new name or the new keywords (answered by ``department_edit``)."""
    if (dept := await _department(callback, callback_data, access)) is None:
        return
    rename = callback_data.op == AdminOp.RENAME
    await state.set_state(Prompt.rename_department if rename else Prompt.department_keywords)
    await state.update_data(department_id=dept.id)
    await message.answer(texts.ASK_DEPARTMENT_NAME.format(name=texts.esc(dept.name)) if rename else
                         texts.ASK_KEYWORDS.format(name=texts.esc(dept.name),
                                                   keywords=texts.esc(", ".join(dept.keywords) or "—")))
    await callback.answer()


@router.message(Prompt.rename_department, F.chat.type == "private", F.text)
@router.message(Prompt.department_keywords, F.chat.type == "private", F.text)
async def department_edit(message: Message, state: FSMContext, access: AccessService) -> None:
    assert message.from_user is not None and message.text is not None
    data = await state.get_data()
    current = await state.get_state()
    department_id = int(data.get("department_id", 0))
    try:
        if current == Prompt.rename_department.state:
            await access.rename_department(message.from_user.id, department_id, message.text)
        else:
            await access.set_keywords(message.from_user.id, department_id, message.text)
    except ValidationFailed as exc:
        await message.answer(texts.error_text(exc.code))
        return
    await state.clear()
    await message.answer(texts.DEPARTMENT_SAVED)
    dept = await access.department(department_id)
    await _show_departments(message, access, dept.org_id if dept else DEFAULT_ORG)


# ---- anyone else: one answer, whatever they tried ---------------------------------------------------

@router.message(Command("bind", "bind_head"))
async def bind_not_admin(message: Message, access: AccessService) -> None:
    if message.chat.type != "private" and not await access.is_bound_chat(message.chat.id):
        return  # an unbound group: silent to strangers (the fallback explains once, to nobody's cost)
    await message.answer(texts.ADMIN_ONLY)


@router.message(Command("invite", "invite_official", "invites", "operators", "officials", "departments", "backup", "dayoff",
                        "workday_extra", "calendar"), ~PRIVATE)
async def admin_command_in_group(message: Message, access: AccessService) -> None:
    """An admin command typed in an unbound group gets no answer at all (not even the «group not bound» hint):
    strangers do not spend the bot's send budget. In a bound group it goes on as before."""
    if await access.is_bound_chat(message.chat.id):
        raise SkipHandler


@router.message(Command("invite", "invite_official", "invites", "operators", "officials", "departments", "backup"), PRIVATE)
async def not_admin(message: Message) -> None:
    await message.answer(texts.ADMIN_ONLY)


@router.callback_query(AdminCb.filter(), ~HasRole(Role.ADMIN))
async def button_not_admin(callback: CallbackQuery) -> None:
    await callback.answer(texts.NO_ACCESS, show_alert=True)
