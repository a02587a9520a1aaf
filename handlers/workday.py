"""/workday (cl. 8: the head or an admin declares a date working), /dayoff, /workday_extra, /calendar."""

from __future__ import annotations

from datetime import date

from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Actor, Role
from bot.services.workdays import DAY_OFF, DECLARED, EXTRA_WORKING, FIELDS, WorkdayService, parse_day
from handlers.filters import DeploymentAdmin, HasRole
from handlers.spec import RouterSpec

router = RouterSpec("workday")


def _day_text(day: date) -> str:
    return day.strftime("%d.%m.%Y")


async def _day(message: Message, arg: str, usage: str) -> tuple[date, bool] | None:
    """``2026-12-05`` adds, ``-2026-12-05`` removes; anything else is answered with `usage` and gives None."""
    arg = arg.strip()
    try:
        return parse_day(arg.removeprefix("-").strip()), arg.startswith("-")
    except ValueError:
        await message.answer(texts.BAD_DATE.format(value=texts.esc(arg[:40])) + "\n" + usage)
        return None


@router.message(Command("workday"), HasRole(Role.HEAD, Role.ADMIN, Role.OPERATOR))
async def workday(message: Message, command: CommandObject, actor: Actor, workdays: WorkdayService) -> None:
    arg = (command.args or "").strip()
    if not arg:
        await workdays.refresh()
        days = workdays.declared()
        await message.answer(texts.WORKDAY_LIST.format(days="\n".join(f"• {_day_text(d)}" for d in days))
                             if days else texts.WORKDAY_LIST_EMPTY + "\n\n" + texts.WORKDAY_USAGE)
        return
    if not workdays.may_declare(actor):
        await message.answer(texts.WORKDAY_ONLY_HEAD)
        return
    if (parsed := await _day(message, arg, texts.WORKDAY_USAGE)) is None:
        return
    day, remove = parsed
    try:
        changed = await workdays.declare(actor, day, remove=remove)
    except AccessDenied:
        await message.answer(texts.WORKDAY_ONLY_HEAD)
        return
    except ValidationFailed as exc:
        await message.answer((texts.WORKDAY_PAST if exc.code == "date_in_past" else texts.WORKDAY_ALREADY)
                             .format(day=_day_text(day)))
        return
    except (OSError, ValueError) as exc:
        await message.answer(texts.CALENDAR_FILE_ERROR.format(error=texts.esc(str(exc)[:300])))
        return
    if remove:
        await message.answer((texts.WORKDAY_UNDECLARED if changed else texts.WORKDAY_NOT_DECLARED)
                             .format(day=_day_text(day)))
    else:
        await message.answer(texts.WORKDAY_DECLARED.format(day=_day_text(day)))


@router.message(Command("dayoff", "workday_extra", "calendar"), HasRole(Role.ADMIN), DeploymentAdmin())
async def calendar_edit(message: Message, command: CommandObject, actor: Actor, workdays: WorkdayService) -> None:
    arg = (command.args or "").strip()
    if command.command == "calendar" or not arg:
        await workdays.refresh()
        o = workdays.overrides()
        lines = [texts.CALENDAR_SHOW_LINE.format(
            what=texts.CALENDAR_WHAT[f],
            days=", ".join(_day_text(d) for d in sorted(getattr(o, f))) or texts.CALENDAR_SHOW_NONE)
            for f in FIELDS]
        where = texts.CALENDAR_IN_DATABASE if workdays.in_database else texts.esc(workdays.path.name)
        await message.answer(texts.CALENDAR_SHOW.format(path=where, items="\n".join(lines))
                             + "\n\n" + texts.CALENDAR_USAGE)
        return
    field = DAY_OFF if command.command == "dayoff" else EXTRA_WORKING
    if (parsed := await _day(message, arg, texts.CALENDAR_USAGE)) is None:
        return
    day, remove = parsed
    try:
        changed = await workdays.edit(actor, field, day, remove=remove)
    except (OSError, ValueError) as exc:
        await message.answer(texts.CALENDAR_FILE_ERROR.format(error=texts.esc(str(exc)[:300])))
        return
    what = texts.CALENDAR_WHAT[field]
    template = texts.CALENDAR_NOTHING if not changed else texts.CALENDAR_REMOVED if remove else texts.CALENDAR_SAVED
    await message.answer(template.format(what=what.capitalize() if not changed else what, day=_day_text(day)))


@router.message(Command("dayoff", "workday_extra", "calendar"))
async def calendar_not_admin(message: Message, actor: Actor | None) -> None:
    if actor is not None:
        await message.answer(texts.ADMIN_ONLY)


@router.message(Command("org_day_off"), HasRole(Role.ADMIN))
async def org_day_off(message: Message, command: CommandObject, actor: Actor, workdays: WorkdayService) -> None:
    """Issue 14 §1: a day off of the organisation the admin acts for, on top of the republic's calendar."""
    arg = (command.args or "").strip()
    org_id = actor.org_id if actor.org_id is not None else 0
    name, days = await workdays.org_days_off(org_id)
    if not arg:
        listed = (texts.ORG_DAY_OFF_LIST.format(org=texts.esc(name), days=", ".join(_day_text(d) for d in days))
                  if days else texts.ORG_DAY_OFF_NONE.format(org=texts.esc(name)))
        await message.answer(listed + "\n\n" + texts.ORG_DAY_OFF_USAGE)
        return
    if (parsed := await _day(message, arg, texts.ORG_DAY_OFF_USAGE)) is None:
        return
    day, remove = parsed
    try:
        changed = await workdays.org_day_off(actor, day, remove=remove)
    except (AccessDenied, ValidationFailed) as exc:      # a past day; no organisation to act for
        past = isinstance(exc, ValidationFailed) and exc.code == "date_in_past"
        await message.answer(texts.WORKDAY_PAST.format(day=_day_text(day)) if past else texts.ADMIN_ONLY)
        return
    template = ((texts.ORG_DAY_OFF_REMOVED if remove else texts.ORG_DAY_OFF_ADDED) if changed
                else texts.ORG_DAY_OFF_NOT_SET if remove else texts.ORG_DAY_OFF_ALREADY)
    await message.answer(template.format(day=_day_text(day), org=texts.esc(name)))


@router.message(Command("org_day_off"))
async def org_day_off_not_admin(message: Message, actor: Actor | None) -> None:
    if actor is not None:
        await message.answer(texts.ADMIN_ONLY)


__all__ = ["router", "DECLARED"]
