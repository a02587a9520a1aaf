"""The unit of work of a use case on one case, and what every use case of `CaseService` shares.

``async with self.unit(actor, kind, case_id) as uow:`` opens the transaction; ``uow.load`` reads the case and
fixes who owes each clock that ran out (the state before this action); the domain decides;
``uow.record`` saves the case with its audit event and queues its notices; leaving the block commits
and wakes the sender. A domain error raised before ``record`` rolls back and is recorded as a refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from datetime import datetime
from types import TracebackType
from typing import Any

from bot.domain import accountability, audit
from bot.domain.errors import DomainError, NotFound
from bot.domain.model import Actor, Case, Status
from bot.domain.notices import FromCase, Notice, NoticeKind
from bot.runtime.clock import Clock
from bot.runtime.logs import bind_case
from bot.services.surges import IncidentService, SurgeService
from deadlines.orgs import OrgDeadlines
from deadlines.rules import Deadlines
from storage.cases import CaseRepository
from storage.db import Conn, Database
from storage.directory import DirectoryRepository
from storage.events import EventRepository
from storage.orgs import OrganisationRepository
from storage.outbox import OutboxRepository

log = logging.getLogger("bot.services.cases")

ProfanityFinder = Callable[[str], list[str]]

#: The deadlines of the case the running unit of work loaded: its organisation's extra days off (issue 14).
_CASE_DEADLINES: ContextVar[Deadlines | None] = ContextVar("case_deadlines", default=None)


def refresh(case: Case) -> Notice:
    return Notice(NoticeKind.CARD_REFRESH, "case", None, case.id, FromCase())


class CaseUnit:
    def __init__(self, service: CaseServiceBase, actor: Actor, kind: str, case_id: int) -> None:
        self.service, self.actor, self.kind, self.case_id = service, actor, kind, case_id
        self.now: datetime = service.clock.now()
        self.conn: Conn = service.db.conn
        self._case: Case | None = None
        self._before: Status | None = None
        self._deciding = True
        self._deadlines: Token[Deadlines | None] | None = None

    async def __aenter__(self) -> CaseUnit:
        self._tx = self.service.db.transaction()
        self.conn = await self._tx.__aenter__()
        return self

    async def load(self) -> Case:
        # the actor's organisation only: a forged id of another organisation's case is NotFound("case_not_found")
        case = await self.service.cases.get(self.conn, self.case_id, scope=self.actor.scope)
        bind_case(case.number)
        self._before = case.status
        self._deadlines = _CASE_DEADLINES.set(await self.service.deadlines_for(self.conn, case.org_id))
        # A clock that ran out is owed by whoever held the step then: the state before this action.
        accountability.attribute(case, self.now, await self.service.cases.lead_of(self.conn, case))
        return case

    async def record(self, case: Case, payload: Mapping[str, Any], *notices: Notice) -> None:
        """Save the decided case, append its audit event and queue its notices."""
        assert self._before is not None
        self._deciding = False
        self._case = case
        await self.service.cases.save(self.conn, case, self.now)
        await self.service.events.append(self.conn, audit.by(
            self.actor, self.kind, {**payload, "from": self._before.value, "to": case.status.value},
            case_id=case.id, named=True), self.now)
        await self.notify(*notices)

    async def notify(self, *notices: Notice) -> None:
        for notice in notices:
            await self.service.outbox.add(self.conn, notice, self.now)

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> bool:
        await self._tx.__aexit__(exc_type, exc, tb)
        if self._deadlines is not None:
            _CASE_DEADLINES.reset(self._deadlines)
        if isinstance(exc, DomainError) and self._deciding:
            case_id = None if isinstance(exc, NotFound) else self.case_id
            await self.service.refuse(self.actor, case_id, self.kind, exc)
        elif exc is None and self._case is not None:
            self.service._on_commit()
            log.info("case %s: %s by %s (%s) -> %s", self._case.number, self.kind, self.actor.user_id,
                     self.actor.role.value, self._case.status.value)
        return False


class CaseServiceBase:
    def __init__(self, db: Database, deadlines: Deadlines, clock: Clock,
                 find_profanity: ProfanityFinder | None = None,
                 on_commit: Callable[[], None] | None = None, *,
                 surges: SurgeService | None = None, incidents: IncidentService | None = None) -> None:
        self.db, self._deadlines, self.clock = db, deadlines, clock
        self.org_deadlines, self.orgs = OrgDeadlines(deadlines), OrganisationRepository()
        self.find_profanity = find_profanity or default_profanity_finder()
        self.surges, self.incidents = surges, incidents         # cl. 21, in the use cases' own transactions
        self.cases, self.directory = CaseRepository(), DirectoryRepository()
        self.events, self.outbox = EventRepository(), OutboxRepository()
        self._on_commit = on_commit or (lambda: None)

    def set_on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit = callback

    @property
    def deadlines(self) -> Deadlines:
        """The deadlines of the case a unit of work is deciding (its organisation's calendar), else the
        republic's."""
        return _CASE_DEADLINES.get() or self._deadlines

    async def deadlines_for(self, conn: Conn, org_id: int) -> Deadlines:
        """The organisation's deadlines: the republic's calendar plus its own extra days off."""
        org = await self.orgs.get(conn, org_id)
        return self.org_deadlines.of(org_id, org.days_off if org is not None else ())

    def unit(self, actor: Actor, kind: str, case_id: int) -> CaseUnit:
        return CaseUnit(self, actor, kind, case_id)

    async def refuse(self, actor: Actor, case_id: int | None, attempted: str, error: DomainError,
                     payload: dict[str, Any] | None = None) -> None:
        """Record a refused attempt in the audit trail (wrong role, forged or stale data)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.events.append(conn, audit.refusal(actor, attempted, error, case_id=case_id,
                                                         payload=payload), now)


def default_profanity_finder() -> ProfanityFinder:
    def find(text: str) -> list[str]:
        from bot.domain.profanity import find_profanity

        return [f.word for f in find_profanity(text)]

    return find
