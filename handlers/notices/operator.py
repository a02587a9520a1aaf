"""Notices to the operator: a decline, a draft to approve, a publication, information, a silent author."""

from __future__ import annotations

from datetime import datetime

from bot import texts
from bot.delivery.outgoing import Album, Outgoing, Photo, Text
from bot.domain.model import Case, Status
from bot.domain.notices import (
    ClarificationOverdue,
    Declined,
    DraftForApproval,
    InfoReceived,
    Notice,
    Published,
)
from handlers import keyboards, render
from handlers.notices.base import Deps, Remember, target


async def declined(d: Deps, case: Case, n: Notice[Declined]) -> list[Outgoing]:
    p = n.payload
    back = texts.DECLINED_BACK if p.back_to_operator else ""
    text = render.fit(lambda t: texts.DECLINED_TO_OPERATOR.format(department=texts.esc(p.department),
                                                                  number=case.number, reason=t) + back,
                      p.reason, texts.MESSAGE_LIMIT)
    return [Text(target(n), text)]


async def draft_for_approval(d: Deps, case: Case, n: Notice[DraftForApproval]) -> list[Outgoing]:
    draft = next((x for x in case.drafts if x.id == n.payload.draft_id), None)
    if draft is None or draft.decision is not None:
        return []  # already decided: nothing to ask
    assert draft.id is not None
    by = n.payload.approve_by
    text = render.draft_for_operator(case, draft, d.tz, datetime.fromisoformat(by) if by else None)
    return [*([Album(target(n), tuple(draft.media))] if draft.media else []),
            Text(target(n), text, keyboards.approval(case, draft.id), Remember("draft"))]


async def published(d: Deps, case: Case, n: Notice[Published]) -> list[Outgoing]:
    p = n.payload
    kind = texts.KIND.get(p.kind, "")
    # fitted, not cut: a cut could fall inside an entity of the escaped link
    caption = render.fit(lambda t: texts.PUBLISHED_TO_OPERATOR.format(
        number=case.number, kind=kind, link=texts.PUBLISHED_LINK.format(link=t) if p.link else ""),
        p.link or "", texts.CAPTION_LIMIT)
    return [Photo(target(n), p.file_id, caption)]


async def info_received(d: Deps, case: Case, n: Notice[InfoReceived]) -> list[Outgoing]:
    info = next((x for x in case.drafts if x.id == n.payload.draft_id), None)
    if info is None:
        return []
    names = {a.department_id: a.department_name for a in case.assignments}
    pending = n.payload.pending
    tail = texts.INFO_PENDING.format(departments=texts.esc(", ".join(pending))) if pending else texts.INFO_ALL_IN
    department = texts.esc(names.get(info.department_id or 0, ""))
    text = render.fit(lambda t: texts.INFO_TO_OPERATOR.format(department=department, number=case.number, text=t,
                                                              pending=tail), info.text, texts.MESSAGE_LIMIT)
    return [*([Album(target(n), tuple(info.media))] if info.media else []),
            Text(target(n), text, remember=Remember("info"))]


async def clarification_overdue(d: Deps, case: Case, n: Notice[ClarificationOverdue]) -> list[Outgoing]:
    if case.status != Status.AWAITING_AUTHOR:
        return []                       # the author replied, or the case moved on: nothing to ask
    since = datetime.fromisoformat(n.payload.since)
    text = texts.CLARIFICATION_OVERDUE.format(number=case.number, since=texts.when(since.astimezone(d.tz)),
                                              days=n.payload.days)
    return [Text(target(n), text, keyboards.clarification_overdue(case), Remember("clarification_overdue"))]
