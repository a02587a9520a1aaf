"""Notices to a department's chat: a returned or approved draft, the author's reply, a new answer term."""

from __future__ import annotations

from bot import texts
from bot.delivery.outgoing import Outgoing, Text
from bot.domain.model import Case
from bot.domain.notices import FromCase, Notice, OfDraft, Words
from handlers import keyboards, render
from handlers.notices.base import Deps, Remember, target


async def draft_returned(d: Deps, case: Case, n: Notice[OfDraft]) -> list[Outgoing]:
    dept = target(n)
    chat_id = await d.department_chat(dept)
    draft = next((x for x in case.drafts if x.id == n.payload.draft_id), None)
    rework = case.open_deadline("rework", dept)
    due = texts.when(rework.due_at.astimezone(d.tz) if rework else None)
    text = render.fit(lambda t: texts.RETURNED_TO_DEPT.format(number=case.number, comment=t, due=due),
                      draft.comment if draft and draft.comment else "", texts.MESSAGE_LIMIT)
    return [Text(chat_id, text, keyboards.department_card(case, dept), Remember("returned"))]


async def draft_approved(d: Deps, case: Case, n: Notice[OfDraft]) -> list[Outgoing]:
    dept = target(n)
    chat_id = await d.department_chat(dept)
    publish = case.open_deadline("publish", dept)
    draft = next((x for x in case.drafts if x.id == n.payload.draft_id), None)
    due = texts.when(publish.due_at.astimezone(d.tz) if publish else None)
    text = render.fit(lambda t: texts.APPROVED_TO_DEPT.format(number=case.number, due=due, text=t),
                      draft.text if draft else "", texts.MESSAGE_LIMIT)
    return [Text(chat_id, text, remember=Remember("approved"))]


async def author_replied(d: Deps, case: Case, n: Notice[Words]) -> list[Outgoing]:
    dept = target(n)
    chat_id = await d.department_chat(dept)
    text = render.fit(lambda t: texts.AUTHOR_REPLIED_TO_DEPT.format(number=case.number, text=t), n.payload.text,
                      texts.MESSAGE_LIMIT)
    return [Text(chat_id, text, keyboards.department_card(case, dept), Remember("author_reply"))]


async def answer_anyway(d: Deps, case: Case, n: Notice[FromCase]) -> list[Outgoing]:
    dept = target(n)
    chat_id = await d.department_chat(dept)
    return [Text(chat_id, texts.ANSWER_ANYWAY_TO_DEPT.format(number=case.number),
                 keyboards.department_card(case, dept), Remember("answer_anyway"))]


async def term_changed(d: Deps, case: Case, n: Notice[FromCase]) -> list[Outgoing]:
    """cl. 9: the operator shortened the answer term — a new message to the department, not an edit."""
    dept = target(n)
    a = case.assignment(dept)
    if a is None or not a.active or not case.is_open:
        return []
    chat_id = await d.department_chat(dept)
    answer = case.open_deadline("answer")
    draft = case.open_deadline("draft", dept)
    text = texts.TERM_CHANGED_TO_DEPT.format(
        number=case.number, answer=texts.when(answer.due_at.astimezone(d.tz) if answer else None),
        draft=texts.when(draft.due_at.astimezone(d.tz) if draft else None))
    return [Text(chat_id, text, remember=Remember("term_changed"))]
