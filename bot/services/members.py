"""Who is in the bound groups, as Telegram tells it (issue 13 §2): joins and leaves seen in service
messages and chat_member updates, getChatMember when nothing believable is known, new members announced
to the admins, and (STRICT_MEMBERS) confirmed by them before they act. Strangers' refused attempts are
counted instead of filling the audit trail."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain import audit, membership
from bot.domain.errors import AccessDenied
from bot.domain.membership import Membership, Source, Verdict
from bot.domain.model import Actor, Role
from bot.domain.notices import NewMember, Notice, NoticeKind
from bot.runtime.clock import Clock
from bot.services.access import AccessService
from storage.db import Conn, Database
from storage.events import EventRepository
from storage.members import MemberRepository
from storage.outbox import OutboxRepository

#: Asks Telegram whether the person is in the chat now: True / False, None when it could not say.
Probe = Callable[[], Awaitable[bool | None]]
#: At most this many getChatMember answers are remembered (the expired ones are dropped first).
PROBES_KEPT = 10_000
#: Two reports of one join or leave arrive within this.
SAME_CHANGE = timedelta(minutes=1)
#: The role recorded for a person joining or leaving a group (not yet anyone's executor).
MEMBER = "member"


class Bound(StrEnum):
    DEPARTMENT = "department"
    HEAD = "head"


class MemberService:
    def __init__(self, db: Database, clock: Clock, access: AccessService, *, strict: bool,
                 on_queued: Callable[[], None] | None = None) -> None:
        self.db = db
        self.clock = clock
        self.access = access
        self.strict = strict
        self.on_queued = on_queued
        self.repo = MemberRepository()
        self.events = EventRepository()
        self.outbox = OutboxRepository()
        self._probes: dict[tuple[int, int], tuple[bool, datetime]] = {}   # (chat, user) -> (in it, asked at)

    async def bound(self, chat_id: int) -> tuple[Bound, str] | None:
        """What the chat is bound to (and the department's name), None for a chat the bot does not serve."""
        dept = await self.access.department_for_chat(chat_id)
        if dept is not None:
            return Bound.DEPARTMENT, dept.name
        if await self.access.head_org(chat_id) is not None:
            return Bound.HEAD, ""
        return None

    # ---- what Telegram told --------------------------------------------------------------------
    async def joined(self, chat_id: int, user_id: int, name: str) -> bool:
        """A person came into a bound group (False: the chat is not bound, nothing recorded). A department's
        new member is announced to the admins, with the confirmation button under STRICT_MEMBERS."""
        bound = await self.bound(chat_id)
        if bound is None:
            return False
        kind, department = bound
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if _already(await self.repo.get(conn, chat_id, user_id), now, present=True):
                return True             # the service message and the chat_member update of one join
            await self.repo.record(conn, chat_id, user_id, name, True, Source.EVENT, now)
            self._probes.pop((chat_id, user_id), None)
            await self.events.append(conn, audit.by_user(user_id, MEMBER, "member_joined",
                                                         {"chat_id": chat_id, "name": name}), now)
            announce = kind == Bound.DEPARTMENT and await self.repo.announce(conn, chat_id, user_id, now)
            if announce:
                await self._announce(conn, chat_id, user_id, name, department)
        if announce and self.on_queued is not None:
            self.on_queued()
        return True

    async def left(self, chat_id: int, user_id: int, name: str) -> bool:
        """A person left a bound group, or was removed or banned from it (False: the chat is not bound)."""
        if await self.bound(chat_id) is None:
            return False
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if _already(await self.repo.get(conn, chat_id, user_id), now, present=False):
                return True
            await self.repo.record(conn, chat_id, user_id, name, False, Source.EVENT, now)
            self._probes.pop((chat_id, user_id), None)
            await self.events.append(conn, audit.by_user(user_id, MEMBER, "member_left",
                                                         {"chat_id": chat_id, "name": name}), now)
        return True

    # ---- at the moment of a press or a command --------------------------------------------------
    async def check(self, actor: Actor, chat_id: int, probe: Probe) -> Verdict:
        """May ``actor`` (an executor of the department bound to ``chat_id``, or the head chat's person) act
        there now? Asks Telegram (``probe``) when nothing believable is known, and remembers its answer for
        PROBE_TTL in memory; a refusal is audited. Configured admins, and the admins of the group's organisation,
        are always members."""
        if actor.role not in (Role.EXECUTOR, Role.HEAD) or self.access.is_admin(actor.user_id):
            return Verdict.MEMBER           # not a group's role: the role filters decide
        if actor.org_id is not None and await self.access.may_administer(actor.user_id, actor.org_id):
            return Verdict.MEMBER
        strict = self.strict and actor.role == Role.EXECUTOR
        now = self.clock.now()
        record = await self.repo.get(self.db.conn, chat_id, actor.user_id)
        found = membership.verdict(record, now, strict=strict)
        if found == Verdict.UNKNOWN:
            present = await self._ask(chat_id, actor.user_id, probe, now)
            if present is not None:
                if strict and (record is None or record.present != present):
                    record = await self._probed(chat_id, actor, present)   # confirmations need the row
                else:
                    record = dataclasses.replace(
                        record or Membership(chat_id, actor.user_id, present, Source.TELEGRAM, now, actor.name),
                        present=present, source=Source.TELEGRAM, checked_at=now)
                found = membership.verdict(record, now, strict=strict)
        if found != Verdict.MEMBER:
            await self._refused(actor, chat_id, found, strict, record)
        return found

    async def _ask(self, chat_id: int, user_id: int, probe: Probe, now: datetime) -> bool | None:
        """What Telegram says (or said less than PROBE_TTL ago) of the person's membership."""
        key = (chat_id, user_id)
        cached = self._probes.get(key)
        if cached is not None and now - cached[1] < membership.PROBE_TTL:
            return cached[0]
        present = await probe()
        if present is not None:
            if len(self._probes) >= PROBES_KEPT:
                self._probes = {k: v for k, v in self._probes.items() if now - v[1] < membership.PROBE_TTL}
            self._probes[key] = (present, now)
        return present

    async def _probed(self, chat_id: int, actor: Actor, present: bool) -> Membership | None:
        async with self.db.transaction() as conn:
            await self.repo.record(conn, chat_id, actor.user_id, actor.name, present, Source.TELEGRAM,
                                   self.clock.now())
            return await self.repo.get(conn, chat_id, actor.user_id)

    async def _refused(self, actor: Actor, chat_id: int, found: Verdict, strict: bool,
                       record: Membership | None) -> None:
        """Audits the refusal (the first of the day; the rest are counted in refused_counts, so that a former
        member pressing on cannot grow the trail); an unconfirmed member (STRICT_MEMBERS) not yet announced is
        announced now (somebody who was in the group before the bot watched it)."""
        now = self.clock.now()
        announce = False
        kind = f"member_{found.value}"
        async with self.db.transaction() as conn:
            if await self.repo.count_refused(conn, now.date(), actor.user_id, f"{kind}:{chat_id}", now) == 1:
                await self.events.append(conn, audit.by_user(actor.user_id, actor.role, f"refused:{kind}",
                                                             {"chat_id": chat_id, "actor_name": actor.name},
                                                             refused=True), now)
            if found == Verdict.UNCONFIRMED and strict and record is not None:
                announce = await self.repo.announce(conn, chat_id, actor.user_id, now)
                if announce:
                    dept = await self.access.department(actor.department_id or 0)
                    await self._announce(conn, chat_id, actor.user_id, actor.name, dept.name if dept else "")
        if announce and self.on_queued is not None:
            self.on_queued()

    async def _announce(self, conn: Conn, chat_id: int, user_id: int, name: str,
                        department: str) -> None:
        await self.outbox.add(conn, Notice(NoticeKind.NEW_MEMBER, "admins", None, None,
                                           NewMember(chat_id, user_id, name, department, confirm=self.strict)),
                              self.clock.now())

    # ---- the admins ----------------------------------------------------------------------------
    async def confirm(self, admin_id: int, chat_id: int, user_id: int) -> bool:
        """An admin lets a new member of a department's group act; False when they are no longer there
        (or already confirmed). Only an admin of the organisation whose department's group it is."""
        dept = await self.access.department_for_chat(chat_id)
        if not self.access.is_admin(admin_id) and (
                dept is None or not await self.access.may_administer(admin_id, dept.org_id)):
            raise AccessDenied("admin_only")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            done = await self.repo.confirm(conn, chat_id, user_id, admin_id, now)
            if done:
                await self.events.append(conn, audit.by_user(admin_id, Role.ADMIN, "member_confirmed",
                                                             {"chat_id": chat_id, "user_id": user_id}), now)
        return done


def _already(record: Membership | None, now: datetime, *, present: bool) -> bool:
    """The bot has just seen this very join (leave): Telegram tells one change twice (a service message and
    a chat_member update)."""
    return (record is not None and record.source == Source.EVENT and record.present == present
            and now - record.checked_at < SAME_CHANGE)
