"""Transfers between organisations (issue 14 §5): «Передать в другую организацию» (an operator of the case's
organisation or the coordinator) — the organisation with buttons, then the reason as text; «Вернуть (не наша
компетенция)» on a case received by transfer — the reason as text. One handler per action.

Forged data (another organisation's case, an archived or own organisation, a case not received by transfer) is
answered like a missing case; a non-text message in place of a reason is told so and the prompt waits on."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.domain.actions import check
from bot.domain.errors import DomainError
from bot.domain.model import Actor, Case, Role
from bot.domain.transfers import MAX_REASON, check_target, clean_reason
from bot.domain.transitions import Action
from bot.services.cases import CaseService
from handlers import keyboards, render
from handlers.callbacks import CaseCb, Op
from handlers.filters import ButtonMessage, HasRole
from handlers.spec import RouterSpec
from handlers.states import Prompt, answered, ask

TRANSFER_ROLES = (Role.OPERATOR, Role.ADMIN, Role.COORDINATOR)

router = RouterSpec("transfers")
router.filter("callback_query", HasRole(*TRANSFER_ROLES))
router.filter("message", HasRole(*TRANSFER_ROLES))


async def _own_case(cases: CaseService, case_id: int, actor: Actor) -> Case:
    """The case if it is the actor's organisation's (any for the coordinator); else «not found»."""
    case = await cases.get(case_id, scope=actor.scope)
    cases.own_case(case, actor)
    return case


@router.message(StateFilter(Prompt.transfer_reason, Prompt.transfer_refusal), Command("cancel"))
async def cancel(message: Message, state: FSMContext) -> None:
    """/cancel of the coordinator (the operators' /cancel is handlers/common.py's); before the reason
    handlers, which would take it for a reason."""
    await state.clear()
    await message.answer(texts.CANCELLED)


async def _reason_ok(message: Message, reason: str) -> bool:
    """A reason too long (or blank) is told so and the prompt waits for another."""
    try:
        clean_reason(reason)
    except DomainError as e:
        await message.answer(texts.error_text(e.code, **e.details))
        return False
    return True


@router.callback_query(CaseCb.on(Op.TRANSFER), ButtonMessage())
async def choose_org(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                     cases: CaseService) -> None:
    case = await _own_case(cases, callback_data.case_id, actor)
    check(case, Action.TRANSFER, actor)
    orgs = await cases.transfer_targets(callback_data.case_id, actor)
    if not orgs:
        await callback.answer(texts.NO_TRANSFER_ORGS, show_alert=True)
        return
    await message.answer(texts.ASK_TRANSFER_ORG.format(number=case.number),
                         reply_markup=keyboards.transfer_orgs(case, [(o.id, o.name) for o in orgs]))
    await callback.answer()


@router.callback_query(CaseCb.on(Op.TRANSFER_TO), ButtonMessage())
async def chosen_org(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                     state: FSMContext, cases: CaseService) -> None:
    case = await _own_case(cases, callback_data.case_id, actor)
    check(case, Action.TRANSFER, actor)
    orgs = {o.id: o for o in await cases.transfer_targets(callback_data.case_id, actor)}
    check_target(case.org_id, callback_data.arg, set(orgs))
    await ask(state, Prompt.transfer_reason, callback_data.case_id, org_id=str(callback_data.arg))
    await message.answer(texts.ASK_TRANSFER_REASON.format(number=case.number, org=texts.esc(orgs[callback_data.arg].name),
                                                          limit=MAX_REASON))
    await callback.answer()


@router.message(Prompt.transfer_reason, F.text)
async def transfer_reason(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    data = await state.get_data()
    org_id, reason = int(data["org_id"]), message.text or ""
    if not await _reason_ok(message, reason):
        return
    done = await cases.transfer(await answered(state), actor, org_id, reason)
    template = texts.TRANSFER_JOINED_DONE if done.joined else texts.TRANSFER_DONE
    await message.answer(template.format(number=done.case.number, org=texts.esc(done.to_org.name),
                                         to_number=done.received.number))


@router.callback_query(CaseCb.on(Op.REFUSE_TRANSFER), ButtonMessage())
async def refuse(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                 state: FSMContext, cases: CaseService) -> None:
    case = await _own_case(cases, callback_data.case_id, actor)
    check(case, Action.REFUSE_TRANSFER, actor)
    if not await cases.received_by_transfer(case):
        raise DomainError("not_received_by_transfer")
    origins = await cases.origins(case, actor)
    await ask(state, Prompt.transfer_refusal, callback_data.case_id)
    await message.answer(texts.ASK_REFUSE_TRANSFER.format(number=case.number, limit=MAX_REASON,
                                                          org=texts.esc(origins[-1].org_name if origins else "")))
    await callback.answer()


@router.message(Prompt.transfer_refusal, F.text)
async def refusal_reason(message: Message, state: FSMContext, actor: Actor, cases: CaseService) -> None:
    reason = message.text or ""
    if not await _reason_ok(message, reason):
        return
    case_id = await answered(state)
    case = await cases.get(case_id, scope=actor.scope)
    giver = await cases.refuse_transfer(case_id, actor, reason)
    org = await cases.org_name(giver.org_id)
    await message.answer(texts.TRANSFER_REFUSE_DONE.format(number=case.number, org=texts.esc(org),
                                                           from_number=giver.number))


@router.message(StateFilter(Prompt.transfer_reason, Prompt.transfer_refusal))
async def reason_needs_text(message: Message) -> None:
    """A photo, a sticker, a voice message in place of the reason: said so, the prompt waits on."""
    await message.answer(texts.TRANSFER_EXPECTS_TEXT)


async def history_text(cases: CaseService, case: Case, actor: Actor, tz: tzinfo) -> str:
    """The case's history; a case received by transfer lists each giver's events first, under
    «В организации …»."""
    parts = []
    for origin in await cases.origins(case, actor):
        parts.append(texts.HISTORY_IN_ORG.format(org=texts.esc(origin.org_name), number=origin.number))
        parts.append(render.history(origin.events, tz).removeprefix(texts.HISTORY_TITLE).lstrip("\n"))
    assert case.id is not None
    parts.append(render.history(await cases.history(case.id), tz))
    return "\n".join(p for p in parts if p)
