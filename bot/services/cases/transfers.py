"""Transfers between organisations (issue 14 §5): «Передать в другую организацию» and «Вернуть (не наша
компетенция)», one unit of work each — the audit events on both cases, the ``transfers`` row and the notices.

A case received as a new one is a new post of the receiver: in the same transaction it goes through the
receiver's surge detection (cl. 21, as a registered post does), and a significant one is told to the
receiver's head — not again to the coordinator, who was told of the post by the giver (docs/workflow.md).

The rules are ``bot.domain.transfers``; a case of another organisation reads exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import texts
from bot.domain import audit
from bot.domain import transfers as rules
from bot.domain.errors import NotFound
from bot.domain.model import Actor, Case, Event
from bot.domain.notices import HEAD_ONLY, FromCase, Notice, NoticeKind, TransferredIn, TransferRefused, Words
from bot.domain.orgs import Organisation, Scope, configured_people
from bot.services.cases.unit import CaseServiceBase, refresh
from storage.db import Conn
from storage.orgs import OrganisationRepository
from storage.transfers import JOINED, TRANSFERRED, TransferRepository


@dataclass(frozen=True)
class Transferred:
    """The giver's case (now TRANSFERRED) and the receiver's: a new one, or its open case of the same post."""
    case: Case
    received: Case
    to_org: Organisation
    joined: bool


@dataclass(frozen=True)
class Origin:
    """A giver's part of a received case's history: the organisation's name and its case's events."""
    org_name: str
    number: str
    events: list[Event]


class Transfers(CaseServiceBase):
    orgs = OrganisationRepository()
    transfers = TransferRepository()
    #: OPERATOR_IDS of the settings: organisation no. 1's operators besides those invited (set by the app).
    operator_ids: frozenset[int] = frozenset()

    def own_case(self, case: Case, actor: Actor) -> None:
        """A case of another organisation is refused exactly like a missing one (the coordinator sees all)."""
        if not actor.scope.allows(case.org_id):
            raise NotFound("case_not_found", case_id=case.id)

    async def org_name(self, org_id: int) -> str:
        org = await self.orgs.get(self.db.conn, org_id)
        return org.name if org else ""

    async def transfer_targets(self, case_id: int, actor: Actor) -> list[Organisation]:
        """The organisations the case may go to: the active ones but its own."""
        case = await self.cases.get(self.db.conn, case_id, scope=actor.scope)
        self.own_case(case, actor)
        return [o for o in await self.orgs.all(self.db.conn) if o.id != case.org_id]

    async def several_orgs(self) -> bool:
        """Whether a transfer is possible at all: more than one active organisation (one-organisation
        deployments show no transfer button)."""
        return await self.orgs.count(self.db.conn) > 1

    async def org_operators(self, conn: Conn, org_id: int) -> list[int]:
        listed = [o.user_id for o in await self.directory.operators(conn, scope=Scope.one(org_id))]
        return listed + [uid for uid in configured_people(self.operator_ids, org_id) if uid not in listed]

    async def transfer(self, case_id: int, actor: Actor, to_org: int, reason: str) -> Transferred:
        """Give the case to organisation ``to_org``: the giver's case closes as TRANSFERRED, the receiver works
        a new case (its own number) or the open case of the same post it already has (joined)."""
        async with self.unit(actor, "transferred_out", case_id) as uow:
            case = await uow.load()
            self.own_case(case, actor)
            orgs = {o.id: o for o in await self.orgs.all(uow.conn)}
            rules.check_target(case.org_id, to_org, set(orgs))
            reason = rules.clean_reason(reason)
            rules.hand_over(case, actor, uow.now, reason)
            dest, giver_org = orgs[to_org], orgs.get(case.org_id)
            assert case.id is not None
            joined_id = (await self.transfers.open_case_of_post(uow.conn, case.link_norm, org_id=to_org)
                         if case.link_norm else None)
            operators = await self.org_operators(uow.conn, to_org)
            if joined_id is not None:
                target = await self.cases.get(uow.conn, joined_id, scope=Scope.one(to_org))
            else:
                target = rules.received(case, to_org, operators[0] if operators else actor.user_id, self.deadlines,
                                        uow.now)
                await self.cases.add(uow.conn, target, uow.now)
            assert target.id is not None
            from_name = giver_org.name if giver_org else ""
            await self.events.append(uow.conn, audit.by(actor, "transfer_joined" if joined_id else "transferred_in", {
                "from_org": from_name, "from_case": case.number, "reason": reason}, case_id=target.id, named=True),
                uow.now)
            await self.transfers.add(uow.conn, from_case_id=case.id, from_org=case.org_id, to_org=to_org,
                                     to_case_id=target.id, state=JOINED if joined_id else TRANSFERRED, reason=reason,
                                     by_id=actor.user_id, by_role=actor.role.value, now=uow.now)
            notices: list[Notice[object]] = [
                Notice(NoticeKind.TRANSFERRED_IN, "operator", uid, target.id,
                       TransferredIn(from_name, case.number, reason, joined_id is not None,
                                     card=joined_id is None and uid == target.operator_id))
                for uid in operators]
            if not operators:
                notices.append(Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(
                    texts.TRANSFER_NO_OPERATORS.format(org=texts.esc(dest.name), number=target.number), dest.id)))
            if joined_id is None:
                await self.received_as_new(uow.conn, target, notices, uow.now)
            await uow.record(case, {"to_org": dest.name, "to_case": target.number, "reason": reason,
                                    "joined": joined_id is not None}, refresh(case), *notices)
        return Transferred(case, target, dest, joined_id is not None)

    async def received_as_new(self, conn: Conn, target: Case, notices: list[Notice[object]],
                              now: datetime) -> None:
        """A new case of the receiver is a new post of its own: its surge detection (cl. 21, the receiver's
        posts only) and, if significant, its head's notice (the coordinator had it from the giver)."""
        assert target.id is not None
        if target.significant:
            notices.append(Notice(NoticeKind.SIGNIFICANT, HEAD_ONLY, None, target.id, FromCase()))
        if self.surges is not None:
            await self.surges.detect(conn, target.id, now)

    async def refuse_transfer(self, case_id: int, actor: Actor, reason: str) -> Case:
        """The receiver gives a case received by transfer back (before routing it): its case closes as
        TRANSFERRED, the giver's case is open again and its operator is told the reason. The giver's case."""
        async with self.unit(actor, "transfer_refused", case_id) as uow:
            case = await uow.load()
            self.own_case(case, actor)
            got = await self.transfers.received(uow.conn, case_id, org_id=case.org_id)
            rules.give_back(case, actor, uow.now, reason, received_by_transfer=got is not None)
            assert got is not None
            reason = rules.clean_reason(reason)
            giver = await self.cases.get(uow.conn, got.from_case_id, scope=Scope.one(got.from_org))
            rules.take_back(giver, self.deadlines, uow.now)
            await self.cases.save(uow.conn, giver, uow.now)
            me = await self.orgs.get(uow.conn, case.org_id)
            name = me.name if me else ""
            await self.events.append(uow.conn, audit.by(actor, "transfer_returned", {
                "by_org": name, "case": case.number, "reason": reason}, case_id=giver.id, named=True), uow.now)
            await self.transfers.refused(uow.conn, got.id, org_id=case.org_id, reason=reason, by_id=actor.user_id,
                                         now=uow.now)
            await uow.record(case, {"reason": reason, "back_to": giver.number}, refresh(case), refresh(giver),
                             Notice(NoticeKind.TRANSFER_REFUSED, "operator", giver.operator_id, giver.id,
                                    TransferRefused(name, case.number, reason)))
        return giver

    async def received_by_transfer(self, case: Case) -> bool:
        """Whether the case came by transfer and may still be given back (the table checks the state)."""
        assert case.id is not None
        return await self.transfers.received(self.db.conn, case.id, org_id=case.org_id) is not None

    async def transferred_to(self, case: Case) -> str | None:
        """The organisation a TRANSFERRED case went to (for its card), None if it was not given away."""
        assert case.id is not None
        t = await self.transfers.given(self.db.conn, case.id, org_id=case.org_id)
        if t is None:
            return None
        org = await self.orgs.get(self.db.conn, t.to_org)
        return org.name if org else None

    async def origins(self, case: Case, actor: Actor) -> list[Origin]:
        """The givers' histories of a case received by transfer, oldest first (shown under «В организации …»)."""
        assert case.id is not None
        self.own_case(case, actor)
        out = []
        for t in await self.transfers.into(self.db.conn, case.id, scope=actor.scope):
            org = await self.orgs.get(self.db.conn, t.from_org)
            number = await self.cases.number_of(self.db.conn, t.from_case_id, scope=Scope.one(t.from_org)) or ""
            events = [e for e in await self.events.history(self.db.conn, t.from_case_id) if e.at <= t.at]
            out.append(Origin(org.name if org else "", number, events))
        return out

