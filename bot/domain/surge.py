"""Surges of public activity (cl. 21, «повышенная социальная активность») and incident answers.

The rule: at least ``min_posts`` posts about one topic within ``window_minutes`` of working time,
where two posts are about one topic when they share the link, or the address, or a department and
at least ``MIN_SHARED_WORDS`` significant words. Pure: no aiogram, no SQL; the working-time distance
is passed in as a function so that the rule is tested without a calendar.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

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

MIN_SHARED_WORDS = 2
STEM = 6                 # a crude stem: the word without its last two letters, 3 to 6 letters long,
                         # so that «дорога»/«дороги», «воды»/«воду», «горячей»/«горячую» agree
MIN_WORD = 4

_WORD_RE = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
_ADDRESS_RE = re.compile(
    r"\b(ул(?:иц[аеыу])?|пр(?:оспект[еау]?|-т)|пер(?:еул(?:ок|ке|ка))?|пл(?:ощад[ьи])?|мкр|мкрн|"
    r"микрорайон[еау]?|б-р|бульвар[еау]?|ш|шоссе|наб(?:ережн(?:ая|ой|ую))?|проезд[еау]?|тупик[еау]?)"
    r"(?![а-яё])\.?\s*"
    r"([а-яё][а-яё\-]+(?:\s+[а-яё][а-яё\-]+)?)"
    r"(?:[\s,]+(?:д(?:ом[еау]?)?\.?\s*)?(\d+[а-я]?))?",
    re.IGNORECASE,
)
_STOP = frozenset("""
это этот эта эти того тому таком такой также тоже только очень может можно нужно надо было были будет
будут есть нету когда какой какая какие который которая которые почему потому чтобы если уже опять снова
всех всем весь вся всё все они она оно него неё нему ними наши наша наше нашего вами ваша ваше здесь там
где куда сколько сегодня вчера завтра день дней года году время просто вообще кто что чем как так
администрация администрации района район районе глава главы добрый здравствуйте пожалуйста спасибо
""".split())


@lru_cache(maxsize=4096)
def words(text: str) -> frozenset[str]:
    """Significant words of a post, cut to a crude stem."""
    out = set()
    for w in _WORD_RE.findall(text.lower().replace("ё", "е")):
        if len(w) >= MIN_WORD and w not in _STOP and not w.isdigit():
            out.add(w[:max(3, min(STEM, len(w) - 2))])
    return frozenset(out)


@lru_cache(maxsize=4096)
def addresses(text: str) -> frozenset[str]:
    """Street addresses with a house number named in a post, normalised: «ул. Ленина, д. 5» -> «ленина 5»."""
    found = set()
    for m in _ADDRESS_RE.finditer(text.lower().replace("ё", "е")):
        street = " ".join(m.group(2).split())
        if street in _STOP or len(street) < 3 or not m.group(3):
            continue                 # a street without a house number is too wide to call "one address"
        found.add(f"{street} {m.group(3)}")
    return frozenset(found)


@dataclass(frozen=True)
class Post:
    """What the rule needs of a case."""

    case_id: int
    detected_at: datetime
    text: str = ""
    link: str | None = None          # normalised link
    department_ids: frozenset[int] = frozenset()
    number: str = ""
    platform: str = ""

    @property
    def words(self) -> frozenset[str]:
        return words(self.text)

    @property
    def addresses(self) -> frozenset[str]:
        return addresses(self.text)


def address_title(address: str) -> str:
    """A normalised address as people write it: «карла-маркса 12а» -> «Карла-Маркса, 12а»."""
    street, _, house = address.rpartition(" ")
    if not street:
        return address
    title = " ".join("-".join(part.capitalize() for part in w.split("-")) for w in street.split())
    return f"{title}, {house}"


@dataclass(frozen=True)
class Relation:
    reason: str                      # link | address | topic
    topic: str
    department_id: int | None = None


def related(a: Post, b: Post) -> Relation | None:
    """Why two posts are about one topic, or None."""
    if a.link and a.link == b.link:
        return Relation("link", a.link)
    shared_addr = a.addresses & b.addresses
    if shared_addr:
        return Relation("address", sorted(shared_addr)[0])
    shared_dept = a.department_ids & b.department_ids
    if shared_dept:
        shared = a.words & b.words
        if len(shared) >= MIN_SHARED_WORDS:
            return Relation("topic", ", ".join(sorted(shared)[:5]), min(shared_dept))
    return None


@dataclass
class SurgeFound:
    reason: str
    topic: str
    department_id: int | None
    posts: list[Post] = field(default_factory=list)

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
    topic = rel.topic
    if rel.reason == "topic":
        topic = ", ".join(sorted(set().union(*(post.words & p.words for p, _ in best)))[:5]) or topic
    return SurgeFound(rel.reason, topic, rel.department_id, posts)


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
