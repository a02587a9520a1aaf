"""The coordinator (the republic's directorate, cl. 2; issue 14 §3): binding its group, and its read-only views
of every organisation — the open cases grouped by organisation, one case's card and history by number.

Every read goes through the Scope of everything (storage/scoping.py): the coordinator sees all organisations
and changes nothing here. No aiogram here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import audit
from bot.domain.errors import AccessDenied, NotFound, ValidationFailed
from bot.domain.model import Case, Role
from bot.domain.orgs import NUMBER_RE, Organisation, Scope
from bot.runtime.clock import Clock
from bot.services.access import COORDINATOR_CHAT_KEY, AccessService
from storage.cases import CaseRepository
from storage.coordinator import CaseRef, CoordinatorRepository
from storage.db import Database
from storage.directory import DirectoryRepository
from storage.events import Event, EventRepository
from storage.orgs import OrganisationRepository

#: The open cases read for /open at most (the list is long-lived cases of every organisation).
OPEN_LIMIT = 1000


@dataclass
class OrgOpen:
    """One organisation's open cases, overdue first, then by the nearest deadline."""

    org: Organisation
    cases: list[Case] = field(default_factory=list)
    overdue: int = 0


@dataclass(frozen=True)
class CaseView:
    org: Organisation
    case: Case
    history: list[Event]
    lead: Case | None


class CoordinatorService:
    def __init__(self, db: Database, clock: Clock, access: AccessService) -> None:
        self.db, self.clock, self.access = db, clock, access
        self.repo = CoordinatorRepository()
        self.cases = CaseRepository()
        self.orgs = OrganisationRepository()
        self.directory = DirectoryRepository()
        self.events = EventRepository()

    # ---- binding the directorate's group -----------------------------------------------------------
    async def bind(self, user_id: int, chat_id: int) -> None:
        """The deployment admin binds the directorate's group. Refused in a department's or a head's group
        (``ValidationFailed`` ``chat_is_department`` with the name, ``chat_is_head``)."""
        if not self.access.is_admin(user_id):
            raise AccessDenied("admin_only")
        dept = await self.access.department_for_chat(chat_id)
        if dept is not None:
            raise ValidationFailed("chat_is_department", name=dept.name)
        if await self.access.head_org(chat_id) is not None:
            raise ValidationFailed("chat_is_head")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.directory.set_value(conn, COORDINATOR_CHAT_KEY, str(chat_id))
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "coordinator_chat_bound",
                                                         {"chat_id": chat_id}), now)

    # ---- read-only views -----------------------------------------------------------------------------
    async def organisations(self) -> dict[int, Organisation]:
        return {o.id: o for o in await self.orgs.all(self.db.conn, include_archived=True)}

    async def open_cases(self) -> tuple[list[OrgOpen], int]:
        """Open cases of every organisation grouped by organisation (those with more overdue first, then by
        name), and how many open cases were left out beyond ``OPEN_LIMIT``."""
        now = self.clock.now()
        conn = self.db.conn
        refs = await self.repo.open_ids(conn, scope=Scope.all(), limit=OPEN_LIMIT + 1)
        more = max(0, len(refs) - OPEN_LIMIT)
        orgs = await self.organisations()
        groups: dict[int, OrgOpen] = {}
        for ref in refs[:OPEN_LIMIT]:
            group = groups.setdefault(ref.org_id, OrgOpen(orgs[ref.org_id]))
            group.cases.append(await self.cases.get(conn, ref.case_id, scope=Scope.all()))
        for group in groups.values():
            group.cases.sort(key=lambda c: _urgency(c, now))
            group.overdue = sum(1 for c in group.cases if _is_overdue(c, now))
        return sorted(groups.values(), key=lambda g: (-g.overdue, g.org.name.lower())), more

    async def find(self, number: str) -> list[CaseRef]:
        """Cases a number names: ``ZEL-2026-0042`` one organisation's; ``2026-0042`` or ``42`` (this year)
        every organisation's with that year and sequence. Raises ValidationFailed for something else."""
        raw = number.strip()
        if raw.isdigit() and len(raw) <= 6:
            return await self.repo.by_number(self.db.conn, None, self.clock.now().year, int(raw), scope=Scope.all())
        m = NUMBER_RE.match(raw)
        if m is None:
            raise ValidationFailed("case_number")
        return await self.repo.by_number(self.db.conn, m["prefix"], int(m["year"]), int(m["seq"]),
                                         scope=Scope.all())

    async def view(self, case_id: int) -> CaseView:
        """The card of any organisation's case with its history (NotFound when there is none)."""
        conn = self.db.conn
        org_id = await self.repo.org_of_case(conn, case_id, scope=Scope.all())
        if org_id is None:
            raise NotFound("case_not_found", case_id=case_id)
        case = await self.cases.get(conn, case_id, scope=Scope.all())
        orgs = await self.organisations()
        return CaseView(orgs[org_id], case, await self.events.history(conn, case_id),
                        await self.cases.lead_of(conn, case))


def _is_overdue(case: Case, now: datetime) -> bool:
    nxt = case.next_deadline()
    return nxt is not None and nxt.overdue(now)


def _urgency(case: Case, now: datetime) -> tuple[int, datetime]:
    nxt = case.next_deadline()
    due = nxt.due_at if nxt else datetime.max.replace(tzinfo=now.tzinfo)
    return (0 if nxt is not None and nxt.overdue(now) else 1, due)
