"""A removed (or unreachable) operator's open cases go to other operators, audited case by case.

The admin removing an operator with open cases chooses who takes them (one operator, or the pool of active
operators spread evenly: bot/domain/handover.py); the removal and the handover are one transaction. An
operator who blocked the bot keeps the role, but their open cases go to the pool. Notices still queued
for the old operator about those cases go to the new one; each new operator gets the case's card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import texts
from bot.domain import handover
from bot.domain.audit import AuditEvent
from bot.domain.errors import ValidationFailed
from bot.domain.model import Role
from bot.domain.notices import FromCase, Notice, NoticeKind, Words
from bot.domain.orgs import DEFAULT_ORG, Scope
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from bot.services.commit import AfterCommit
from storage.chats import ChatRepository
from storage.codec import ts
from storage.db import Conn, Database
from storage.directory import DirectoryRepository
from storage.events import EventRepository
from storage.outbox import OutboxRepository


@dataclass(frozen=True)
class HandedOver:
    """What a handover did: case number -> the operator who took it; cases left where no one could
    take them (no active operator)."""
    moved: dict[str, int]
    stranded: tuple[str, ...] = ()


class HandoverService(AfterCommit):
    def __init__(self, db: Database, clock: Clock, access: AccessService) -> None:
        self.db, self.clock, self.access = db, clock, access
        self.repo = ChatRepository()
        self.directory = DirectoryRepository()
        self.events = EventRepository()
        self.outbox = OutboxRepository()

    async def open_cases(self, operator_id: int) -> list[tuple[int, str]]:
        """(id, number) of the operator's open cases of their organisation."""
        org_id = await self._org(operator_id)
        return await self.repo.open_cases_of_operator(self.db.conn, operator_id, scope=Scope.one(org_id))

    async def _org(self, operator_id: int) -> int:
        return await self.access.operator_org(operator_id) or DEFAULT_ORG

    async def takers(self, leaving: int) -> list[int]:
        """The active operators of ``leaving``'s organisation who may take their cases (a handover stays
        inside the organisation)."""
        org_id = await self._org(leaving)
        return [o.user_id for o in await self.access.operators(org_id=org_id) if o.active and o.user_id != leaving]

    async def remove(self, admin_id: int, operator_id: int, to: int | None) -> HandedOver:
        """The admin removes the operator; their open cases go to ``to`` (None: spread over the pool)."""
        org_id = await self.access.operator_org(operator_id)
        if org_id is None or not await self.access.may_administer(admin_id, org_id):
            raise ValidationFailed("admin_only")
        if operator_id in self.access.operator_ids:
            raise ValidationFailed("operator_from_settings")
        takers = await self.takers(operator_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            removed = await self.directory.remove_operator(conn, operator_id, org_id=org_id)
            if removed:
                await self.events.append(conn, AuditEvent("operator_removed", admin_id, Role.ADMIN.value, None,
                                                          {"user_id": operator_id, "org_id": org_id}), now)
            done = await self._hand_over(conn, operator_id, org_id, takers, to, now, by=admin_id)
        self._on_commit()
        return done

    async def unreachable(self, operator_id: int) -> HandedOver:
        """The operator blocked the bot: their open cases go to the pool (the role stays)."""
        takers, org_id = await self.takers(operator_id), await self._org(operator_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if not await self.repo.open_cases_of_operator(conn, operator_id, scope=Scope.one(org_id)):
                return HandedOver({})
            done = await self._hand_over(conn, operator_id, org_id, takers, None, now, by=None)
        self._on_commit()
        return done

    async def _hand_over(self, conn: Conn, operator_id: int, org_id: int, takers: list[int],
                         to: int | None, now: datetime, *, by: int | None) -> HandedOver:
        scope = Scope.one(org_id)
        cases = await self.repo.open_cases_of_operator(conn, operator_id, scope=scope)
        if not cases:
            return HandedOver({})
        numbers = dict(cases)
        if not takers:
            await self.outbox.add(conn, Notice(NoticeKind.ADMIN_ALERT, "admins", None, None, Words(
                texts.HANDOVER_NOBODY.format(operator=operator_id, numbers=", ".join(numbers.values())), org_id),
                dedup_key=f"handover-nobody:{operator_id}:{ts(now)}"), now)
            return HandedOver({}, tuple(numbers.values()))
        plan = handover.assign(list(numbers), await self.repo.open_load(conn, takers, scope=scope), to)
        reason = "operator_removed" if by is not None else "operator_unreachable"
        actor_role = Role.ADMIN.value if by is not None else Role.SYSTEM.value
        for case_id, taker in plan.items():
            await self.repo.reassign(conn, case_id, taker, org_id=org_id)
            await self.outbox.retarget(conn, ("operator",), operator_id, taker, case_id=case_id)
            await self.events.append(conn, AuditEvent("case_handed_over", by, actor_role, case_id,
                                                      {"from": operator_id, "to": taker, "reason": reason}), now)
            await self.outbox.add(conn, Notice(NoticeKind.INTAKE_CARD, "operator", taker, case_id, FromCase(),
                                               dedup_key=f"handover:{case_id}:{taker}:{ts(now)}"), now)
        for taker in dict.fromkeys(plan.values()):
            mine = [numbers[c] for c, t in plan.items() if t == taker]
            await self.outbox.add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", taker, None, Words(
                texts.HANDOVER_TO_OPERATOR.format(numbers=", ".join(mine))),
                dedup_key=f"handover-told:{operator_id}:{taker}:{ts(now)}"), now)
        return HandedOver({numbers[c]: t for c, t in plan.items()})
