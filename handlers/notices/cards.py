"""Cards: the operator's card of a new case, the department's card, and their refresh after each change."""

from __future__ import annotations

from bot import texts
from bot.delivery.outgoing import Album, Edit, Outgoing, PermanentFailure, Text
from bot.domain.model import Case, Status
from bot.domain.notices import FromCase, Notice
from handlers import keyboards, render
from handlers.notices.base import Deps, Remember, target


async def intake_card(d: Deps, case: Case, n: Notice[FromCase]) -> list[Outgoing]:
    """cl. 9: the card of a case just registered, in the chat the post came in."""
    depts = await d.access.suggest(case.text, org_id=case.org_id)
    same = await d.same_address(case)
    card = render.case_card(case, d.clock.now(), d.tz) + render.same_address(same)
    if not depts:
        card += "\n" + texts.NO_DEPARTMENTS_BOUND
    markup = keyboards.operator_card(case, depts, set(), same, transfer=await d.cases.several_orgs())
    return [Text(target(n), card, markup, Remember("card"))]


async def case_routed(d: Deps, case: Case, n: Notice[FromCase]) -> list[Outgoing]:
    dept = target(n)
    chat_id = await d.department_chat(dept)
    card = render.case_card(case, d.clock.now(), d.tz, header=dept_header(d, case, dept))
    return [*([Album(chat_id, tuple(case.media))] if case.media else []),
            Text(chat_id, card, keyboards.department_card(case, dept), Remember("department_card", dept))]


async def card_refresh(d: Deps, case: Case, n: Notice[FromCase]) -> list[Outgoing]:
    now = d.clock.now()
    lead = await d.cases.lead(case)
    out: list[Outgoing] = []
    if case.operator_chat_id and case.operator_card_id:
        depts = await d.access.suggest(case.text, org_id=case.org_id) if case.is_open else []
        same = await d.same_address(case)
        card = render.case_card(case, now, d.tz, lead=lead) + render.same_address(same)
        if case.status == Status.TRANSFERRED:       # issue 14 §5: where it went
            card += texts.CARD_TRANSFERRED_TO.format(org=texts.esc(await d.cases.transferred_to(case) or ""))
        out.append(Edit(case.operator_chat_id, case.operator_card_id, card,
                        keyboards.operator_card(case, depts, await d.cases.selection(case.id or 0), same,
                                                transfer=await d.cases.several_orgs())))
    for a in case.assignments:
        if a.card_message_id is None:
            continue
        try:
            chat_id = await d.department_chat(a.department_id)
        except PermanentFailure:
            continue
        card = render.case_card(case, now, d.tz, header=dept_header(d, case, a.department_id), lead=lead)
        out.append(Edit(chat_id, a.card_message_id, card, keyboards.department_card(case, a.department_id)))
    return out


def dept_header(d: Deps, case: Case, department_id: int) -> str:
    """"Вам направлено сообщение…" stays on the department's card while it has to accept or decline."""
    decline = case.open_deadline("decline", department_id)
    inherited = render.inherited_note(case, department_id, d.clock.now(), d.tz, d.cases.deadlines)
    if decline is None:
        return inherited
    header = texts.DEPT_CARD_HEADER.format(due=texts.when(decline.due_at.astimezone(d.tz)))
    return header + ("\n" + inherited if inherited else "")
