"""Administrators: invites, operators, binding chats, departments, backups."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import tzinfo
from typing import Protocol

from aiogram import F
from aiogram.exceptions import TelegramEntityTooLarge
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from bot import texts
from bot.domain.errors import ValidationFailed
from bot.domain.model import Actor, Role
from bot.services.access import AccessService
from bot.services.backups import BackupService, human_size
from handlers import keyboards
from handlers.callbacks import AdminCb, AdminOp
from handlers.spec import RouterSpec
from handlers.states import Prompt

log = logging.getLogger(__name__)

router = RouterSpec("admin")


def _is_admin(message: Message, access: AccessService) -> bool:
    return message.from_user is not None and access.is_admin(message.from_user.id)


@router.message(Command("bind"))
async def bind(message: Message, command: CommandObject, access: AccessService) -> None:
    if not _is_admin(message, access):
        if message.chat.type != "private" and not await access.is_bound_chat(message.chat.id):
            return  # an unbound group: the fallback router explains once
        await message.answer(texts.ADMIN_ONLY)
        return
    if message.chat.type not in ("group", "supergroup"):
        await message.answer(texts.BIND_IN_GROUP)
        return
    name = (command.args or "").strip()
    if not name:
        await message.answer(texts.BIND_USAGE)
        return
    assert message.from_user is not None
    dept = await access.bind_department(message.from_user.id, message.chat.id, name)
    await message.answer(texts.BOUND_DEPARTMENT.format(name=texts.esc(dept.name)))


@router.message(Command("bind_head"))
async def bind_head(message: Message, access: AccessService) -> None:
    if not _is_admin(message, access):
        await message.answer(texts.ADMIN_ONLY)
        return
    if message.chat.type not in ("group", "supergroup"):
        await message.answer(texts.BIND_IN_GROUP)
        return
    assert message.from_user is not None
    await access.bind_head(message.from_user.id, message.chat.id)
    await message.answer(texts.BOUND_HEAD)


@router.message(Command("invite", "operators", "departments"), F.chat.type == "private")
async def admin_commands(message: Message, command: CommandObject, access: AccessService) -> None:
    if not _is_admin(message, access):
        await message.answer(texts.ADMIN_ONLY)
        return
    assert message.from_user is not None and message.bot is not None
    if command.command == "invite":
        token = await access.create_invite(message.from_user.id)
        link = await create_start_link(message.bot, f"inv_{token}")
        await message.answer(texts.INVITE_CREATED.format(link=texts.esc(link)))
    elif command.command == "operators":
        await _people(message, await access.operators(), texts.OPERATORS_TITLE, texts.OPERATORS_EMPTY,
                      AdminOp.REMOVE_OPERATOR)
    else:
        await _show_departments(message, access)


@router.message(Command("invite_official"), F.chat.type == "private")
async def invite_official(message: Message, access: AccessService) -> None:
    """cl. 5: a one-time link that makes its user a responsible official."""
    if not _is_admin(message, access):
        await message.answer(texts.ADMIN_ONLY)
        return
    assert message.from_user is not None and message.bot is not None
    token = await access.create_invite(message.from_user.id, Role.OFFICIAL)
    link = await create_start_link(message.bot, f"inv_{token}")
    await message.answer(texts.INVITE_OFFICIAL_CREATED.format(link=texts.esc(link)))


@router.message(Command("officials"), F.chat.type == "private")
async def officials(message: Message, access: AccessService) -> None:
    if not _is_admin(message, access):
        await message.answer(texts.ADMIN_ONLY)
        return
    await _people(message, await access.officials(), texts.OFFICIALS_TITLE, texts.OFFICIALS_EMPTY,
                  AdminOp.REMOVE_OFFICIAL)


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


@router.message(Command("backup"), F.chat.type == "private")
async def backup(message: Message, access: AccessService, backups: BackupService, tz: tzinfo) -> None:
    """A fresh backup, sent here as a document (or where it lies on the server if over 50 MB)."""
    if not _is_admin(message, access):
        await message.answer(texts.ADMIN_ONLY)
        return
    try:
        result = await backups.make()
    except Exception as exc:
        log.exception("/backup failed")
        await message.answer(texts.BACKUP_ERROR.format(error=texts.esc(f"{type(exc).__name__}: {exc}"[:300])))
        return
    fields = {"at": texts.esc(result.made_at.astimezone(tz).strftime("%d.%m.%Y %H:%M:%S")),
              "size": human_size(result.size), "cases": result.cases,
              "path": texts.esc(str(result.path.resolve()))}
    if result.size > backups.upload_limit:
        await message.answer(texts.BACKUP_TOO_BIG.format(**fields))
        return
    document = BufferedInputFile(await backups.content(result), filename=result.path.name)
    try:
        await message.answer_document(document, caption=texts.BACKUP_CAPTION.format(**fields))
    except TelegramEntityTooLarge:                   # the limit counts the whole request, not just the file
        await message.answer(texts.BACKUP_TOO_BIG.format(**fields))


async def _show_departments(message: Message, access: AccessService) -> None:
    items = await access.departments(include_archived=True)
    if not items:
        await message.answer(texts.DEPARTMENTS_EMPTY)
        return
    lines = [texts.DEPARTMENTS_TITLE] + [
        texts.DEPARTMENT_LINE.format(name=texts.esc(d.name), archived=texts.DEPARTMENT_ARCHIVED if d.archived else "",
                                     keywords=texts.esc(", ".join(d.keywords) or "—")) for d in items]
    await message.answer("\n".join(lines), reply_markup=keyboards.departments(items))


@router.callback_query(AdminCb.filter())
async def admin_buttons(callback: CallbackQuery, callback_data: AdminCb, access: AccessService,
                        state: FSMContext, actor: Actor | None) -> None:
    user_id = callback.from_user.id
    if not access.is_admin(user_id) or callback.message is None or callback.message.chat.type != "private":
        await callback.answer(texts.NO_ACCESS, show_alert=True)
        return
    op = callback_data.op
    removals = {  # who is removed: configured ids (kept), the removal, what is said
        AdminOp.REMOVE_OPERATOR: (access.operator_ids, access.remove_operator, texts.OPERATOR_FROM_SETTINGS,
                                  texts.OPERATOR_REMOVED),
        AdminOp.REMOVE_OFFICIAL: (access.official_ids, access.remove_official, texts.OFFICIAL_FROM_SETTINGS,
                                  texts.OFFICIAL_REMOVED),
    }
    if op in removals:
        configured, remove, from_settings, removed = removals[op]
        if callback_data.target in configured:
            await callback.answer(from_settings, show_alert=True)
            return
        await remove(user_id, callback_data.target)
        await callback.answer(removed)
        return
    dept = await access.department(callback_data.target)
    if dept is None:
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    if op in (AdminOp.ARCHIVE, AdminOp.RESTORE):
        await access.archive_department(user_id, dept.id, op == AdminOp.ARCHIVE)
        await callback.answer(texts.DEPARTMENT_SAVED)
        return
    await state.set_state(Prompt.rename_department if op == AdminOp.RENAME else Prompt.department_keywords)
    await state.update_data(department_id=dept.id)
    prompt = (texts.ASK_DEPARTMENT_NAME.format(name=texts.esc(dept.name)) if op == AdminOp.RENAME else
              texts.ASK_KEYWORDS.format(name=texts.esc(dept.name), keywords=texts.esc(", ".join(dept.keywords) or "—")))
    await callback.message.answer(prompt)
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
    await _show_departments(message, access)
