"""Who may do what: roles from settings and the database, chat bindings, invites, departments."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import aiosqlite

from bot.domain import audit
from bot.domain.errors import AccessDenied, ValidationFailed
from bot.domain.model import Actor, Department, Role
from bot.domain.orgs import DEFAULT_ORG
from bot.runtime.clock import Clock
from storage.chats import ChatRepository
from storage.db import Database
from storage.directory import DirectoryRepository, InviteRecord, OperatorRecord
from storage.events import EventRepository
from storage.members import MemberRepository
from storage.orgs import OrganisationRepository

INVITE_TTL = timedelta(hours=24)
#: 192 random bits: the link is the whole credential (only its sha256 is stored).
INVITE_TOKEN_BYTES = 24
#: kv keys: the directorate's group (cl. 2); the organisation a deployment admin last chose.
COORDINATOR_CHAT_KEY = "coordinator_chat_id"
ADMIN_ORG_PREFIX = "admin_org:"
MAX_DEPARTMENT_NAME = 64
#: Whom an admin's invite may make.
INVITABLE = frozenset({Role.OPERATOR, Role.OFFICIAL})

T = TypeVar("T")


@dataclass(frozen=True)
class ChatInfo:
    chat_id: int
    chat_type: str                  # private | group | supergroup | channel


class AccessService:
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
        self._place_scores: Callable[[str], Awaitable[dict[int, int]]] | None = None

    # ---- roles --------------------------------------------------------------------------------
    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids

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
        stranger / an unbound group."""
        conn = self.db.conn
        if chat.chat_type == "private":
            if self.is_admin(user_id):
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
        """The organisation a deployment admin acts for in the private chat: the one they chose last
        (``choose_org``), else no. 1."""
        value = await self.directory.get_value(self.db.conn, f"{ADMIN_ORG_PREFIX}{user_id}")
        return int(value) if value else DEFAULT_ORG

    async def choose_org(self, user_id: int, org_id: int) -> None:
        async with self.db.transaction() as conn:
            await self.directory.set_value(conn, f"{ADMIN_ORG_PREFIX}{user_id}", str(org_id))

    async def head_chat_id(self, org_id: int = DEFAULT_ORG) -> int | None:
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
    def _require_admin(self, user_id: int) -> None:
        if not self.is_admin(user_id):
            raise AccessDenied("admin_only")

    async def bind_department(self, user_id: int, chat_id: int, name: str) -> Department:
        self._require_admin(user_id)
        name = " ".join(name.split())
        if not name:
            raise ValidationFailed("department_name_required")
        if len(name) > MAX_DEPARTMENT_NAME:
            raise ValidationFailed("department_name_too_long", limit=MAX_DEPARTMENT_NAME)
        if await self.head_org(chat_id) is not None:
            raise ValidationFailed("chat_is_head")
        if chat_id == await self.coordinator_chat_id():
            raise ValidationFailed("chat_is_coordinator")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            dept = await self.directory.bind_department(conn, name, chat_id, now)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "department_bound",
                                                         {"name": name, "chat_id": chat_id}), now)
        return dept

    async def bind_head(self, user_id: int, chat_id: int, org_id: int = DEFAULT_ORG) -> None:
        self._require_admin(user_id)
        if await self.department_for_chat(chat_id) is not None:
            raise ValidationFailed("chat_is_department")
        if chat_id == await self.coordinator_chat_id():
            raise ValidationFailed("chat_is_coordinator")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.orgs.bind_head(conn, org_id, chat_id)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "head_chat_bound",
                                                         {"chat_id": chat_id, "org_id": org_id}), now)

    # ---- departments --------------------------------------------------------------------------
    async def departments(self, *, include_archived: bool = False) -> list[Department]:
        return await self.directory.departments(self.db.conn, include_archived=include_archived)

    async def department(self, department_id: int) -> Department | None:
        return await self.directory.department(self.db.conn, department_id)

    async def rename_department(self, user_id: int, department_id: int, name: str) -> None:
        self._require_admin(user_id)
        name = " ".join(name.split())
        if not name or len(name) > MAX_DEPARTMENT_NAME:
            raise ValidationFailed("department_name_required")
        other = await self.directory.department_by_name(self.db.conn, name)
        if other is not None and other.id != department_id:
            raise ValidationFailed("department_name_taken")
        await self._admin_change(user_id, "department_renamed", {"id": department_id, "name": name},
                                 lambda conn: self.directory.rename_department(conn, department_id, name))

    async def archive_department(self, user_id: int, department_id: int, archived: bool) -> None:
        self._require_admin(user_id)
        await self._admin_change(user_id, "department_archived" if archived else "department_restored",
                                 {"id": department_id},
                                 lambda conn: self.directory.archive_department(conn, department_id, archived))

    async def set_keywords(self, user_id: int, department_id: int, text: str) -> list[str]:
        self._require_admin(user_id)
        words = sorted({w.strip().lower() for w in text.replace(";", ",").split(",") if w.strip()})
        await self._admin_change(user_id, "department_keywords", {"id": department_id, "keywords": words},
                                 lambda conn: self.directory.set_keywords(conn, department_id, words))
        return words

    def set_place_scores(self, scores: Callable[[str], Awaitable[dict[int, int]]]) -> None:
        """How many of each department's places a text names (bot/services/place_index.py)."""
        self._place_scores = scores

    async def suggest(self, text: str) -> list[Department]:
        """Departments ordered for routing: those whose places (a street, a settlement: two points each) and
        keywords occur in the text first."""
        lowered = text.lower()
        depts = [d for d in await self.departments() if d.chat_id is not None]
        places = await self._place_scores(text) if self._place_scores is not None else {}

        def score(d: Department) -> int:
            return 2 * places.get(d.id, 0) + sum(1 for k in d.keywords if k and k in lowered)

        return sorted(depts, key=lambda d: (-score(d), d.name.lower()))

    # ---- operators and invites ----------------------------------------------------------------
    async def operators(self) -> list[OperatorRecord]:
        listed = await self.directory.operators(self.db.conn)
        known = {o.user_id for o in listed}
        extra = [OperatorRecord(uid, "", None, True) for uid in sorted(self.operator_ids - known)]
        return listed + extra

    async def person_name(self, user_id: int) -> str | None:
        """An operator's name as Telegram gives it: from the invite, else from what they last did."""
        for o in await self.directory.operators(self.db.conn):
            if o.user_id == user_id and o.full_name:
                return o.full_name
        return await self.events.last_name(self.db.conn, user_id)

    async def create_invite(self, user_id: int, role: Role = Role.OPERATOR) -> str:
        """A one-time link that makes its user an operator or (``Role.OFFICIAL``) a responsible official."""
        self._require_admin(user_id)
        if role not in INVITABLE:
            raise ValidationFailed("bad_invite_role")
        token = secrets.token_urlsafe(INVITE_TOKEN_BYTES)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            await self.directory.add_invite(conn, token, user_id, now, now + INVITE_TTL, role.value)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "invite_created",
                                                         {"role": role.value}), now)
        return token

    async def accept_invite(self, token: str, user_id: int, full_name: str) -> Role | None:
        """The role the invite gave, or None when it is used, expired or unknown."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if not await self.directory.use_invite(conn, token, user_id, now):
                # A stranger's /start <anything>: the first of the day is audited, the rest only counted
                # (refused_counts), so that a flood cannot grow the append-only trail (issue 13 §2).
                if await MemberRepository().count_refused(conn, now.date(), user_id, "invite", now) == 1:
                    await self.events.append(conn, audit.by_user(user_id, audit.STRANGER, "refused:invite",
                                                                 refused=True), now)
                return None
            role = Role(await self.directory.invite_role(conn, token) or Role.OPERATOR.value)
            if role == Role.OFFICIAL:
                await self.directory.add_official(conn, user_id, full_name, None, now)
            else:
                await self.directory.add_operator(conn, user_id, full_name, None, now)
            await self.events.append(conn, audit.by_user(user_id, role, f"{role.value}_joined",
                                                         {"name": full_name}), now)
        return role

    async def open_invites(self, user_id: int) -> list[InviteRecord]:
        """Invites nobody used yet that have not expired or been revoked (an admin's list)."""
        self._require_admin(user_id)
        return await self.directory.open_invites(self.db.conn, self.clock.now())

    async def revoke_invite(self, user_id: int, key: int) -> Role | None:
        """An admin revokes an unused invite (audited); the role it would have given, or None when it is used,
        expired, revoked already or unknown."""
        self._require_admin(user_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            role = await self.directory.revoke_invite(conn, key, user_id, now)
            if role is not None:
                await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, "invite_revoked",
                                                             {"role": role}), now)
        return Role(role) if role is not None else None

    # ---- responsible officials (cl. 5) --------------------------------------------------------
    async def officials(self) -> list[OperatorRecord]:
        """Invited officials and those of OFFICIAL_IDS: who receives the misses of operational steps."""
        listed = await self.directory.officials(self.db.conn)
        known = {o.user_id for o in listed}
        extra = [OperatorRecord(uid, "", None, True) for uid in sorted(self.official_ids - known)]
        return listed + extra

    async def remove_official(self, user_id: int, official_id: int) -> bool:
        self._require_admin(user_id)
        return await self._admin_change(user_id, "official_removed", {"user_id": official_id},
                                         lambda conn: self.directory.remove_official(conn, official_id))

    async def remove_operator(self, user_id: int, operator_id: int) -> bool:
        self._require_admin(user_id)
        return await self._admin_change(user_id, "operator_removed", {"user_id": operator_id},
                                        lambda conn: self.directory.remove_operator(conn, operator_id))

    async def _admin_change(self, user_id: int, kind: str, payload: dict[str, object],
                            fn: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """An admin's change and its audit event, in one transaction; what the change returned."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            result = await fn(conn)
            await self.events.append(conn, audit.by_user(user_id, Role.ADMIN, kind, payload), now)
        return result
