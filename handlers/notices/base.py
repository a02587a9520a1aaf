"""What every notice renderer reads: the use cases, the clock, and the chats notices go to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from bot.delivery.outgoing import Outgoing, PermanentFailure
from bot.domain.model import Case
from bot.domain.notices import Notice
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from bot.services.cases import CaseService


@dataclass(frozen=True)
class Remember:
    """A message the case refers to later (a reply to it lands in the case): its purpose."""
    purpose: str


@dataclass(frozen=True)
class OperatorCard:
    """The operator's card of the case: refreshed by every later change."""


@dataclass(frozen=True)
class DepartmentCard:
    department_id: int


@dataclass(frozen=True)
class Deps:
    cases: CaseService
    access: AccessService
    clock: Clock
    tz: tzinfo

    async def department_chat(self, department_id: int | None) -> int:
        dept = await self.access.department(department_id) if department_id is not None else None
        if dept is None or dept.chat_id is None:
            raise PermanentFailure(f"department {department_id} has no chat")
        return dept.chat_id

    async def head_chat(self) -> int:
        head = await self.access.head_chat_id()
        if head is None:
            raise PermanentFailure("no head chat configured")
        return head


#: Renders one notice about a case (its payload typed by the kind) into what to send.
CaseRenderer = Callable[[Deps, Case, Notice[Any]], Awaitable[list[Outgoing]]]
