"""Surges of public activity (cl. 21, «повышенная социальная активность») and incident answers.

The rule: at least ``min_posts`` posts about one topic within ``window_minutes`` of working time,
where two posts are about one topic when they share the link, or the address (a street and a house,
however written: bot/domain/places), or a settlement or a street and a shared lemma, or a department and
at least ``MIN_SHARED_WORDS`` shared lemmas (words too common to mean a topic left out, links removed). Pure: no aiogram, no SQL; the working-time distance
is passed in as a function so that the rule is tested without a calendar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from bot.domain.errors import AccessDenied, InvalidTransition, ValidationFailed
from bot.domain.model import (
    OPEN,
    Actor,
    Assignment,
    Case,
    Deadline,
    DeptState,
    Draft,
    Owner,
    Status,
)
from bot.domain.places import Gazetteer, Morphology, Place, find_places
from bot.domain.places.words import lemmas_in_order

MIN_SHARED_WORDS = 2         # a department and at least two shared lemmas make one topic
MIN_PLACE_WORDS = 1          # one place (a settlement, a street) and at least one shared lemma make one topic


@dataclass(frozen=True)
class Post:
    """What the rule needs of a case: its places and the lemmas of its words (``read_post`` fills them)."""

    case_id: int
    detected_at: datetime
    text: str = ""
    link: str | None = None          # normalised link
    department_ids: frozenset[int] = frozenset()
    number: str = ""
    platform: str = ""
    places: tuple[Place, ...] = ()
    lemmas: tuple[str, ...] = ()     # significant lemmas in the order written, each once

    @cached_property
    def words(self) -> frozenset[str]:
        return frozenset(self.lemmas)

    @cached_property
    def addresses(self) -> dict[str, Place]:
        """Streets with a house number: one address however written."""
        return {p.key: p for p in self.places if p.kind == "street" and not p.key.endswith(":")}

    @cached_property
    def areas(self) -> dict[str, Place]:
        """Settlements, and streets named without a house: a place that is one topic with shared words (two
        houses of one street are two addresses, «Школьная 3» and «Школьная 5» two topics)."""
        return {p.key: p for p in self.places if p.kind == "settlement" or p.key.endswith(":")}


def read_post(case_id: int, detected_at: datetime, text: str, gazetteer: Gazetteer, morph: Morphology | None = None,
              **fields: Any) -> Post:
    """A post with its places and lemmas read from its text."""
    places = tuple(find_places(text, gazetteer, morph))
    named = lemmas_in_order(" ".join(p.label for p in places), morph)
    return Post(case_id, detected_at, text, places=places, lemmas=topic_lemmas(lemmas_in_order(text, morph), named),
                **fields)


def topic_lemmas(words: Sequence[str], place_words: Iterable[str]) -> tuple[str, ...]:
    """A post's lemmas without the words of its places: «в Зеленчукской нет света» shares «свет», and the
    settlement is already the place."""
    named = set(place_words)
    return tuple(w for w in words if w not in named)


@dataclass(frozen=True)
class Relation:
    reason: str                      # link | address | place | topic
    topic: str                       # the link, the place's key, or the shared lemmas
    department_id: int | None = None
    label: str = ""                  # the topic as people would name it


def related(a: Post, b: Post) -> Relation | None:
    """Why two posts are about one topic, or None."""
    if a.link and a.link == b.link:
        return Relation("link", a.link, label=a.link)
    a_addr = a.addresses
    shared_addr = sorted(a_addr.keys() & b.addresses.keys())
    if shared_addr:
        return Relation("address", shared_addr[0], label=a_addr[shared_addr[0]].label)
    shared = a.words & b.words
    a_areas = a.areas
    shared_areas = sorted(a_areas.keys() & b.areas.keys())
    if shared_areas and len(shared) >= MIN_PLACE_WORDS:
        return Relation("place", shared_areas[0], label=a_areas[shared_areas[0]].label)
    shared_dept = a.department_ids & b.department_ids
    if shared_dept and len(shared) >= MIN_SHARED_WORDS:
        return Relation("topic", ", ".join(sorted(shared)), min(shared_dept))
    return None


def same_topic(a: Post, b: Post) -> bool:
    """The pair rule: two posts are about one topic (before any routing, departments count too)."""
    return related(a, b) is not None


def topic_words(post: Post, others: Iterable[Post], limit: int = 3) -> list[str]:
    """Two or three lemmas the posts share, the most shared first, then in the order ``post`` wrote them."""
    counts: dict[str, int] = {}
    for other in others:
        for w in post.words & other.words:
            counts[w] = counts.get(w, 0) + 1
    order = {w: i for i, w in enumerate(post.lemmas)}
    return sorted(counts, key=lambda w: (-counts[w], order.get(w, len(order)), w))[:limit]


@dataclass
class SurgeFound:
    reason: str
    topic: str
    department_id: int | None
    posts: list[Post] = field(default_factory=list)
    label: str = ""                  # the topic as people would name it: «ул. Школьная, 3», «горячий, вода»

    @property
    def case_ids(self) -> list[int]:
        return [p.case_id for p in self.posts]


def detect(post: Post, others: Iterable[Post], *, min_posts: int, window_minutes: float,
           distance: Callable[[datetime, datetime], float]) -> SurgeFound | None:
    """The surge ``post`` completes, if any: posts related to it for one reason within the window.

    ``distance(a, b)`` is the working time in minutes between two moments (a <= b). Posts are
    grouped by the reason that relates them to ``post`` (the same link, the same address, or the same
    department and shared words); the largest group within the window wins.
    """
    groups: dict[tuple[str, str | int | None], list[tuple[Post, Relation]]] = {}
    for other in others:
        if other.case_id == post.case_id:
            continue
        rel = related(post, other)          # cheap set operations first, the working-time distance after
        if rel is None:
            continue
        lo, hi = sorted((other.detected_at, post.detected_at))
        if distance(lo, hi) > window_minutes:
            continue
        key: tuple[str, str | int | None] = (rel.reason, rel.department_id if rel.reason == "topic" else rel.topic)
        groups.setdefault(key, []).append((other, rel))
    best: list[tuple[Post, Relation]] = []
    for members in groups.values():
        if len(members) > len(best):
            best = members
    if len(best) + 1 < max(min_posts, 2):
        return None
    posts = sorted([post, *(p for p, _ in best)], key=lambda p: (p.detected_at, p.case_id))
    rel = best[0][1]
    topic, label = rel.topic, rel.label
    words = topic_words(post, (p for p, _ in best))
    if rel.reason == "topic":
        topic = label = ", ".join(words) or topic
    elif rel.reason == "place" and words:
        label = f"{label}: {', '.join(words)}"
    return SurgeFound(rel.reason, topic, rel.department_id, posts, label)


# ---- incidents: one answer approved once, published under every post ----------------------------

def check_merge(cases: Sequence[Case], actor: Actor) -> None:
    """Posts may be merged into one incident by an operator: two or more open cases."""
    if not actor.is_operator_like:
        raise AccessDenied("access_denied")
    if len({c.id for c in cases}) < 2:
        raise ValidationFailed("incident_needs_two")
    for c in cases:
        if c.status not in OPEN:
            raise ValidationFailed("incident_case_closed", case=c.number)


def join_incident(member: Case, lead: Case, now: datetime) -> list[str]:
    """A post merged into an incident it does not lead: the work is done once, on the lead, so the
    member's own routing clock (cl. 9) closes as fulfilled; its answer clock stays (each post is answered,
    cl. 6). Returns the rules closed."""
    closed: list[str] = []
    if member.id == lead.id:
        return closed
    for d in member.deadlines:
        if d.is_open and d.rule == "route":
            d.close(now, fulfilled=True)
            closed.append(d.rule)
    return closed


def apply_incident_answer(member: Case, lead: Case, actor: Actor, now: datetime,
                          publish_due: Callable[[datetime], datetime]) -> Draft:
    """Give a member the lead's approved answer: it waits only for its own publication (cl. 16).

    The member takes the lead's working department and the approved text (marked as the incident's),
    its routing and preparation clocks close as fulfilled (the work was done once, on the lead), and
    a publication clock starts; the answer clock (cl. 6) closes when the screenshot comes.
    """
    approved = lead.approved_draft
    if approved is None:
        raise InvalidTransition("no_draft")
    if member.status not in OPEN:
        raise InvalidTransition(status=member.status.value)
    dept_id = approved.department_id
    if dept_id is not None and member.assignment(dept_id) is None:
        source = lead.assignment(dept_id)
        member.assignments.append(Assignment(dept_id, DeptState.ACCEPTED, now, accepted_at=now,
                                             accepted_by=source.accepted_by if source else None,
                                             department_name=source.department_name if source else ""))
    elif dept_id is not None:
        a = member.assignment(dept_id)
        assert a is not None
        if a.state in (DeptState.ROUTED, DeptState.DECLINED):
            a.state = DeptState.ACCEPTED
            a.accepted_at = now
    for d in member.deadlines:
        if d.is_open and d.rule not in ("answer", "final"):
            d.close(now, fulfilled=True)
    draft = Draft(kind=approved.kind, text=approved.text, author_id=approved.author_id,
                  author_name=approved.author_name, submitted_at=now, department_id=dept_id,
                  version=len(member.drafts) + 1, media=list(approved.media), decision="approved",
                  decided_by=actor.user_id, decided_at=now, comment=f"incident:{lead.number}")
    member.drafts.append(draft)
    member.deadlines.append(Deadline(rule="publish", owner=Owner.DEPARTMENT if dept_id else Owner.OPERATOR,
                                     started_at=now, due_at=publish_due(now), department_id=dept_id))
    member.status = Status.APPROVED
    return draft


def follow_lead_final(member: Case, lead: Case) -> bool:
    """cl. 7 for an incident: a member waiting for the final answer owes it when the lead does — its open
    final clock takes the lead's due moment (the final answer is prepared once, on the lead). Returns
    whether the member changed."""
    if member.number == lead.number:
        return False
    mine = member.open_deadline("final")
    theirs = lead.open_deadline("final")
    if mine is None or theirs is None or mine.due_at == theirs.due_at:
        return False
    mine.due_at = theirs.due_at
    return True
