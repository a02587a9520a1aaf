"""Operators: the buttons of a case card and of a draft for approval, one handler per action (cl. 9, 14, 17, 21).

Each handler loads the case first, so a forged case id is answered «not found» before anything is recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import tzinfo

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.domain.actions import check_detection
from bot.domain.errors import DomainError, InvalidTransition
from bot.domain.model import Actor, Case, Draft, DraftKind, Status
from bot.domain.transitions import Action, allowed
from bot.services.access import AccessService
from bot.services.cases import CaseService
from bot.services.surges import IncidentService
from deadlines.rules import Deadlines
from handlers import keyboards, render
from handlers.callbacks import CaseCb, Op, SurgeCb, SurgeOp, kind_at
from handlers.filters import OPERATOR_ROLES, ButtonMessage, HasRole
from handlers.operator_prompts import term_set
from handlers.spec import RouterSpec
from handlers.states import Prompt, ask
from handlers.transfers import history_text

router = RouterSpec("operator_case")
router.filter("callback_query", HasRole(*OPERATOR_ROLES))


async def _prompt(callback: CallbackQuery, message: Message, state: FSMContext, prompt: State, case_id: int,
                  text: str, **data: str) -> None:
    await ask(state, prompt, case_id, **data)
    await message.answer(text)
    await callback.answer()


async def _allowed(cases: CaseService, case_id: int, actor: Actor, action: Action) -> Case:
    """The case, if the transition table lets `actor` take `action` on it now: asked before a prompt or a choice,
    the use case checks again when the answer comes."""
    case = await cases.get(case_id, scope=actor.scope)
    if not allowed(action, case.status, actor.role):
        raise InvalidTransition()
    return case


# ---- routing (cl. 9, 10) -------------------------------------------------------------------------

@router.callback_query(CaseCb.on(Op.TOGGLE), ButtonMessage())
async def toggle(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor, cases: CaseService,
                 access: AccessService) -> None:
    case_id = callback_data.case_id
    case = await cases.get(case_id, scope=actor.scope)
    chosen = await cases.toggle_selection(case_id, actor, callback_data.arg)
    depts = await access.suggest(case.text, org_id=case.org_id)
    await message.edit_reply_markup(reply_markup=keyboards.operator_card(case, depts, chosen,
                                                                         transfer=await cases.several_orgs()))
    await callback.answer()


@router.callback_query(CaseCb.on(Op.ROUTE))
async def route(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService) -> None:
    case_id = callback_data.case_id
    await cases.get(case_id, scope=actor.scope)
    chosen = await cases.selection(case_id)
    if not chosen:
        await callback.answer(texts.SELECT_DEPARTMENT_FIRST, show_alert=True)
        return
    case = await cases.route(case_id, actor, sorted(chosen))
    await callback.answer(texts.ROUTED.format(
        departments=", ".join(a.department_name for a in case.active_assignments))[:200])


@router.callback_query(CaseCb.on(Op.DETECTED), ButtonMessage())
async def detected(callback: CallbackQuery, callback_data: CaseCb, message: Message, state: FSMContext,
                   actor: Actor, cases: CaseService) -> None:
    check_detection(await cases.get(callback_data.case_id, scope=actor.scope), actor)
    await _prompt(callback, message, state, Prompt.detected, callback_data.case_id, texts.ASK_DETECTED)


# ---- marks and terms (cl. 1, 9, 21) --------------------------------------------------------------

@router.callback_query(CaseCb.on(Op.URGENT))
async def urgent(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService) -> None:
    case = await cases.get(callback_data.case_id, scope=actor.scope)
    case = await cases.set_urgent(callback_data.case_id, actor, not case.urgent)
    await callback.answer(texts.URGENT_ON if case.urgent else texts.URGENT_OFF)


@router.callback_query(CaseCb.filter((F.op == Op.TERM) & (F.arg == 0)), ButtonMessage())
async def answer_terms(callback: CallbackQuery, callback_data: CaseCb, message: Message, cases: CaseService,
                       deadlines: Deadlines, actor: Actor) -> None:
    case = await cases.get(callback_data.case_id, scope=actor.scope)
    await message.answer(
        texts.ASK_ANSWER_TERM.format(
            number=case.number,
            current=deadlines.answer_term(urgent=case.urgent, answer_minutes=case.answer_minutes)),
        reply_markup=keyboards.answer_terms(case))
    await callback.answer()


@router.callback_query(CaseCb.filter((F.op == Op.TERM) & (F.arg != 0)))
async def answer_term(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService,
                      tz: tzinfo) -> None:
    await cases.get(callback_data.case_id, scope=actor.scope)
    case = await cases.set_answer_term(callback_data.case_id, actor, callback_data.arg)
    await callback.answer(term_set(case, tz))


@router.callback_query(CaseCb.on(Op.TERM_MINUTES), ButtonMessage())
async def answer_term_minutes(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                              state: FSMContext, cases: CaseService, deadlines: Deadlines) -> None:
    case = await _allowed(cases, callback_data.case_id, actor, Action.SET_ANSWER_TERM)
    await _prompt(callback, message, state, Prompt.answer_minutes, callback_data.case_id,
                  texts.ASK_TERM_MINUTES.format(number=case.number, limit=deadlines.longest_own_answer_term))


CaseChange = Callable[[CaseService, int, Actor], Awaitable[object]]


def _change(op: Op, change: CaseChange, done: str, *, drop_buttons: bool = False) -> None:
    """The button of one action that only changes the case and says so; `drop_buttons`: the buttons of the
    message it was pressed under go (they offer a choice just made)."""
    async def on_press(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService,
                       message: Message | None = None) -> None:
        await cases.get(callback_data.case_id, scope=actor.scope)
        await change(cases, callback_data.case_id, actor)
        if message is not None:
            await message.edit_reply_markup(reply_markup=None)
        await callback.answer(done)

    on_press.__name__ = on_press.__qualname__ = op.name.lower()
    router.callback_query(CaseCb.on(op), *([ButtonMessage()] if drop_buttons else []))(on_press)


_change(Op.SIGNIFICANT, CaseService.mark_significant, texts.SIGNIFICANT_SENT)
_change(Op.FZ59, CaseService.exclude, texts.EXCLUDED)
_change(Op.DISMISS, CaseService.dismiss, texts.DISMISSED)
_change(Op.REOPEN, CaseService.reopen, texts.REOPENED)
_change(Op.NO_REPLY, CaseService.close_no_reply, texts.CLOSED_NO_REPLY_DONE, drop_buttons=True)
_change(Op.ANYWAY, CaseService.answer_anyway, texts.ANSWER_ANYWAY_DONE, drop_buttons=True)


@router.callback_query(CaseCb.on(Op.HISTORY), ButtonMessage())
async def history(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                  cases: CaseService, tz: tzinfo) -> None:
    case = await cases.get(callback_data.case_id, scope=actor.scope)
    for part in render.chunk((await history_text(cases, case, actor, tz)).split("\n")):
        await message.answer(part)
    await callback.answer()


# ---- departments of a case (cl. 12, 17) ----------------------------------------------------------

@router.callback_query(CaseCb.on(Op.ADD), ButtonMessage())
async def choose_department(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                            cases: CaseService, access: AccessService) -> None:
    """➕ Добавить отдел: the departments not yet working on the case, as buttons (cl. 17)."""
    case = await _allowed(cases, callback_data.case_id, actor, Action.ADD_DEPARTMENT)
    markup = keyboards.add_department(case, await access.departments(org_id=case.org_id))
    if not markup.inline_keyboard:
        await callback.answer(texts.NO_DEPARTMENTS_TO_ADD, show_alert=True)
        return
    await message.answer(texts.ASK_ADD_DEPARTMENT.format(number=case.number), reply_markup=markup)
    await callback.answer()


@router.callback_query(CaseCb.on(Op.ADD_DEPT))
async def add_department(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService) -> None:
    await cases.get(callback_data.case_id, scope=actor.scope)
    case = await cases.add_department(callback_data.case_id, actor, callback_data.arg)
    added = case.assignment(callback_data.arg)
    await callback.answer(texts.DEPARTMENT_ADDED.format(name=added.department_name if added else "")[:200])


@router.callback_query(CaseCb.on(Op.WITHDRAW))
async def withdraw(callback: CallbackQuery, callback_data: CaseCb, actor: Actor, cases: CaseService) -> None:
    case = await cases.get(callback_data.case_id, scope=actor.scope)
    gone = case.assignment(callback_data.arg)
    await cases.withdraw(callback_data.case_id, actor, callback_data.arg)
    await callback.answer(texts.DEPARTMENT_WITHDRAWN.format(name=gone.department_name if gone else "")[:200])


# ---- the answer: composed by the operator, the author's reply, a draft approved or returned (cl. 14, 17) --

@router.callback_query(CaseCb.on(Op.COMPOSE), ButtonMessage())
async def compose(callback: CallbackQuery, callback_data: CaseCb, message: Message, cases: CaseService,
                  actor: Actor) -> None:
    case = await cases.get(callback_data.case_id, scope=actor.scope)
    await message.answer(texts.ASK_COMPOSE_KIND.format(number=case.number),
                         reply_markup=keyboards.draft_kinds(case, final_only=case.status == Status.AWAITING_FINAL,
                                                            compose=True))
    await callback.answer()


@router.callback_query(CaseCb.on(Op.COMPOSE_KIND), ButtonMessage())
async def compose_kind(callback: CallbackQuery, callback_data: CaseCb, message: Message, state: FSMContext,
                       cases: CaseService, actor: Actor) -> None:
    case = await cases.get(callback_data.case_id, scope=actor.scope)
    kind = kind_at(callback_data.arg)
    await _prompt(callback, message, state, Prompt.compose, callback_data.case_id,
                  texts.ASK_COMPOSE_TEXT.format(kind=texts.KIND[kind], number=case.number), kind=kind)


@router.callback_query(CaseCb.on(Op.AUTHOR), ButtonMessage())
async def author_reply(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                       state: FSMContext, cases: CaseService) -> None:
    case = await _allowed(cases, callback_data.case_id, actor, Action.AUTHOR_REPLY)
    await _prompt(callback, message, state, Prompt.author_reply, callback_data.case_id,
                  texts.ASK_AUTHOR_REPLY.format(number=case.number))


async def _pending(callback: CallbackQuery, data: CaseCb, actor: Actor,
                   cases: CaseService) -> tuple[Case, Draft] | None:
    """The case and the draft the button decides on, if it still waits for the decision; a stale press is
    refused."""
    case = await cases.get(data.case_id, scope=actor.scope)
    pending = case.pending_draft
    if pending is None or pending.id != data.arg:
        await cases.refuse(actor, data.case_id, "decision", DomainError("stale"), {"draft_id": data.arg})
        await callback.answer(texts.BUTTON_STALE, show_alert=True)
        return None
    return case, pending


@router.callback_query(CaseCb.on(Op.APPROVE), ButtonMessage())
async def approve(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                  cases: CaseService) -> None:
    decided = await _pending(callback, callback_data, actor, cases)
    if decided is None:
        return
    case, pending = decided
    changed = (await cases.approve(callback_data.case_id, actor)).members
    await message.edit_reply_markup(reply_markup=None)
    if changed:
        ready = (texts.INCIDENT_INTERMEDIATE_READY if pending.kind == DraftKind.INTERMEDIATE
                 else texts.INCIDENT_ANSWER_READY)
        await message.answer(ready.format(
            lead=case.number, numbers=", ".join([case.number] + [c.number for c in changed])))
    await callback.answer(texts.APPROVED_DONE)


@router.callback_query(CaseCb.on(Op.RETURN), ButtonMessage())
async def return_draft(callback: CallbackQuery, callback_data: CaseCb, message: Message, actor: Actor,
                       state: FSMContext, cases: CaseService) -> None:
    decided = await _pending(callback, callback_data, actor, cases)
    if decided is None:
        return
    case, _ = decided
    await _prompt(callback, message, state, Prompt.return_comment, callback_data.case_id,
                  texts.ASK_RETURN_COMMENT.format(number=case.number))


@router.callback_query(SurgeCb.filter(F.op == SurgeOp.MERGE), ButtonMessage())
async def merge_surge(callback: CallbackQuery, callback_data: SurgeCb, message: Message, actor: Actor,
                      incidents: IncidentService) -> None:
    """cl. 21: the posts of a surge become one incident — one answer, published under every post."""
    incident = await incidents.merge_surge(actor, callback_data.surge_id)
    numbers = await incidents.numbers(incident.case_ids)
    lead = (await incidents.numbers([incident.lead_case_id]))[0]
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(texts.INCIDENT_MERGED.format(numbers=", ".join(numbers), lead=lead))
    await callback.answer()
