"""Clocks and escalations: reminders and expiry notices to whoever owes the clock; a significant case and
a missed deadline to the head's chat or to the responsible officials (cl. 5, 6, 7, 8, 21)."""

from __future__ import annotations

from datetime import datetime

from bot import texts
from bot.delivery.outgoing import Outgoing, PermanentFailure, Text
from bot.domain.accountability import Party, owners
from bot.domain.model import Case, Deadline, Owner, Role
from bot.domain.notices import HEAD_ONLY, ClockDue, Escalation, FromCase, Notice
from bot.domain.sources import platform_by_code
from handlers import keyboards, render
from handlers.notices.base import Deps, Remember


async def significant(d: Deps, case: Case, n: Notice[FromCase]) -> list[Outgoing]:
    """To the head's chat of the case's organisation, and to the coordinator (cl. 2) naming the organisation
    (not for ``HEAD_ONLY``: a case received by transfer, the coordinator had it from the giver)."""
    text = texts.SIGNIFICANT_TO_HEAD.format(
        number=case.number, platform=texts.esc(platform_by_code(case.platform).title),
        link=texts.CARD_LINK.format(link=render.link_text(case.link)) if case.link else "",
        excerpt=texts.esc(texts.excerpt(case.text, 1500)) if case.text else texts.CARD_NO_TEXT)
    coordinator = await d.recipients.coordinator() if n.target_kind != HEAD_ONLY else []
    head = await d.access.head_chat_id(case.org_id)
    if head is None and not coordinator:
        raise PermanentFailure(f"no head chat configured for organisation {case.org_id}")
    parts: list[Outgoing] = [Text(head, text, remember=Remember("head"))] if head is not None else []
    org = texts.ORG_HEADER.format(org=texts.esc(await d.recipients.org_name(case.org_id)))
    return parts + [Text(chat_id, org + text) for chat_id in coordinator if chat_id != head]


async def reminder(d: Deps, case: Case, n: Notice[ClockDue]) -> list[Outgoing]:
    deadline = _deadline(case, n.payload.deadline_id)
    if deadline is None or not deadline.is_open:
        return []      # done meanwhile: nobody needs reminding
    text = texts.REMINDER_TO_OWNER.format(
        number=case.number, rule=texts.RULE.get(deadline.rule, deadline.rule),
        due=texts.when(deadline.due_at.astimezone(d.tz)), late=texts.REMINDER_LATE if n.payload.late else "")
    chats = await _owner_chats(d, case, deadline)
    return [Text(chat_id, text, remember=Remember("reminder")) for chat_id in chats]


async def expired(d: Deps, case: Case, n: Notice[ClockDue]) -> list[Outgoing]:
    deadline = _deadline(case, n.payload.deadline_id)
    if deadline is None or not deadline.is_open:
        return []
    text = texts.EXPIRED_TO_OWNER.format(number=case.number, rule=texts.RULE.get(deadline.rule, deadline.rule),
                                         due=texts.when(deadline.due_at.astimezone(d.tz)))
    chats = await _owner_chats(d, case, deadline)
    return [Text(chat_id, text, remember=Remember("expired")) for chat_id in chats]


async def escalation(d: Deps, case: Case, n: Notice[Escalation]) -> list[Outgoing]:
    if n.target_kind == "official":
        return await _to_officials(d, case, n.payload)
    text = await _escalation_text(d, case, n.payload)
    markup = keyboards.off_hours(case, Role.HEAD, d.clock.now())     # cl. 8 per case
    return [Text(await d.head_chat(case.org_id), text, markup, Remember("head"))]


async def coordinator_miss(d: Deps, case: Case, n: Notice[Escalation]) -> list[Outgoing]:
    """Issue 14 §3: a missed cl. 6/7 term (COORDINATOR_RULES) for the coordinator, naming the organisation;
    read-only, so without the head's buttons."""
    chats = await d.recipients.coordinator()
    if not chats:
        return []           # no coordinator bound yet: nobody to tell, nothing to retry
    org = texts.ORG_HEADER.format(org=texts.esc(await d.recipients.org_name(case.org_id)))
    text = org + await _escalation_text(d, case, n.payload)
    return [Text(chat_id, text) for chat_id in chats]


async def _to_officials(d: Deps, case: Case, p: Escalation) -> list[Outgoing]:
    """cl. 5: a missed operational step in the private chat of every responsible official of the case's
    organisation (its admins' and the deployment's when it has no official), told as the head is told."""
    officials = await d.recipients.officials(case.org_id)
    chats = officials or await d.recipients.admins(case.org_id)
    if not chats:
        raise PermanentFailure("no official and no admin configured")
    text = await _escalation_text(d, case, p)
    # cl. 8 per case: the official (or the admin standing in) may decide to work on it off hours
    markup = keyboards.off_hours(case, Role.OFFICIAL if officials else Role.ADMIN, d.clock.now())
    return [Text(chat_id, text, markup, Remember("official")) for chat_id in dict.fromkeys(chats)]


def _deadline(case: Case, deadline_id: int) -> Deadline | None:
    return next((x for x in case.deadlines if x.id == deadline_id), None)


async def _owners(d: Deps, case: Case, deadline: Deadline) -> tuple[Party, ...]:
    """Who owes the clock at this moment (bot.domain.accountability), not when the notice was planned."""
    return owners(case, deadline, await d.cases.lead(case))


async def _owner_chats(d: Deps, case: Case, deadline: Deadline) -> list[int]:
    """The operator's private chat, or the owing departments' chats."""
    chats: list[int] = []
    for p in await _owners(d, case, deadline):
        if p.kind == Owner.OPERATOR:
            chats.append(case.operator_chat_id if p.id == case.operator_id and case.operator_chat_id else p.id)
        else:
            chats.append(await d.department_chat(p.id))
    return list(dict.fromkeys(chats))


async def _names(d: Deps, case: Case, parties: tuple[Party, ...]) -> dict[str, str]:
    """Operators' names as Telegram gives them, for the head's messages."""
    out: dict[str, str] = {}
    withdrawn = {Party.department(x.department_id) for x in case.deadlines
                 if x.department_id is not None and case.assignment(x.department_id) is None}
    for p in {*parties, *withdrawn, Party.operator(case.operator_id)}:
        if p.kind == Owner.OPERATOR and (name := await d.access.person_name(p.id)):
            out[p.key] = name
        elif p.kind == Owner.DEPARTMENT and (dept := await d.access.department(p.id)) is not None:
            out[p.key] = dept.name      # a department withdrawn from the case after it declined
    return out


async def _escalation_text(d: Deps, case: Case, p: Escalation) -> str:
    """A missed deadline: the party that held the step when it ran out, and the chain of steps that led
    there (each with its time and whether it met its own deadline)."""
    deadline = _deadline(case, p.deadline_id)
    inherited = False
    if deadline is not None:
        if deadline.blame is not None:
            parties = tuple(Party.parse(k) for k in deadline.blame)
            inherited = deadline.blame_inherited
        else:
            parties = await _owners(d, case, deadline)
        due = deadline.due_at
    else:
        parties, due = (), datetime.fromisoformat(p.due_at)
    names = await _names(d, case, parties)
    departments = [a.department_name for a in case.assignments if a.active]
    steps = render.chain_text(case, d.clock.now(), d.tz, names)
    return texts.ESCALATION_TO_HEAD.format(
        number=case.number, platform=texts.esc(platform_by_code(case.platform).title),
        rule=texts.RULE.get(p.rule, p.rule), due=texts.when(due.astimezone(d.tz)),
        department=texts.esc(", ".join(departments)) if departments else texts.ESCALATION_NO_DEPARTMENT,
        owner=render.owners_text(case, parties, names),
        inherited=texts.ESCALATION_INHERITED if inherited else "",
        chain=texts.ESCALATION_CHAIN.format(chain=steps) if steps else "",
        link=texts.CARD_LINK.format(link=render.link_text(case.link)) if case.link else "",
        excerpt=texts.esc(texts.excerpt(case.text, 800)) if case.text else texts.CARD_NO_TEXT)
