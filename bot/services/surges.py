"""Surges of public activity (cl. 21) and incidents: detection, the head's alert, merging posts.

``SurgeService.detect`` runs inside the transaction of the use case that registers or routes a case, or
receives one by transfer as a new case of its organisation (bot/services/cases). It applies the pure rule (bot/domain/surge.py) to the posts detected within the
window around the case and, when a new surge is found, records it and queues one ``chat_text`` notice
for the head's chat (dedup key ``surge:<id>``). Posts joining a known surge are added to it silently.

``IncidentService`` merges posts into one incident; when the lead case's answer is approved,
``propagate`` (in the approval's own transaction) gives every member the same approved answer, each to
be published with its own screenshot (cl. 16) — the intermediate answer and then the final one alike: a
member that published the intermediate answer waits for the final one (its cl. 7 clock due when the
lead's is).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot import texts
from bot.domain import audit
from bot.domain import surge as rule
from bot.domain.errors import NotFound, ValidationFailed
from bot.domain.model import Actor, Case, Status
from bot.domain.notices import CoordinatorAlert, FromCase, Notice, NoticeKind, OfDraft, SurgeOperators, Words
from bot.domain.orgs import Scope
from bot.domain.places import Gazetteer, Place
from bot.runtime.clock import Clock
from bot.services.place_index import PlaceIndex
from bot.services.reports import platform_name
from deadlines.calendar import WorkCalendar
from deadlines.rules import Deadlines
from storage.cases import CaseRepository
from storage.db import Conn, Database
from storage.directory import DirectoryRepository
from storage.events import EventRepository
from storage.outbox import OutboxRepository
from storage.reports import IncidentRecord, IncidentRepository, SurgeCandidate, SurgeRepository

log = logging.getLogger(__name__)

#: The head's chat of an organisation (bot.services.access.AccessService.head_chat_id).
HeadChat = Callable[[int], Awaitable[int | None]]


TERMS_CACHE = 4096


@dataclass(frozen=True)
class SurgeAlert:
    surge_id: int
    new: bool                     # True: just detected and reported; False: the case joined a known surge
    case_ids: list[int]


async def _terms(text: str, places: PlaceIndex, org_id: int) -> tuple[tuple[Place, ...], tuple[str, ...]]:
    found = await places.places_of(text, org_id)     # the organisation's own list of places (issue 14)
    return found, rule.topic_lemmas(places.words_of(text), places.words_of(" ".join(p.label for p in found)))


def _post(c: SurgeCandidate, found: tuple[Place, ...], words: tuple[str, ...]) -> rule.Post:
    return rule.Post(case_id=c.id, detected_at=c.detected_at, text=c.text, link=c.link_norm,
                     department_ids=frozenset(c.department_ids), number=c.number, platform=c.platform,
                     places=found, lemmas=words)


class SurgeService:
    def __init__(self, db: Database, calendar: WorkCalendar, clock: Clock, head_chat_id: HeadChat, *,
                 min_posts: int = 3, window_minutes: int = 120, places: PlaceIndex | None = None,
                 coordinator: Callable[[], Awaitable[list[int]]] | None = None) -> None:
        if min_posts < 2:
            raise ValueError("surge_min_posts must be at least 2")
        self.db, self.calendar, self.clock = db, calendar, clock
        self.head_chat_id = head_chat_id
        self.coordinator = coordinator          # the coordinator's chats (cl. 2, issue 14 §3), if any
        self.min_posts, self.window_minutes = min_posts, window_minutes
        self.repo, self.directory = SurgeRepository(), DirectoryRepository()
        self.places = places or PlaceIndex(db, clock)
        # The places and lemmas of the texts around a new post: ~80 candidates per detection, read once each.
        self._gazetteers: dict[int, Gazetteer] = {}     # by organisation
        self._terms: dict[tuple[int, str], tuple[tuple[Place, ...], tuple[str, ...]]] = {}
        self._posts: dict[int, rule.Post] = {}

    def _distance(self, a: datetime, b: datetime) -> float:
        return self.calendar.working_minutes_between(a, b)

    async def _detect(self, conn: Conn, case_id: int) -> tuple[rule.SurgeFound | None, int]:
        """A surge around the case among the posts of its own organisation (issue 14: posts of A and B about
        one link are a surge of neither unless each reaches the threshold), and that organisation."""
        known = await self.repo.detected_at(conn, case_id)
        if known is None:
            return None, 0
        at, org_id = known
        lo = self.calendar.subtract(at, self.window_minutes)
        hi = self.calendar.add(at, self.window_minutes)
        # A night or a weekend counts no working time: cap the look-back at a calendar week.
        lo = max(lo, at - timedelta(days=7))
        hi = min(hi, at + timedelta(days=7))
        candidates = await self.repo.candidates(conn, lo, hi, org_id=org_id)
        gazetteer = await self.places.gazetteer(org_id)
        before = self._gazetteers.get(org_id)
        if gazetteer is not before:
            if before is not None:                      # /places changed what is recognised: read texts again
                self._terms, self._posts = {}, {}
            self._gazetteers[org_id] = gazetteer
        posts = {}
        for c in candidates:
            terms = self._terms.get((org_id, c.text))
            if terms is None:
                terms = self._terms[(org_id, c.text)] = await _terms(c.text, self.places, org_id)
                if len(self._terms) > TERMS_CACHE:
                    del self._terms[next(iter(self._terms))]
            post = self._posts.get(c.id)
            if post is None or post.text != c.text or post.department_ids != frozenset(c.department_ids) \
                    or post.link != c.link_norm or post.detected_at != c.detected_at:
                post = self._posts[c.id] = _post(c, *terms)     # kept: its words and places are computed once
                if len(self._posts) > TERMS_CACHE:
                    del self._posts[next(iter(self._posts))]
            posts[c.id] = post
        post = posts.get(case_id)
        if post is None:
            return None, org_id
        return rule.detect(post, posts.values(), min_posts=self.min_posts, window_minutes=self.window_minutes,
                           distance=self._distance), org_id

    async def check(self, case_id: int) -> SurgeAlert | None:
        """Detect a surge around ``case_id`` in a transaction of its own."""
        async with self.db.transaction() as conn:
            return await self.detect(conn, case_id, self.clock.now())

    async def detect(self, conn: Conn, case_id: int, now: datetime) -> SurgeAlert | None:
        """Detect a surge around ``case_id`` in the caller's transaction; report a new one once to the head of
        the case's organisation, its operators and the coordinator."""
        found, org_id = await self._detect(conn, case_id)
        if found is None:
            return None
        known = await self.repo.surges_of(conn, found.case_ids)
        if known:
            surge_id = known[0]
            await self.repo.add_cases(conn, surge_id, found.case_ids, now)
            return SurgeAlert(surge_id, False, await self.repo.members(conn, surge_id))
        head = await self.head_chat_id(org_id)
        surge_id = await self.repo.create(conn, found.reason, found.topic, found.department_id, now, org_id=org_id)
        await self.repo.add_cases(conn, surge_id, found.case_ids, now)
        await EventRepository().append(conn, audit.by_system(
            "surge_detected", {"surge_id": surge_id, "reason": found.reason, "topic": found.topic,
                               "cases": found.case_ids}, case_id=case_id), now)
        text = await self._alert_text(conn, found)
        outbox = OutboxRepository()
        if head is not None:
            await outbox.add(conn, Notice(NoticeKind.CHAT_TEXT, "chat", head, None, Words(text),
                                          dedup_key=f"surge:{surge_id}"), now)
        # The operators get the same list with the button that merges the posts into one incident.
        await outbox.add(conn, Notice(NoticeKind.SURGE_OPERATORS, "operators", None, case_id,
                                      SurgeOperators(text, surge_id, org_id),
                                      dedup_key=f"surge-operators:{surge_id}"), now)
        if self.coordinator is not None and await self.coordinator():
            await outbox.add(conn, Notice(NoticeKind.COORDINATOR_ALERT, "coordinator", None, None,
                                          CoordinatorAlert(text, org_id), dedup_key=f"surge-coordinator:{surge_id}"),
                             now)
        log.info("surge %s: %s cases (%s)", surge_id, len(found.case_ids), found.reason)
        return SurgeAlert(surge_id, True, found.case_ids)

    async def _alert_text(self, conn: Conn, found: rule.SurgeFound) -> str:
        tz: tzinfo = self.calendar.tz
        department = ""
        if found.department_id is not None:
            dept = await self.directory.department(conn, found.department_id, scope=Scope.all())
            department = dept.name if dept else ""
        reason = (texts.SURGE_REASON_PLACE if found.reason == "place" else texts.SURGE_REASON[found.reason]).format(
            topic=texts.esc(found.label or found.topic), department=texts.esc(department))
        lines: list[str] = []
        room = texts.MESSAGE_LIMIT - 400            # the frame, and the operators' hint around it
        for i, p in enumerate(found.posts):
            line = texts.SURGE_POST_LINE.format(number=texts.esc(p.number), platform=platform_name(p.platform),
                                                at=texts.when(p.detected_at.astimezone(tz)),
                                                excerpt=texts.esc(texts.excerpt(p.text, 100)))
            if sum(len(x) + 1 for x in lines) + len(line) > room:
                lines.append(texts.SURGE_MORE.format(more=len(found.posts) - i))
                break
            lines.append(line)
        count = len(found.posts)
        return texts.SURGE_ALERT.format(count=count, posts_word=texts.plural(count, *texts.POSTS_WORDS),
                                        reason=reason, posts="\n".join(lines))

    async def members(self, surge_id: int) -> list[int]:
        return await self.repo.members(self.db.conn, surge_id)


class IncidentService:
    """Posts of one surge merged into one incident: one answer, approved once, published under each."""

    def __init__(self, db: Database, deadlines: Deadlines, clock: Clock,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.db = db
        self.deadlines = deadlines
        self.clock = clock
        self._on_commit = on_commit or (lambda: None)
        self.repo = IncidentRepository()
        self.cases = CaseRepository()
        self.events = EventRepository()
        self.outbox = OutboxRepository()

    def set_on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit = callback

    async def merge(self, actor: Actor, case_ids: Sequence[int], *, surge_id: int | None = None,
                    title: str = "") -> IncidentRecord:
        """Merge open cases into one incident; the earliest detected case leads (its answer is the one)."""
        now = self.clock.now()
        ids = list(dict.fromkeys(case_ids))
        async with self.db.transaction() as conn:
            # an incident is one organisation's (cl. 21): the actor's own cases only
            loaded: list[Case] = [await self.cases.get(conn, cid, scope=actor.scope) for cid in ids]
            rule.check_merge(loaded, actor)
            for c in loaded:
                assert c.id is not None
                if await self.repo.incident_of(conn, c.id) is not None:
                    raise ValidationFailed("incident_exists", case=c.number)
            lead = min(loaded, key=lambda c: (c.detected_at, c.id or 0))
            assert lead.id is not None
            incident_id = await self.repo.create(conn, lead.id, ids, surge_id, title, actor.user_id, now)
            for c in loaded:
                if rule.join_incident(c, lead, now):
                    await self.cases.save(conn, c, now)
                await self.outbox.add(conn, Notice(NoticeKind.CARD_REFRESH, "case", None, c.id, FromCase()),
                                      now)   # shows the incident
                await self.events.append(conn, audit.by(actor, "incident_merged", {
                    "incident_id": incident_id, "lead": lead.number, "cases": [x.number for x in loaded]},
                    case_id=c.id), now)
            record = await self.repo.get(conn, incident_id)
        assert record is not None
        self._on_commit()               # the closed routing clocks leave the reminders' plan
        return record

    async def join(self, actor: Actor, case_id: int, into_id: int,
                   same_address: Callable[[Case, Case], Awaitable[bool]]) -> IncidentRecord:
        """«Присоединить к …» on a card: a post about an address with an open case joins that case — into its
        incident if it leads or belongs to one, else both become one incident (the earlier one leads)."""
        case, into = (await self.cases.get(self.db.conn, case_id, scope=actor.scope),
                      await self.cases.get(self.db.conn, into_id, scope=actor.scope))
        if not await same_address(case, into):
            raise ValidationFailed("join_not_same_address")
        incident_id = await self.repo.incident_of(self.db.conn, into_id)
        if incident_id is None:
            return await self.merge(actor, [into_id, case_id], title=texts.INCIDENT_ADDRESS_TITLE)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            record = await self.repo.get(conn, incident_id)
            assert record is not None
            lead = await self.cases.get(conn, record.lead_case_id, scope=actor.scope)
            case = await self.cases.get(conn, case_id, scope=actor.scope)
            rule.check_merge([lead, case], actor)
            if await self.repo.incident_of(conn, case_id) is not None:
                raise ValidationFailed("incident_exists", case=case.number)
            await self.repo.add_case(conn, incident_id, case_id, now)
            if rule.join_incident(case, lead, now):
                await self.cases.save(conn, case, now)
            await self.outbox.add(conn, Notice(NoticeKind.CARD_REFRESH, "case", None, case_id, FromCase()), now)
            await self.events.append(conn, audit.by(actor, "incident_merged", {
                "incident_id": incident_id, "lead": lead.number, "cases": [case.number]}, case_id=case_id), now)
            record = await self.repo.get(conn, incident_id)
        assert record is not None
        self._on_commit()
        return record

    async def merge_surge(self, actor: Actor, surge_id: int) -> IncidentRecord:
        """The "Объединить в инцидент" button under a surge alert: its open posts not yet merged."""
        members = await SurgeRepository().members(self.db.conn, surge_id)
        if not members:
            raise NotFound("surge_not_found", surge_id=surge_id)
        open_ids, merged = [], 0
        for cid in members:
            case = await self.cases.get(self.db.conn, cid, scope=actor.scope)
            if await self.repo.incident_of(self.db.conn, cid) is not None:
                merged += 1
            elif case.is_open:
                open_ids.append(cid)
        if merged and len(open_ids) < 2:
            raise ValidationFailed("surge_merged")
        return await self.merge(actor, open_ids, surge_id=surge_id)

    async def numbers(self, case_ids: Sequence[int]) -> list[str]:
        # for the renderers of surge notices, which name the surge's own posts (the system's view)
        return [(await self.cases.get(self.db.conn, cid, scope=Scope.all())).number for cid in case_ids]

    async def get(self, incident_id: int) -> IncidentRecord:
        record = await self.repo.get(self.db.conn, incident_id)
        if record is None:
            raise NotFound("incident_not_found", incident_id=incident_id)
        return record

    async def incident_of(self, case_id: int) -> IncidentRecord | None:
        incident_id = await self.repo.incident_of(self.db.conn, case_id)
        return await self.get(incident_id) if incident_id is not None else None

    async def unpublished(self, incident_id: int) -> list[int]:
        """Cases of the incident still without the published answer and its screenshot."""
        return await self.repo.unpublished(self.db.conn, incident_id)

    async def propagate_approval(self, case_id: int, actor: Actor) -> list[Case]:
        """The lead's approved answer for every other open member, in a transaction of its own (see
        ``propagate``)."""
        async with self.db.transaction() as conn:
            changed = await self.propagate(conn, await self.cases.get(conn, case_id, scope=actor.scope), actor,
                                           self.clock.now())
        if changed:
            self._on_commit()
        return changed

    async def propagate(self, conn: Conn, lead: Case, actor: Actor, now: datetime) -> list[Case]:
        """After the lead's answer (intermediate or final) is approved, in the caller's transaction: every
        other open member gets it, approved, to be published under its own post with a screenshot. The
        members changed (none if ``lead`` leads no incident, or if this approved text was given to them
        already)."""
        assert lead.id is not None
        incident_id = await self.repo.incident_of(conn, lead.id)
        if incident_id is None:
            return []
        record = await self.repo.get(conn, incident_id)
        assert record is not None
        if record.lead_case_id != lead.id or lead.status != Status.APPROVED or lead.approved_draft is None:
            return []
        if record.draft_id == lead.approved_draft.id:
            return []                   # this answer was given to the members already
        changed: list[Case] = []
        for member_id in record.case_ids:
            if member_id == lead.id:
                continue
            member = await self.cases.get(conn, member_id, scope=Scope.one(lead.org_id))
            if not member.is_open:
                continue
            before = member.status
            draft = rule.apply_incident_answer(member, lead, actor, now,
                                               lambda start: self.deadlines.due("publish", start))
            await self.cases.save(conn, member, now)
            await self.events.append(conn, audit.by(actor, "incident_answer", {
                "incident_id": incident_id, "lead": lead.number, "from": before.value,
                "to": member.status.value}, case_id=member.id), now)
            if draft.department_id is not None:
                await self.outbox.add(conn, Notice(NoticeKind.DRAFT_APPROVED, "department", draft.department_id,
                                                   member.id, OfDraft(draft.id)), now)
            await self.outbox.add(conn, Notice(NoticeKind.CARD_REFRESH, "case", None, member.id, FromCase()), now)
            changed.append(member)
        await self.repo.set_approved(conn, incident_id, lead.approved_draft.id, now)
        return changed
