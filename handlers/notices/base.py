"""What every notice renderer reads: the use cases, the clock, and the chats notices go to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from bot.delivery.outgoing import Outgoing, PermanentFailure
from bot.domain.model import Case, Status
from bot.domain.notices import Notice
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from bot.services.cases import CaseService
from bot.services.place_index import AddressMatch, PlaceIndex
from bot.services.recipients import Recipients


@dataclass(frozen=True)
class Remember:
    """What a sent message is to its case: "card" (the operator's card), "department_card" (that
    department's card), or another purpose (a reply to it lands in the case)."""
    purpose: str
    department_id: int | None = None


@dataclass(frozen=True)
class Deps:
    cases: CaseService
    access: AccessService
    clock: Clock
    tz: tzinfo
    place_index: PlaceIndex | None = None       # open cases at the same address, on the operator's card

    async def same_address(self, case: Case) -> list[AddressMatch]:
        """Other open cases about this case's address while the new case waits for routing and may join one
        (not in an incident yet)."""
        if self.place_index is None or case.status != Status.NEW or case.incident_lead is not None:
            return []
        return await self.place_index.open_at_address(case)

    async def department_chat(self, department_id: int | None) -> int:
        dept = await self.access.department(department_id) if department_id is not None else None
        if dept is None or dept.chat_id is None:
            raise PermanentFailure(f"department {department_id} has no chat")
        return dept.chat_id

    @property
    def recipients(self) -> Recipients:
        """Whom an organisation's notices reach (issue 14): never a chat or a person of another."""
        return Recipients(self.access)

    async def head_chat(self, org_id: int) -> int:
        """The head's chat of the organisation (the case's)."""
        head = await self.access.head_chat_id(org_id)
        if head is None:
            raise PermanentFailure(f"no head chat configured for organisation {org_id}")
        return head


def target(n: Notice[object]) -> int:
    assert n.target_id is not None
    return n.target_id


#: Renders one notice about a case (its payload typed by the kind) into what to send.
CaseRenderer = Callable[[Deps, Case, Notice[Any]], Awaitable[list[Outgoing]]]
