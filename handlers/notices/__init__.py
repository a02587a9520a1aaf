"""Notices rendered for Telegram at delivery time: one registry from NoticeKind to its renderer.

The sender (bot/delivery/) asks ``NoticeRenderer.render`` what a notice says now and hands back each
message that went out (``sent``): the renderer stores what the case needs to know about it (its cards,
the messages a reply may answer).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot import texts
from bot.delivery.outgoing import Outgoing, Text
from bot.domain.errors import NotFound
from bot.domain.notices import (
    CoordinatorAlert,
    Json,
    Notice,
    NoticeKind,
    Payload,
    SurgeOperators,
    Words,
    decode,
)
from bot.domain.orgs import Scope
from bot.runtime.logs import bind_case
from handlers import keyboards
from handlers.notices import cards, departments, escalations, members, operator, transfers
from handlers.notices.base import CaseRenderer, Deps, Remember, target

log = logging.getLogger(__name__)

ABOUT_A_CASE: dict[NoticeKind, CaseRenderer] = {
    NoticeKind.INTAKE_CARD: cards.intake_card,
    NoticeKind.CASE_ROUTED: cards.case_routed,
    NoticeKind.CARD_REFRESH: cards.card_refresh,
    NoticeKind.DECLINED: operator.declined,
    NoticeKind.DRAFT_FOR_APPROVAL: operator.draft_for_approval,
    NoticeKind.PUBLISHED: operator.published,
    NoticeKind.INFO_RECEIVED: operator.info_received,
    NoticeKind.CLARIFICATION_OVERDUE: operator.clarification_overdue,
    NoticeKind.DRAFT_RETURNED: departments.draft_returned,
    NoticeKind.DRAFT_APPROVED: departments.draft_approved,
    NoticeKind.AUTHOR_REPLIED: departments.author_replied,
    NoticeKind.ANSWER_ANYWAY: departments.answer_anyway,
    NoticeKind.TERM_CHANGED: departments.term_changed,
    NoticeKind.SIGNIFICANT: escalations.significant,
    NoticeKind.REMINDER: escalations.reminder,
    NoticeKind.EXPIRED: escalations.expired,
    NoticeKind.ESCALATION: escalations.escalation,
    NoticeKind.COORDINATOR_MISS: escalations.coordinator_miss,
    NoticeKind.TRANSFERRED_IN: transfers.transferred_in,
    NoticeKind.TRANSFER_REFUSED: transfers.transfer_refused,
}


async def admin_alert(d: Deps, n: Notice[Words]) -> list[Outgoing]:
    """To the deployment's admins and, when the alert concerns one organisation, to its own admins."""
    return [Text(admin, n.payload.text) for admin in await d.recipients.admins(n.payload.org_id)]


async def chat_text(d: Deps, n: Notice[Words]) -> list[Outgoing]:
    return [Text(target(n), n.payload.text)]


async def surge_operators(d: Deps, n: Notice[SurgeOperators]) -> list[Outgoing]:
    """cl. 21: every active operator of the surge's organisation gets its posts with the button that merges
    them."""
    text = texts.SURGE_TO_OPERATOR.format(alert=n.payload.text)   # escaped when the surge was found
    markup = keyboards.surge_merge(n.payload.surge_id)
    own = await d.recipients.operators(n.payload.org_id)
    return [Text(o.user_id, text, markup) for o in await d.access.operators(org_id=n.payload.org_id) if o.active and o.user_id in own]


async def coordinator_alert(d: Deps, n: Notice[CoordinatorAlert]) -> list[Outgoing]:
    """Issue 14 §3: a surge of one organisation (named) or the digest across organisations, to the
    coordinator's group and COORDINATOR_IDS."""
    p = n.payload
    org = "" if p.org_id is None else texts.ORG_HEADER.format(org=texts.esc(await d.recipients.org_name(p.org_id)))
    return [Text(chat_id, org + p.text) for chat_id in await d.recipients.coordinator()]


#: Notices about no one case.
OTHERS: dict[NoticeKind, Callable[[Deps, Notice[Any]], Awaitable[list[Outgoing]]]] = {
    NoticeKind.ADMIN_ALERT: admin_alert,
    NoticeKind.CHAT_TEXT: chat_text,
    NoticeKind.SURGE_OPERATORS: surge_operators,
    NoticeKind.NEW_MEMBER: members.new_member,
    NoticeKind.COORDINATOR_ALERT: coordinator_alert,
}


class NoticeRenderer(Deps):
    """bot.delivery.outgoing.Renderer for Telegram."""

    async def render(self, stored: Notice[Json]) -> list[Outgoing]:
        return await self._not_to_removed(stored, await self._render(stored))

    async def _render(self, stored: Notice[Json]) -> list[Outgoing]:
        n = decode(stored)
        if n.kind in OTHERS:
            return await OTHERS[n.kind](self, n)
        assert n.case_id is not None
        case = await self.cases.get(n.case_id, scope=Scope.all())   # the outbox is the system's: any organisation
        bind_case(case.number)
        return await ABOUT_A_CASE[n.kind](self, case, n)

    async def _not_to_removed(self, stored: Notice[Json], parts: list[Outgoing]) -> list[Outgoing]:
        """Nothing ever reaches a removed operator's private chat, whatever path queued it (a draft, a
        reminder, a card's edit, a surge)."""
        removed = {c for c in {p.chat_id for p in parts if p.chat_id > 0} if await self.access.removed_operator(c)}
        if not removed:
            return parts
        log.warning("notice %s: not sent to removed operator(s) %s", stored.kind, sorted(removed))
        return [p for p in parts if p.chat_id not in removed]

    async def sent(self, notice: Notice[Json], remember: object, chat_id: int, message_id: int) -> None:
        assert notice.case_id is not None and isinstance(remember, Remember)
        if remember.purpose == "card":
            await self.cases.set_card(notice.case_id, chat_id, message_id, scope=Scope.all())
        elif remember.purpose == "department_card" and remember.department_id is not None:
            await self.cases.set_department_card(notice.case_id, remember.department_id, message_id)
        else:
            await self.cases.remember_message(notice.case_id, chat_id, message_id, remember.purpose)

    async def unreachable(self, notice: Notice[Json], error: str) -> Notice[Payload]:
        where = texts.UNREACHABLE_TARGET.get(notice.target_kind, notice.target_kind)
        text = texts.CHAT_UNREACHABLE.format(target=texts.esc(f"{where} {notice.target_id or ''}".strip()),
                                             error=texts.esc(error[:200]))
        return Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(text, await self.concerns(notice)))

    async def concerns(self, notice: Notice[Json]) -> int | None:
        """The organisation a notice is about (its own admins are told it failed, issue 14): the case's, else
        the one its payload names, else its addressee's (a department, an operator, an official, a group);
        None for the deployment as a whole (the coordinator's chats are the deployment's, cl. 2)."""
        if notice.target_kind == "coordinator":
            return None
        if notice.case_id is not None:
            try:
                return (await self.cases.get(notice.case_id, scope=Scope.all())).org_id
            except NotFound:
                pass
        named = notice.payload.get("org_id")
        if isinstance(named, int):
            return named
        to = notice.target_id
        if to is None:
            return None
        if notice.target_kind == "department":
            dept = await self.access.department(to)
            return dept.org_id if dept is not None else None
        if to < 0:                                              # a group: a department's or a head's
            group = await self.access.department_for_chat(to)
            return group.org_id if group is not None else await self.access.head_org(to)
        return await self.access.operator_org(to) or await self.access.official_org(to)
