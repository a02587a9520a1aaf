"""Organisations managed by the deployment's admins (issue 14 §1): create one (its prefix suggested), rename it,
change its prefix before its first case, archive and restore it. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import audit, org_admin
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Role
from bot.domain.orgs import DEFAULT_ORG, MAX_ORG_NAME, Organisation, OrgKind, suggest_prefix, valid_prefix
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from storage.db import Database
from storage.events import EventRepository
from storage.orgs import OrganisationRepository


@dataclass(frozen=True)
class OrgSummary:
    """One line of /orgs."""
    org: Organisation
    head_bound: bool
    departments: int
    operators: int
    admins: int


class OrgService:
    def __init__(self, db: Database, clock: Clock, access: AccessService) -> None:
        self.db, self.clock, self.access = db, clock, access
        self.repo = OrganisationRepository()
        self.events = EventRepository()

    def may_manage(self, user_id: int) -> bool:
        return org_admin.may_manage_orgs(deployment_admin=self.access.is_admin(user_id))

    def _require_manager(self, user_id: int) -> None:
        if not self.may_manage(user_id):
            raise AccessDenied("admin_only")

    async def named(self, org_id: int) -> str | None:
        """The organisation's name where a message must say whose it is: None in a deployment of one
        organisation (it looks exactly as before organisations existed)."""
        if await self.repo.count(self.db.conn) < 2:
            return None
        org = await self.get(org_id)
        return org.name if org is not None else None

    async def get(self, org_id: int) -> Organisation | None:
        return await self.repo.get(self.db.conn, org_id)

    async def summaries(self, user_id: int, *, archived: bool = False) -> list[OrgSummary]:
        """The active (or the archived) organisations with their people, for a deployment admin."""
        self._require_manager(user_id)
        conn = self.db.conn
        counts = await self.repo.people_counts(conn)
        listed = [o for o in await self.repo.all(conn, include_archived=True) if o.archived == archived]
        return [OrgSummary(o, await self.access.head_chat_id(o.id) is not None, *counts.get(o.id, (0, 0)),
                           len(await self.repo.admins(conn, o.id))) for o in listed]

    async def add(self, user_id: int, name: str, kind: OrgKind) -> Organisation:
        """A new organisation, its prefix suggested from its name (free among all prefixes)."""
        self._require_manager(user_id)
        name = _clean_name(name)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self._name_free(name, None)
            prefix = suggest_prefix(name, await self.repo.prefixes(conn))
            org = await self.repo.add(conn, name, prefix, kind, now)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "org_added",
                                                         {"org_id": org.id, "name": name, "prefix": prefix,
                                                          "kind": kind.value}), now)
        return org

    async def rename(self, user_id: int, org_id: int, name: str) -> Organisation:
        self._require_manager(user_id)
        name = _clean_name(name)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            org = await self._existing(org_id)
            await self._name_free(name, org.id)
            await self.repo.rename(conn, org.id, name)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "org_renamed",
                                                         {"org_id": org.id, "name": name}), now)
        return await self._existing(org_id)

    async def set_prefix(self, user_id: int, org_id: int, prefix: str) -> Organisation:
        """A new prefix: 2–6 latin capitals, nobody else's, and only before the organisation's first case (the
        numbers given stay as they were). Organisation no. 1 keeps its empty prefix."""
        self._require_manager(user_id)
        prefix = prefix.strip().upper()
        now = self.clock.now()
        async with self.db.transaction() as conn:
            org = await self._existing(org_id)
            if org.id == DEFAULT_ORG:
                raise ValidationFailed("org_prefix_default")
            if not valid_prefix(prefix):
                raise ValidationFailed("org_prefix_invalid")
            if prefix != org.prefix and prefix in await self.repo.prefixes(conn):
                raise ValidationFailed("org_prefix_taken")
            if await self.repo.has_cases(conn, org.id):
                raise ValidationFailed("org_prefix_used")
            await self.repo.set_prefix(conn, org.id, prefix)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "org_prefix",
                                                         {"org_id": org.id, "prefix": prefix}), now)
        return await self._existing(org_id)

    async def archive(self, user_id: int, org_id: int, archived: bool) -> Organisation:
        """Archived: its people and chats stop acting (AccessService.actor_for), its cases stay readable to the
        coordinator. Organisation no. 1 (the settings' people are its) is never archived."""
        self._require_manager(user_id)
        org = await self._existing(org_id)
        if org.id == DEFAULT_ORG:
            raise ValidationFailed("org_default_archive")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.repo.archive(conn, org.id, archived)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN,
                                                         "org_archived" if archived else "org_restored",
                                                         {"org_id": org.id}), now)
        return await self._existing(org_id)

    async def admins(self, user_id: int, org_id: int) -> list[tuple[int, str]]:
        """(user id, name) of the organisation's own admins."""
        self._require_manager(user_id)
        return await self.repo.admins(self.db.conn, (await self._existing(org_id)).id)

    async def remove_admin(self, user_id: int, org_id: int, admin_id: int) -> bool:
        """The person stops being the organisation's admin (audited); False when they were not one."""
        self._require_manager(user_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            removed = await self.repo.remove_admin(conn, org_id, admin_id)
            if removed:
                await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "org_admin_removed",
                                                             {"org_id": org_id, "user_id": admin_id}), now)
        self.access.org_admins_changed()
        return removed

    async def _name_free(self, name: str, own: int | None) -> None:
        """No other organisation (archived ones included) has this name, whatever its letters' case (SQLite's
        NOCASE folds only latin letters)."""
        for other in await self.repo.all(self.db.conn, include_archived=True):
            if other.id != own and other.name.casefold() == name.casefold():
                raise ValidationFailed("org_name_taken")

    async def _existing(self, org_id: int) -> Organisation:
        org = await self.repo.get(self.db.conn, org_id)
        if org is None:
            raise ValidationFailed("org_unknown")
        return org


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed("org_name_required")
    if len(name) > MAX_ORG_NAME:
        raise ValidationFailed("org_name_too_long")
    return name
