"""The case and its parts: pure data, no aiogram, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.orgs import DEFAULT_ORG, Scope


class Status(StrEnum):
    NEW = "new"                        # registered, not (or no longer) with a department
    ROUTED = "routed"                  # sent to one department, waiting for "Принять в работу"
    IN_WORK = "in_work"                # accepted, the department prepares a draft
    ON_APPROVAL = "on_approval"        # a draft waits for the operator (cl. 14)
    REWORK = "rework"                  # returned for rework (cl. 15)
    APPROVED = "approved"              # approved, to be posted with a screenshot (cl. 16)
    AWAITING_FINAL = "awaiting_final"  # intermediate answer posted, final answer due (cl. 7)
    AWAITING_AUTHOR = "awaiting_author"  # clarification request posted, waiting for the author
    COLLECTING = "collecting"          # several departments send information (cl. 17)
    CLOSED = "closed"                  # answer posted and proven
    EXCLUDED = "excluded"              # a 59-FZ appeal (cl. 1): leaves this process
    DISMISSED = "dismissed"            # needs no reaction
    TRANSFERRED = "transferred"        # given to another organisation (issue 14 §5): its case goes on there


#: How a case was closed (``cases.closure``): by a published answer, or by a clarification request the
#: author never answered (the operator closed it, «автор не ответил»); KPIs count the second apart.
CLOSURE_ANSWER = "answer"
CLOSURE_CLARIFICATION = "clarification_only"
TERMINAL = frozenset({Status.CLOSED, Status.EXCLUDED, Status.DISMISSED, Status.TRANSFERRED})
OPEN = frozenset(Status) - TERMINAL


class Role(StrEnum):
    OPERATOR = "operator"
    EXECUTOR = "executor"
    HEAD = "head"
    OFFICIAL = "official"              # the responsible official (cl. 5): private chat, read-only views
    COORDINATOR = "coordinator"        # the republic's directorate (cl. 2): every organisation, read-only
    ADMIN = "admin"
    SYSTEM = "system"


class DraftKind(StrEnum):
    ANSWER = "answer"                  # Ответ
    INTERMEDIATE = "intermediate"      # Промежуточный ответ
    CLARIFICATION = "clarification"    # Уточнение
    INFO = "info"                      # information from one of several departments (cl. 17)


class DeptState(StrEnum):
    ROUTED = "routed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    INFO_SENT = "info_sent"


class Owner(StrEnum):
    OPERATOR = "operator"
    DEPARTMENT = "department"


class Outcome(StrEnum):
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Media:
    kind: str          # "photo" | "video" | "document" | "animation"
    file_id: str
    file_unique_id: str = ""


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    name: str = ""
    department_id: int | None = None   # for executors: the department whose chat they act from
    #: The organisation the actor acts for (issue 14); None for the coordinator (cl. 2), who sees all.
    org_id: int | None = DEFAULT_ORG

    @property
    def is_operator_like(self) -> bool:
        return self.role in (Role.OPERATOR, Role.ADMIN)

    @property
    def scope(self) -> Scope:
        """What the actor may see: their organisation; everything for the coordinator (org_id None)."""
        return Scope.all() if self.org_id is None else Scope.one(self.org_id)


@dataclass
class Department:
    id: int
    name: str
    chat_id: int | None = None
    keywords: list[str] = field(default_factory=list)
    archived: bool = False
    org_id: int = DEFAULT_ORG


@dataclass
class Assignment:
    """One department's part in a case."""

    department_id: int
    state: DeptState
    routed_at: datetime
    accepted_at: datetime | None = None
    accepted_by: int | None = None
    declined_at: datetime | None = None
    declined_reason: str | None = None
    card_message_id: int | None = None
    department_name: str = ""
    #: Party keys who used the time up when this department received the case too late to meet its
    #: draft deadline (bot.domain.accountability): a miss it could not avoid is theirs, and inherited.
    inherited_from: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.state != DeptState.DECLINED


@dataclass
class Deadline:
    rule: str
    owner: Owner
    started_at: datetime
    due_at: datetime
    department_id: int | None = None
    id: int | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    reminded_at: datetime | None = None
    expired_notified_at: datetime | None = None
    #: Who a miss is attributed to (party keys, ``bot.domain.accountability``), fixed at expiry; None
    #: while the deadline has not run out. ``blame_inherited``: the time was used up before its owner got it.
    blame: tuple[str, ...] | None = None
    blame_inherited: bool = False

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def overdue(self, now: datetime) -> bool:
        return self.is_open and now > self.due_at

    def close(self, now: datetime, *, fulfilled: bool) -> None:
        self.closed_at = now
        if now > self.due_at:
            self.outcome = Outcome.MISSED
        else:
            self.outcome = Outcome.MET if fulfilled else Outcome.CANCELLED
            self.blame = None           # fixed at the due moment, but the step was done in time


@dataclass
class Draft:
    kind: DraftKind
    text: str
    author_id: int
    author_name: str
    submitted_at: datetime
    department_id: int | None
    version: int
    media: list[Media] = field(default_factory=list)
    id: int | None = None
    decision: str | None = None        # "approved" | "returned" | None (pending)
    decided_by: int | None = None
    decided_at: datetime | None = None
    comment: str | None = None


@dataclass
class Publication:
    screenshot_file_id: str
    screenshot_unique_id: str
    published_by: int
    published_at: datetime
    draft_id: int | None
    kind: DraftKind
    link: str | None = None
    id: int | None = None


@dataclass
class Case:
    """One post found in an open source and everything the regulation asks about it."""

    number: str
    status: Status
    platform: str
    text: str
    detected_at: datetime
    operator_id: int
    link: str | None = None
    link_norm: str | None = None
    author: str | None = None
    media: list[Media] = field(default_factory=list)
    urgent: bool = False
    significant: bool = False
    multi: bool = False
    id: int | None = None
    version: int = 0
    created_at: datetime | None = None
    operator_chat_id: int | None = None
    operator_card_id: int | None = None
    assignments: list[Assignment] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)
    incident_lead: str | None = None        # read only: the lead post's number when merged (cl. 21)
    #: cl. 8, per case: since this moment the case's clocks run on calendar time (and its reminders come at
    #: night too) until ``calendar_until`` — None: until the case closes. ``calendar_since`` None: working time.
    calendar_since: datetime | None = None
    calendar_until: datetime | None = None
    #: cl. 9: the operator's own answer term in working minutes, shorter than the normal one (None: not set).
    answer_minutes: int | None = None
    closure: str | None = None              # how a CLOSED case was closed: CLOSURE_ANSWER | CLOSURE_CLARIFICATION
    org_id: int = DEFAULT_ORG               # the organisation whose case it is (issue 14)

    # ---- reading helpers --------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def calendar_span(self) -> tuple[datetime, datetime | None] | None:
        """(since, until) of the decision to work outside working hours (cl. 8), or None."""
        return None if self.calendar_since is None else (self.calendar_since, self.calendar_until)

    def on_calendar_time(self, at: datetime) -> bool:
        """Whether the case's clocks run on calendar time at ``at`` (a per-case cl. 8 decision)."""
        return (self.calendar_since is not None and self.is_open and self.calendar_since <= at
                and (self.calendar_until is None or at < self.calendar_until))

    def assignment(self, department_id: int | None) -> Assignment | None:
        for a in self.assignments:
            if a.department_id == department_id:
                return a
        return None

    @property
    def active_assignments(self) -> list[Assignment]:
        return [a for a in self.assignments if a.active]

    def open_deadlines(self) -> list[Deadline]:
        return sorted((d for d in self.deadlines if d.is_open), key=lambda d: d.due_at)

    def open_deadline(self, rule: str, department_id: int | None = None) -> Deadline | None:
        for d in self.deadlines:
            if d.is_open and d.rule == rule and d.department_id == department_id:
                return d
        return None

    def missed_deadlines(self, now: datetime) -> list[Deadline]:
        """Closed late, or still open past due: the deadlines somebody missed."""
        return [d for d in self.deadlines if d.outcome == Outcome.MISSED or d.overdue(now)]

    def next_deadline(self) -> Deadline | None:
        open_ = self.open_deadlines()
        return open_[0] if open_ else None

    @property
    def pending_draft(self) -> Draft | None:
        for d in reversed(self.drafts):
            if d.kind != DraftKind.INFO and d.decision is None:
                return d
        return None

    @property
    def approved_draft(self) -> Draft | None:
        for d in reversed(self.drafts):
            if d.kind != DraftKind.INFO and d.decision == "approved":
                return d
        return None

    def info_drafts(self) -> list[Draft]:
        return [d for d in self.drafts if d.kind == DraftKind.INFO]

    def last_returned(self) -> Draft | None:
        for d in reversed(self.drafts):
            if d.decision == "returned":
                return d
        return None


@dataclass(frozen=True)
class Event:
    """One line of a case's history (and of the audit log): who did what, when; refusals included."""

    id: int
    case_id: int | None
    at: datetime
    actor_id: int | None
    actor_role: str
    kind: str
    payload: dict[str, Any]
    refused: bool
