"""The audit trail's events (cl. 11, 20), built in one place: who did what to which case, or was refused.

Pure: no aiogram, no SQL; `storage.events.EventRepository.append` writes what is built here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.errors import DomainError
from bot.domain.model import Actor, Role

#: The role of somebody the bot does not know (a used or unknown invite).
STRANGER = "stranger"


@dataclass(frozen=True)
class AuditEvent:
    kind: str
    actor_id: int | None
    actor_role: str
    case_id: int | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    refused: bool = False


def by(actor: Actor, kind: str, payload: Mapping[str, Any] | None = None, *, case_id: int | None = None,
       named: bool = False) -> AuditEvent:
    """What ``actor`` did; ``named``: the payload keeps the name the person acted under."""
    body = {**(payload or {}), **({"actor_name": actor.name} if named else {})}
    return AuditEvent(kind, actor.user_id, actor.role.value, case_id, body)


def by_user(user_id: int, role: Role | str, kind: str, payload: Mapping[str, Any] | None = None, *,
            refused: bool = False) -> AuditEvent:
    """What a person known by id alone did (admins' changes, invites)."""
    return AuditEvent(kind, user_id, str(role), None, dict(payload or {}), refused)


def by_system(kind: str, payload: Mapping[str, Any], *, case_id: int | None = None) -> AuditEvent:
    """What the bot did by itself: a missed clock, a surge found."""
    return AuditEvent(kind, None, Role.SYSTEM.value, case_id, dict(payload))


def refusal(actor: Actor, attempted: str, error: DomainError, *, case_id: int | None = None,
            payload: Mapping[str, Any] | None = None) -> AuditEvent:
    """A refused attempt (wrong role, forged or stale data), with the error's code and details."""
    body = {"code": error.code, **(payload or {}), **{k: str(v) for k, v in error.details.items()}}
    return AuditEvent(f"refused:{attempted}", actor.user_id, actor.role.value, case_id, body, refused=True)
