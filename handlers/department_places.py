"""/dept_places (issue 16): the admins give departments places (a street's management company, a settlement's
own administration); the operator's card then suggests those departments first for posts about them."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.domain.errors import ValidationFailed
from bot.domain.model import Actor, Role
from bot.services.access import AccessService
from bot.services.place_index import PlaceIndex
from handlers.filters import HasRole
from handlers.org_choice import org_command, run_for_org
from handlers.render import chunk
from handlers.spec import RouterSpec

router = RouterSpec("department_places")


@router.message(Command("dept_places"), F.chat.type == "private", HasRole(Role.ADMIN))
async def department_places(message: Message, command: CommandObject, actor: Actor, **data: Any) -> None:
    """The places of the departments of the admin's organisation (asked which one by an admin of several)."""
    await run_for_org(message, actor.user_id, "dept_places", command.args or "", data)


@org_command("dept_places")
async def _department_places_for(message: Message, user_id: int, org_id: int, args: str,
                                 data: dict[str, Any]) -> None:
    """Without arguments: each department's places and how to set them; «Отдел: места» sets them."""
    access: AccessService = data["access"]
    place_index: PlaceIndex = data["place_index"]
    args = args.strip()
    departments = await access.departments(org_id=org_id)
    if not args:
        places = await place_index.department_places(org_id)
        lines = [texts.DEPT_PLACES_TITLE] + [
            texts.DEPT_PLACES_LINE.format(name=texts.esc(d.name), places=texts.esc(
                "; ".join(p.label for p in places.get(d.id, [])) or "—")) for d in departments]
        for part in chunk([*lines, "", texts.DEPT_PLACES_USAGE]):
            await message.answer(part)
        return
    name, colon, spec = args.partition(":")
    if not colon or not spec.strip():
        await message.answer(texts.DEPT_PLACES_USAGE)
        return
    dept = next((d for d in departments if d.name.casefold() == " ".join(name.split()).casefold()), None)
    if dept is None:
        await message.answer(texts.DEPT_PLACES_NO_DEPARTMENT.format(name=texts.esc(name.strip()[:64])))
        return
    try:
        saved = await place_index.set_department_places(user_id, dept.id, spec, org_id=org_id)
    except ValidationFailed as exc:
        await message.answer(texts.DEPT_PLACES_NOT_RECOGNISED.format(place=texts.esc(str(exc.details.get("place", "")))))
        return
    await message.answer(texts.DEPT_PLACES_SAVED.format(name=texts.esc(dept.name), places=texts.esc(
        "; ".join(p.label for p in saved) or "—")))


@router.message(Command("dept_places"), F.chat.type == "private")
async def not_admin(message: Message) -> None:
    await message.answer(texts.ADMIN_ONLY)
