"""cl. 8 per case: the head (in the head's chat), the responsible official or an admin decides to work on one case
outside working hours."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F
from aiogram.types import CallbackQuery

from bot import texts
from bot.domain.errors import AccessDenied
from bot.domain.model import Actor
from bot.domain.workflow import Action
from bot.runtime.clock import Clock
from bot.services.cases import CaseService
from deadlines.rules import Deadlines
from handlers import keyboards
from handlers.callbacks import CaseCb, Op
from handlers.spec import RouterSpec

# Whoever may decide is the transition table's business (Action.WORK_OFF_HOURS: the head, the official, an admin); anyone
# else who presses a forwarded or forged button is refused by the domain, audited, and told so.
router = RouterSpec("terms")

UNTIL_CLOSED, UNTIL_OPENING = 1, 2


@router.callback_query(CaseCb.filter(F.op == Op.OFF_HOURS))
async def off_hours(callback: CallbackQuery, callback_data: CaseCb, actor: Actor | None, cases: CaseService,
                    clock: Clock, tz: tzinfo, deadlines: Deadlines) -> None:
    if actor is None:
        await callback.answer(texts.NO_ACCESS, show_alert=True)
        return
    case = await cases.get(callback_data.case_id)
    choice = callback_data.arg
    if choice == 0:
        if keyboards.off_hours(case, actor.role) is None:
            error = AccessDenied(action=Action.WORK_OFF_HOURS.value, role=actor.role.value)
            await cases.refuse(actor, case.id, "off_hours_declared", error)
            raise error
        if callback.message is not None:
            await callback.message.answer(texts.ASK_OFF_HOURS.format(number=case.number),  # type: ignore[union-attr]
                                          reply_markup=keyboards.off_hours_choices(case))
        await callback.answer()
        return
    if choice not in (UNTIL_CLOSED, UNTIL_OPENING):
        await cases.refuse(actor, case.id, "off_hours_declared", AccessDenied("stale"), {"arg": choice})
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return
    until = None if choice == UNTIL_CLOSED else deadlines.calendar.next_day_opening(clock.now())
    case = await cases.work_off_hours(case.id or 0, actor, until)
    if callback.message is not None:
        await callback.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
    shown = texts.CARD_OFF_HOURS_CLOSED if until is None else texts.CARD_OFF_HOURS_UNTIL.format(
        until=texts.when(until.astimezone(tz)))
    await callback.answer(texts.OFF_HOURS_SET.format(number=case.number, until=shown))


@router.callback_query(CaseCb.filter(F.op == Op.WORKING_HOURS))
async def end_off_hours(callback: CallbackQuery, callback_data: CaseCb, actor: Actor | None, cases: CaseService,
                        tz: tzinfo) -> None:
    """☀️ Вернуть рабочее время: the decision ends now; a forged press is refused by the domain (audited)."""
    if actor is None:
        await callback.answer(texts.NO_ACCESS, show_alert=True)
        return
    case = await cases.end_off_hours(callback_data.case_id, actor)
    if callback.message is not None:
        await callback.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
    answer = case.open_deadline("answer") or case.open_deadline("final")
    due = texts.when(answer.due_at.astimezone(tz) if answer else None)
    await callback.answer(texts.OFF_HOURS_ENDED.format(number=case.number, due=due))
