"""cl. 8 per case: the head (in the head's chat), the responsible official or an admin decides to work on one case
outside working hours."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.domain.errors import AccessDenied
from bot.domain.model import Actor, Role
from bot.domain.workflow import Action
from bot.runtime.clock import Clock
from bot.services.cases import CaseService
from deadlines.rules import Deadlines
from handlers import keyboards
from handlers.callbacks import CaseCb, Op
from handlers.filters import ButtonMessage, HasRole
from handlers.spec import RouterSpec

# Whoever may decide is the transition table's business (Action.WORK_OFF_HOURS: the head, the official, an admin); anyone
# else who presses a forwarded or forged button is refused by the domain, audited, and told so. A stranger's press
# reaches the last resort (handlers/common.py): «Нет доступа.»
router = RouterSpec("terms")
router.filter("callback_query", HasRole(*Role))

UNTIL_CLOSED, UNTIL_OPENING = 1, 2


@router.callback_query(CaseCb.filter((F.op == Op.OFF_HOURS) & (F.arg == 0)), ButtonMessage())
async def off_hours_choices(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                            cases: CaseService) -> None:
    case = await cases.get(callback_data.case_id, scope=actor.scope)
    if keyboards.off_hours(case, actor.role) is None:
        error = AccessDenied(action=Action.WORK_OFF_HOURS.value, role=actor.role.value)
        await cases.refuse(actor, case.id, "off_hours_declared", error)
        raise error
    await message.answer(texts.ASK_OFF_HOURS.format(number=case.number), reply_markup=keyboards.off_hours_choices(case))
    await callback.answer()


@router.callback_query(CaseCb.filter((F.op == Op.OFF_HOURS) & (F.arg != 0)), ButtonMessage())
async def off_hours(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                    cases: CaseService, clock: Clock, tz: tzinfo, deadlines: Deadlines) -> None:
    case = await cases.get(callback_data.case_id, scope=actor.scope)
    choice = callback_data.arg
    if choice not in (UNTIL_CLOSED, UNTIL_OPENING):
        await cases.refuse(actor, case.id, "off_hours_declared", AccessDenied("stale"), {"arg": choice})
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    until = None if choice == UNTIL_CLOSED else deadlines.calendar.next_day_opening(clock.now())
    case = await cases.work_off_hours(case.id or 0, actor, until)
    await message.edit_reply_markup(reply_markup=None)
    shown = texts.CARD_OFF_HOURS_CLOSED if until is None else texts.CARD_OFF_HOURS_UNTIL.format(
        until=texts.when(until.astimezone(tz)))
    await callback.answer(texts.OFF_HOURS_SET.format(number=case.number, until=shown))


@router.callback_query(CaseCb.on(Op.WORKING_HOURS), ButtonMessage())
async def end_off_hours(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                        cases: CaseService, tz: tzinfo) -> None:
    """☀️ Вернуть рабочее время: the decision ends now; a forged press is refused by the domain (audited)."""
    case = await cases.end_off_hours(callback_data.case_id, actor)
    await message.edit_reply_markup(reply_markup=None)
    answer = case.open_deadline("answer") or case.open_deadline("final")
    due = texts.when(answer.due_at.astimezone(tz) if answer else None)
    await callback.answer(texts.OFF_HOURS_ENDED.format(number=case.number, due=due))
