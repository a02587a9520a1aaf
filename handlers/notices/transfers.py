"""Notices of transfers between organisations (issue 14 §5): the receiving organisation's operators get the
case (its card with the routing buttons, and the transfer with «Вернуть (не наша компетенция)»); the giver's
operator is told when it comes back."""

from __future__ import annotations

from bot import texts
from bot.delivery.outgoing import Album, Outgoing, Text
from bot.domain.model import Case, Status
from bot.domain.notices import Notice, TransferredIn, TransferRefused
from handlers import keyboards, render
from handlers.notices.base import Deps, Remember, target


def _answer_due(d: Deps, case: Case) -> str:
    answer = case.open_deadline("answer")
    return texts.when(answer.due_at.astimezone(d.tz) if answer else None)


async def transferred_in(d: Deps, case: Case, n: Notice[TransferredIn]) -> list[Outgoing]:
    p = n.payload
    org = texts.esc(p.from_org)
    if p.joined:
        text = render.fit(lambda t: texts.TRANSFER_JOINED_IN.format(org=org, from_number=p.from_number,
                                                                   number=case.number, reason=t),
                          p.reason, texts.MESSAGE_LIMIT)
        return [Text(target(n), text, remember=Remember("transfer"))]
    out: list[Outgoing] = []
    if case.status == Status.NEW:        # still to be routed here: the card with its buttons
        depts = await d.access.suggest(case.text, org_id=case.org_id)
        card = render.case_card(case, d.clock.now(), d.tz)
        markup = keyboards.operator_card(case, depts, set(), transfer=await d.cases.several_orgs())
        out += [*([Album(target(n), tuple(case.media))] if case.media else []),
                Text(target(n), card, markup, Remember("card" if p.card else "card_copy"))]
    text = render.fit(lambda t: texts.TRANSFERRED_IN.format(org=org, from_number=p.from_number, number=case.number,
                                                           reason=t, due=_answer_due(d, case)),
                      p.reason, texts.MESSAGE_LIMIT)
    out.append(Text(target(n), text, keyboards.refuse_transfer(case), Remember("transfer")))
    return out


async def transfer_refused(d: Deps, case: Case, n: Notice[TransferRefused]) -> list[Outgoing]:
    p = n.payload
    text = render.fit(lambda t: texts.TRANSFER_REFUSED_TO_GIVER.format(
        org=texts.esc(p.to_org), number=case.number, to_number=p.to_number, reason=t, due=_answer_due(d, case)),
        p.reason, texts.MESSAGE_LIMIT)
    return [Text(target(n), text, remember=Remember("transfer"))]
