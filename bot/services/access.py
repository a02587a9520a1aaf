"""Who may do what: roles from settings and the database, chat bindings, invites, departments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.domain import audit, org_admin
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Actor, Department, Role
from bot.domain.orgs import DEFAULT_ORG, Organisation, Scope, configured_people
from bot.runtime.clock import Clock
from bot.services.access_invites import (
    InviteMixin,
)
from storage.chats import ChatRepository
from storage.db import Conn, Database
from storage.directory import DirectoryRepository, OperatorRecord
from storage.events import EventRepository
from storage.orgs import OrganisationRepository

#: kv keys: the directorate's group (cl. 2); the organisation a deployment admin last chose.
COORDINATOR_CHAT_KEY = "coordinator_chat_id"
ADMIN_ORG_PREFIX = "admin_org:"
MAX_DEPARTMENT_NAME = 64

T = TypeVar("T")


@dataclass(frozen=True)
class ChatInfo:
    chat_id: int
    chat_type: str                  # private | group | supergroup | channel


class AccessService(InviteMixin):
    def __init__(self, db: Database, clock: Clock, *, admin_ids: list[int], operator_ids: list[int],
                 head_chat_id: int | None, official_ids: list[int] | None = None,
                 coordinator_ids: list[int] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.admin_ids = frozenset(admin_ids)
        #: OPERATOR_IDS, OFFICIAL_IDS and HEAD_CHAT_ID are organisation no. 1's (bot.domain.orgs.DEFAULT_ORG).
        self.operator_ids = frozenset(operator_ids)
        self.official_ids = frozenset(official_ids or ())
        self.coordinator_ids = frozenset(coordinator_ids or ())
        self._head_chat_setting = head_chat_id
        self.directory = DirectoryRepository()
        self.orgs = OrganisationRepository()
        self.events = EventRepository()
        self._place_scores: Callable[[str, int], Awaitable[dict[int, int]]] | None = None
        self._org_admin_ids: frozenset[int] | None = None

    # ---- roles --------------------------------------------------------------------------------
    def is_admin(self, user_id: int) -> bool:
        """A deployment admin (ADMIN_IDS): every organisation's, and the only one who manages organisations."""
        return user_id in self.admin_ids

    async def admin_orgs(self, user_id: int) -> list[int]:
        """The active organisations the person may administer (bot.domain.org_admin): every one for a
        deployment admin, their own for an organisation's admin, none for anybody else."""
        conn = self.db.conn
        deployment = self.is_admin(user_id)
        admin_of = [] if deployment else await self._org_admin_of(user_id)
        if not deployment and not admin_of:
            return []
        active = [o.id for o in await self.orgs.all(conn)]
        return org_admin.administered(deployment_admin=deployment, admin_of=admin_of, active=active)

    async def organisations(self) -> list[Organisation]:
        """The active organisations."""
        return await self.orgs.all(self.db.conn)

    async def is_any_admin(self, user_id: int) -> bool:
        """A deployment admin or an organisation's admin."""
        return self.is_admin(user_id) or bool(await self._org_admin_of(user_id))

    async def _org_admin_of(self, user_id: int) -> list[int]:
        """The active organisations the person is an admin of (org_admins); the few admins' ids are kept in
        memory, so that an update of anybody else costs no query."""
        if self._org_admin_ids is None:
            self._org_admin_ids = await self.orgs.admin_user_ids(self.db.conn)
        if user_id not in self._org_admin_ids:
            return []
        return await self.orgs.admin_orgs(self.db.conn, user_id)

    def org_admins_changed(self) -> None:
        """An organisation's admin joined or left: read their ids again."""
        self._org_admin_ids = None

    async def may_administer(self, user_id: int, org_id: int) -> bool:
        conn = self.db.conn
        active = [o.id for o in await self.orgs.all(conn)]
        deployment = self.is_admin(user_id)
        admin_of = [] if deployment else await self._org_admin_of(user_id)
        return org_admin.may_administer(org_id, deployment_admin=deployment, admin_of=admin_of, active=active)

    async def is_operator(self, user_id: int) -> bool:
        return user_id in self.operator_ids or await self.directory.is_operator(self.db.conn, user_id)

    async def is_official(self, user_id: int) -> bool:
        return user_id in self.official_ids or await self.directory.is_official(self.db.conn, user_id)

    async def removed_operator(self, user_id: int) -> bool:
        """An operator once, removed since (and neither an admin nor an official): nothing about cases
        may reach them."""
        if user_id in self.operator_ids or self.is_admin(user_id) or await self.is_official(user_id):
            return False
        return await ChatRepository().was_operator(self.db.conn, user_id)

    async def actor_for(self, user_id: int, name: str, chat: ChatInfo) -> Actor | None:
        """The role a person has in this chat and the organisation they act for (issue 14), or None for a
        stranger / an unbound group. The people and chats of an archived organisation stop acting."""
        actor = await self._actor_for(user_id, name, chat)
        if actor is not None and actor.org_id is not None and actor.org_id != DEFAULT_ORG:
            found = await self.orgs.get(self.db.conn, actor.org_id)
            if found is None or found.archived:
                return None
        return actor

    async def _actor_for(self, user_id: int, name: str, chat: ChatInfo) -> Actor | None:
        conn = self.db.conn
        if chat.chat_type == "private":
            if self.is_admin(user_id) or await self._org_admin_of(user_id):
                return Actor(user_id, Role.ADMIN, name, org_id=await self.admin_org(user_id))
            if user_id in self.operator_ids:
                return Actor(user_id, Role.OPERATOR, name, org_id=DEFAULT_ORG)
            org = await self.orgs.org_of_operator(conn, user_id)
            if org is not None:
                return Actor(user_id, Role.OPERATOR, name, org_id=org)
            # An operator who is also an official keeps the operator's work; the misses reach them either way.
            if user_id in self.official_ids:
                return Actor(user_id, Role.OFFICIAL, name, org_id=DEFAULT_ORG)
            org = await self.orgs.org_of_official(conn, user_id)
            if org is not None:
                return Actor(user_id, Role.OFFICIAL, name, org_id=org)
            if user_id in self.coordinator_ids:
                return Actor(user_id, Role.COORDINATOR, name, org_id=None)
            return None
        dept = await self.directory.department_by_chat(conn, chat.chat_id)
        if dept is not None:
            return Actor(user_id, Role.EXECUTOR, name, department_id=dept.id, org_id=dept.org_id)
        org = await self.head_org(chat.chat_id)
        if org is not None:
            return Actor(user_id, Role.HEAD, name, org_id=org)
        if chat.chat_id == await self.coordinator_chat_id():
            return Actor(user_id, Role.COORDINATOR, name, org_id=None)
        return None

    async def admin_org(self, user_id: int) -> int:
        """The organisation an admin acts for in the private chat: the one they chose last (``choose_org``)
        if they still administer it, else no. 1 (a deployment admin), else their first."""
        value = await self.directory.get_value(self.db.conn, f"{ADMIN_ORG_PREFIX}{user_id}")
        chosen = int(value) if value and value.isdigit() else None
        return org_admin.current_org(chosen, await self.admin_orgs(user_id), DEFAULT_ORG)

    async def choose_org(self, user_id: int, org_id: int) -> None:
        """The admin acts for ``org_id`` from now on (one they may administer)."""
        await self._require_admin(user_id, org_id)
        async with self.db.transaction() as conn:
            await self.directory.set_value(conn, f"{ADMIN_ORG_PREFIX}{user_id}", str(org_id))

    async def head_chat_id(self, org_id: int) -> int | None:
        """The head's group of the organisation; HEAD_CHAT_ID is no. 1's until /bind_head binds one."""
        bound = await self.orgs.head_chat(self.db.conn, org_id)
        if bound is not None:
            return bound
        return self._head_chat_setting if org_id == DEFAULT_ORG else None

    async def head_org(self, chat_id: int) -> int | None:
        """The organisation whose head's group ``chat_id`` is, or None."""
        org = await self.orgs.org_of_head_chat(self.db.conn, chat_id)
        if org is None and chat_id == await self.head_chat_id(DEFAULT_ORG):
            return DEFAULT_ORG
        return org

    async def coordinator_chat_id(self) -> int | None:
        """The directorate's group (cl. 2), bound with /bind_coordinator."""
        value = await self.directory.get_value(self.db.conn, COORDINATOR_CHAT_KEY)
        return int(value) if value else None

    async def department_for_chat(self, chat_id: int) -> Department | None:
        return await self.directory.department_by_chat(self.db.conn, chat_id)

    async def is_bound_chat(self, chat_id: int) -> bool:
        return ((await self.department_for_chat(chat_id)) is not None or await self.head_org(chat_id) is not None
                or chat_id == await self.coordinator_chat_id())

    async def said_unbound(self, chat_id: int) -> bool:
        """True if the "group not bound" hint was already given in this chat; remembers it otherwise."""
        key = f"unbound_hint:{chat_id}"
        async with self.db.transaction() as conn:
            if await self.directory.get_value(conn, key):
                return True
            await self.directory.set_value(conn, key, "1")
        return False

    # ---- binding chats (admins) ---------------------------------------------------------------
    async def _not_foreign(self, user_id: int, dept: Department | None) -> None:
        """A group serving another organisation's department is not taken away by this one's admin."""
        if dept is not None and not await self.may_administer(user_id, dept.org_id):
            raise AccessDenied("admin_only")

    async def _require_admin(self, user_id: int, org_id: int) -> None:
        """Only a person who may administer ``org_id`` (bot.domain.org_admin) goes on."""
        if not await self.may_administer(user_id, org_id):
            raise AccessDenied("admin_only")

    async def bind_department(self, user_id: int, chat_id: int, name: str, *, org_id: int) -> Department:
        """The group serves the organisation's department ``name`` (created if new)."""
        await self._require_admin(user_id, org_id)
        name = " ".join(name.split())
        if not name:
            raise ValidationFailed("department_name_required")
        if len(name) > MAX_DEPARTMENT_NAME:
            raise ValidationFailed("department_name_too_long", limit=MAX_DEPARTMENT_NAME)
        if await self.head_org(chat_id) is not None:
            raise ValidationFailed("chat_is_head")
        await self._not_foreign(user_id, (await self.department_for_chat(chat_id)))
        if chat_id == await self.coordinator_chat_id():
            raise ValidationFailed("chat_is_coordinator")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            dept = await self.directory.bind_department(conn, name, chat_id, now, org_id=org_id)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "department_bound",
                                                         {"name": name, "chat_id": chat_id, "org_id": org_id}), now)
        return dept

    async def bind_head(self, user_id: int, chat_id: int, org_id: int) -> None:
        await self._require_admin(user_id, org_id)
        if await self.department_for_chat(chat_id) is not None:
            raise ValidationFailed("chat_is_department")
        other = await self.head_org(chat_id)
        if other is not None and not await self.may_administer(user_id, other):
            raise AccessDenied("admin_only")         # another organisation's head's chat is not taken away
        if chat_id == await self.coordinator_chat_id():
            raise ValidationFailed("chat_is_coordinator")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.orgs.bind_head(conn, org_id, chat_id)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "head_chat_bound",
                                                         {"chat_id": chat_id, "org_id": org_id}), now)

    # ---- departments (of one organisation; ``org_id`` no. 1 when omitted) ------------------------------
    async def departments(self, *, include_archived: bool = False, org_id: int) -> list[Department]:
        return await self.directory.departments(self.db.conn, scope=Scope.one(org_id),
                                                include_archived=include_archived)

    async def department(self, department_id: int, *, scope: Scope | None = None) -> Department | None:
        """The department ``department_id`` of the scope's organisations (of any when no scope is given: a
        case's department, whichever organisation's the case is)."""
        return await self.directory.department(self.db.conn, department_id, scope=scope or Scope.all())

    async def _own_department(self, user_id: int, department_id: int) -> Department:
        """A department the admin may administer; another organisation's reads as a missing one."""
        dept = await self.department(department_id)
        if dept is None or not await self.may_administer(user_id, dept.org_id):
            raise AccessDenied("admin_only")
        return dept

    async def rename_department(self, user_id: int, department_id: int, name: str) -> None:
        dept = await self._own_department(user_id, department_id)
        name = " ".join(name.split())
        if not name or len(name) > MAX_DEPARTMENT_NAME:
            raise ValidationFailed("department_name_required")
        other = await self.directory.department_by_name(self.db.conn, name, org_id=dept.org_id)
        if other is not None and other.id != department_id:
            raise ValidationFailed("department_name_taken")
        await self._admin_change(user_id, "department_renamed", {"id": department_id, "name": name},
                                 lambda conn: self.directory.rename_department(conn, department_id, name,
                                                                               org_id=dept.org_id))

    async def archive_department(self, user_id: int, department_id: int, archived: bool) -> None:
        dept = await self._own_department(user_id, department_id)
        await self._admin_change(user_id, "department_archived" if archived else "department_restored",
                                 {"id": department_id},
                                 lambda conn: self.directory.archive_department(conn, department_id, archived,
                                                                                org_id=dept.org_id))

    async def set_keywords(self, user_id: int, department_id: int, text: str) -> list[str]:
        dept = await self._own_department(user_id, department_id)
        words = sorted({w.strip().lower() for w in text.replace(";", ",").split(",") if w.strip()})
        await self._admin_change(user_id, "department_keywords", {"id": department_id, "keywords": words},
                                 lambda conn: self.directory.set_keywords(conn, department_id, words,
                                                                          org_id=dept.org_id))
        return words

    def set_place_scores(self, scores: Callable[[str, int], Awaitable[dict[int, int]]]) -> None:
        """How many of each department's places a text names (bot/services/place_index.py)."""
        self._place_scores = scores

    async def suggest(self, text: str, *, org_id: int) -> list[Department]:
        """The organisation's departments ordered for routing: those whose places (a street, a settlement: two
        points each) and keywords occur in the text first."""
        lowered = text.lower()
        depts = [d for d in await self.departments(org_id=org_id) if d.chat_id is not None]
        places = await self._place_scores(text, org_id) if self._place_scores is not None else {}

        def score(d: Department) -> int:
            return 2 * places.get(d.id, 0) + sum(1 for k in d.keywords if k and k in lowered)

        return sorted(depts, key=lambda d: (-score(d), d.name.lower()))

    # ---- operators and invites (of one organisation; OPERATOR_IDS and OFFICIAL_IDS are no. 1's) -------
    async def operators(self, *, org_id: int) -> list[OperatorRecord]:
        listed = await self.directory.operators(self.db.conn, scope=Scope.one(org_id))
        known = {o.user_id for o in listed}
        extra = [OperatorRecord(uid, "", None, True) for uid in configured_people(self.operator_ids, org_id)
                 if uid not in known]
        return listed + extra

    async def operator_org(self, user_id: int) -> int | None:
        """The organisation an operator works for (OPERATOR_IDS: no. 1), or None."""
        if user_id in self.operator_ids:
            return DEFAULT_ORG
        return await self.orgs.org_of_operator(self.db.conn, user_id)

    async def official_org(self, user_id: int) -> int | None:
        """The organisation a responsible official serves (OFFICIAL_IDS: no. 1), or None."""
        if user_id in self.official_ids:
            return DEFAULT_ORG
        return await self.orgs.org_of_official(self.db.conn, user_id)

    async def person_name(self, user_id: int) -> str | None:
        """An operator's name as Telegram gives it: from the invite, else from what they last did."""
        for o in await self.directory.operators(self.db.conn, scope=Scope.all()):
            if o.user_id == user_id and o.full_name:
                return o.full_name
        return await self.events.last_name(self.db.conn, user_id)

    # ---- responsible officials (cl. 5) --------------------------------------------------------
    async def officials(self, *, org_id: int) -> list[OperatorRecord]:
        """The organisation's invited officials and (no. 1's) those of OFFICIAL_IDS: who receives the misses of
        operational steps."""
        listed = await self.directory.officials(self.db.conn, scope=Scope.one(org_id))
        known = {o.user_id for o in listed}
        extra = [OperatorRecord(uid, "", None, True) for uid in configured_people(self.official_ids, org_id)
                 if uid not in known]
        return listed + extra

    async def remove_official(self, user_id: int, official_id: int, *, org_id: int) -> bool:
        await self._require_admin(user_id, org_id)
        return await self._admin_change(user_id, "official_removed", {"user_id": official_id, "org_id": org_id},
                                        lambda conn: self.directory.remove_official(conn, official_id, org_id=org_id))

    async def remove_operator(self, user_id: int, operator_id: int, *, org_id: int) -> bool:
        await self._require_admin(user_id, org_id)
        return await self._admin_change(user_id, "operator_removed", {"user_id": operator_id, "org_id": org_id},
                                        lambda conn: self.directory.remove_operator(conn, operator_id, org_id=org_id))

    async def _admin_change(self, user_id: int, kind: str, payload: dict[str, object],
                            fn: Callable[[Conn], Awaitable[T]]) -> T:
        """An admin's change and its audit event, in one transaction; what the change returned."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            result = await fn(conn)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, kind, payload), now)
        return result
