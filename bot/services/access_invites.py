"""Invites (AccessService's part): one-time links that make their user an operator, a responsible official
(cl. 5) or (issue 14 §1) an organisation's admin, each for one organisation; only the token's sha256 is
stored, 24 hours, revocable in /invites."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.domain import audit, org_admin
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Role
from bot.domain.orgs import DEFAULT_ORG, Scope
from bot.runtime.clock import Clock
from storage.db import Database
from storage.directory import DirectoryRepository, InviteRecord
from storage.events import EventRepository
from storage.members import MemberRepository
from storage.orgs import OrganisationRepository

INVITE_TTL = timedelta(hours=24)
#: 192 random bits: the link is the whole credential (only its sha256 is stored).
INVITE_TOKEN_BYTES = 24
#: Whom an admin's invite may make.
INVITABLE = frozenset({Role.OPERATOR, Role.OFFICIAL})
#: The invite of an organisation's admin (issue 14 §1): stored in invites.role, made by deployment admins only.
ORG_ADMIN_INVITE = "org_admin"


class InviteMixin:
    db: Database
    clock: Clock
    directory: DirectoryRepository
    orgs: OrganisationRepository
    events: EventRepository

    #: Who may do what: AccessService's (bot.domain.org_admin).
    is_admin: Callable[[int], bool]
    may_administer: Callable[[int, int], Awaitable[bool]]
    _require_admin: Callable[[int, int], Awaitable[None]]
    org_admins_changed: Callable[[], None]

    async def create_invite(self, user_id: int, role: Role = Role.OPERATOR, *, org_id: int) -> str:
        """A one-time link that makes its user an operator or (``Role.OFFICIAL``) a responsible official of
        the organisation."""
        await self._require_admin(user_id, org_id)
        if role not in INVITABLE:
            raise ValidationFailed("bad_invite_role")
        return await self._invite(user_id, role.value, org_id)

    async def create_org_admin_invite(self, user_id: int, org_id: int) -> str:
        """A one-time link that makes its user an admin of the organisation (deployment admins only)."""
        if not org_admin.may_manage_orgs(deployment_admin=self.is_admin(user_id)):
            raise AccessDenied("admin_only")
        await self._require_admin(user_id, org_id)
        return await self._invite(user_id, ORG_ADMIN_INVITE, org_id)

    async def _invite(self, user_id: int, role: str, org_id: int) -> str:
        token = secrets.token_urlsafe(INVITE_TOKEN_BYTES)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.directory.add_invite(conn, token, user_id, now, now + INVITE_TTL, role, org_id=org_id)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "invite_created",
                                                         {"role": role, "org_id": org_id}), now)
        return token

    async def accept_invite(self, token: str, user_id: int, full_name: str) -> Role | None:
        """The role the invite gave (``Role.ADMIN`` for an organisation's admin), or None when it is used,
        expired or unknown."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if not await self.directory.use_invite(conn, token, user_id, now):
                # A stranger's /start <anything>: the first of the day is audited, the rest only counted
                # (refused_counts), so that a flood cannot grow the append-only trail (issue 13 §2).
                if await MemberRepository().count_refused(conn, now.date(), user_id, "invite", now) == 1:
                    await self.events.append(conn, audit.by_user(user_id, audit.STRANGER, "refused:invite",
                                                                 refused=True), now)
                return None
            kind, org_id = await self.directory.invite_role(conn, token) or (Role.OPERATOR.value, DEFAULT_ORG)
            if kind == ORG_ADMIN_INVITE:
                await self.orgs.add_admin(conn, org_id, user_id, full_name, None, now)
                await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "org_admin_joined",
                                                             {"name": full_name, "org_id": org_id}), now)
                self.org_admins_changed()
                return Role.ADMIN
            role = Role(kind)
            if role == Role.OFFICIAL:
                await self.directory.add_official(conn, user_id, full_name, None, now, org_id=org_id)
            else:
                await self.directory.add_operator(conn, user_id, full_name, None, now, org_id=org_id)
            await self.events.append(conn, audit.by_user(user_id, role, f"{role.value}_joined",
                                                         {"name": full_name, "org_id": org_id}), now)
        return role

    async def open_invites(self, user_id: int, *, org_id: int) -> list[InviteRecord]:
        """The organisation's invites nobody used yet that have not expired or been revoked (an admin's list)."""
        await self._require_admin(user_id, org_id)
        items = await self.directory.open_invites(self.db.conn, self.clock.now(), scope=Scope.one(org_id))
        # an invite of the organisation's admin is the deployment admins' to see and revoke
        return [i for i in items if self.is_admin(user_id) or i.role != ORG_ADMIN_INVITE]

    async def revoke_invite(self, user_id: int, key: int) -> str | None:
        """An admin revokes an unused invite of an organisation they administer (audited); the role it would
        have given ("operator", "official", "org_admin"), or None when it is used, expired, revoked already,
        unknown or another organisation's."""
        now = self.clock.now()
        found = await self.directory.invite_org(self.db.conn, key, now)
        if found is None or not await self.may_administer(user_id, found[0]):
            return None
        org_id, kind = found
        if kind == ORG_ADMIN_INVITE and not self.is_admin(user_id):
            return None
        async with self.db.transaction() as conn:
            role = await self.directory.revoke_invite(conn, key, user_id, now, scope=Scope.one(org_id))
            if role is not None:
                await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "invite_revoked",
                                                             {"role": role, "org_id": org_id}), now)
        return role

