"""/places (issue 16): the admins list, add and remove the district's settlements and streets."""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.domain.errors import ValidationFailed
from bot.domain.model import Actor, Role
from bot.domain.place_data import PlacesData
from bot.services.places import PlacesService
from handlers.filters import HasRole
from handlers.org_choice import org_command, run_for_org
from handlers.render import chunk
from handlers.spec import RouterSpec

router = RouterSpec("places")

ADD = frozenset({"add", "добавить", "+"})
REMOVE = frozenset({"remove", "del", "delete", "убрать", "удалить", "-"})


@router.message(Command("places"), F.chat.type == "private", HasRole(Role.ADMIN))
async def places(message: Message, command: CommandObject, actor: Actor, **data: Any) -> None:
    """The places of the admin's organisation (asked which one by an admin of several)."""
    await run_for_org(message, actor.user_id, "places", command.args or "", data)


@org_command("places")
async def _places_for(message: Message, user_id: int, org_id: int, args: str, data: dict[str, Any]) -> None:
    places: PlacesService = data["places"]
    action, _, rest = args.strip().partition(" ")
    if not action:
        for part in chunk(_listing(await places.data(org_id))):
            await message.answer(part)
        return
    if action.lower() not in ADD | REMOVE:
        await message.answer(texts.PLACES_UNKNOWN_ACTION.format(action=texts.esc(action[:32])))
        return
    try:
        if action.lower() in ADD:
            change, done = await places.add(user_id, rest, org_id=org_id), texts.PLACE_ADDED
        else:
            change, done = await places.remove(user_id, rest, org_id=org_id), texts.PLACE_REMOVED
    except ValidationFailed as exc:
        await message.answer(texts.PLACES_ERRORS[exc.code].format(
            **{k: texts.esc(str(v)) for k, v in exc.details.items()}))
        return
    await message.answer(done.format(type=texts.esc(change.type), name=texts.esc(change.name)))


def _listing(data: PlacesData) -> list[str]:
    lines = [texts.PLACES_TITLE, "", texts.PLACES_SETTLEMENTS.format(count=len(data.settlements))]
    for s in data.settlements:
        aliases = texts.PLACES_ALIASES.format(aliases=texts.esc("», «".join(s.aliases))) if s.aliases else ""
        lines.append(texts.PLACES_LINE.format(type=texts.esc(s.type), name=texts.esc(s.name))
                     + (texts.PLACES_ADDED_MARK if s.added else "") + aliases)
    lines.append("")
    if data.streets:
        lines.append(texts.PLACES_STREETS.format(count=len(data.streets)))
        lines += [texts.PLACES_LINE.format(type=texts.esc(s.type), name=texts.esc(s.name)) for s in data.streets]
    else:
        lines.append(texts.PLACES_STREETS_NONE)
    return [*lines, "", texts.PLACES_USAGE]


@router.message(Command("places"), F.chat.type == "private")
async def places_not_admin(message: Message) -> None:
    await message.answer(texts.ADMIN_ONLY)
