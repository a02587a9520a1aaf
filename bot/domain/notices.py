"""Notices: the messages a committed change owes, as data.

A use case queues a ``Notice`` (kind, addressee, typed payload) in the transaction of the change; the
outbox stores the kind and the payload as JSON; the Telegram presentation layer (handlers/notices/)
renders it when it is delivered. The kinds' strings are the stored ones: never rename a value.

Pure data, so that both storage/ (which stores it) and the presentation layer (which renders it) can
read it without depending on the use cases.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

Json = dict[str, Any]


class NoticeKind(StrEnum):
    ADMIN_ALERT = "admin_alert"
    CHAT_TEXT = "chat_text"
    SURGE_OPERATORS = "surge_operators"
    INTAKE_CARD = "intake_card"
    CASE_ROUTED = "case_routed"
    CARD_REFRESH = "card_refresh"
    DECLINED = "declined"
    DRAFT_FOR_APPROVAL = "draft_for_approval"
    DRAFT_RETURNED = "draft_returned"
    DRAFT_APPROVED = "draft_approved"
    PUBLISHED = "published"
    INFO_RECEIVED = "info_received"
    AUTHOR_REPLIED = "author_replied"
    ANSWER_ANYWAY = "answer_anyway"
    TERM_CHANGED = "term_changed"
    CLARIFICATION_OVERDUE = "clarification_overdue"
    SIGNIFICANT = "significant"
    REMINDER = "reminder"
    EXPIRED = "expired"
    ESCALATION = "escalation"
    NEW_MEMBER = "new_member"
    COORDINATOR_ALERT = "coordinator_alert"
    COORDINATOR_MISS = "coordinator_miss"
    TRANSFERRED_IN = "transferred_in"
    TRANSFER_REFUSED = "transfer_refused"


#: The target of a SIGNIFICANT notice for the head of the case's organisation only, not the coordinator: a
#: case received by transfer was significant in the giver's organisation, whose notice the coordinator had.
HEAD_ONLY = "head_only"


# ---- payloads ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Words:
    """A text passed on as it is: a digest, the head's surge alert, an alert to the admins (worded by their
    producers), the author's reply to a clarification. ``org_id``: the organisation an admins' alert
    concerns (its own admins get it too); None for the deployment as a whole."""
    text: str
    org_id: int | None = None


@dataclass(frozen=True)
class SurgeOperators:
    """cl. 21: the surge's posts for every active operator, with the button that merges them."""
    text: str
    surge_id: int
    org_id: int = 1                 # the surge's organisation: its operators only (issue 14)


@dataclass(frozen=True)
class FromCase:
    """All the notice says is read from the case when it is delivered: the operator's card of a case just
    registered (cl. 9), a department's card, the refresh of every card, a significant case for the head,
    the operator's «answer without the clarification» and a new answer term (cl. 9) for the departments."""


@dataclass(frozen=True)
class Declined:
    """cl. 12: a department declined the case; back to the operator when no department works on it."""
    department: str
    reason: str
    back_to_operator: bool


@dataclass(frozen=True)
class DraftForApproval:
    draft_id: int | None
    approve_by: str | None = None   # ISO 8601: cl. 13–16 ask for the approval earlier than cl. 14 says


@dataclass(frozen=True)
class OfDraft:
    """A draft returned to its department, or approved to be published."""
    draft_id: int | None


@dataclass(frozen=True)
class Published:
    file_id: str
    link: str | None
    kind: str


@dataclass(frozen=True)
class InfoReceived:
    draft_id: int | None
    pending: tuple[str, ...]        # the departments whose information is still to come


@dataclass(frozen=True)
class ClarificationOverdue:
    since: str                      # ISO 8601 as stored: when the clarification request was published
    days: int


@dataclass(frozen=True)
class ClockDue:
    """A reminder before a deadline, or the notice that it ran out."""
    deadline_id: int
    rule: str
    due_at: str                     # ISO 8601 as stored
    late: bool


@dataclass(frozen=True)
class Escalation:
    """cl. 5, 6, 7, 21: a missed deadline told to the head or to the responsible officials."""
    deadline_id: int
    rule: str
    due_at: str
    department_id: int | None
    late: bool


@dataclass(frozen=True)
class NewMember:
    """Issue 13 §2: somebody joined a department's group (or first acted there unconfirmed, STRICT_MEMBERS);
    ``confirm``: the admins get the button that lets them act."""
    chat_id: int
    user_id: int
    name: str
    department: str
    confirm: bool


@dataclass(frozen=True)
class CoordinatorAlert:
    """Issue 14 §3: for the coordinator of cl. 2 (the directorate's group, COORDINATOR_IDS): a surge of one
    organisation (named), or the morning digest across organisations (``org_id`` None)."""
    text: str
    org_id: int | None = None


@dataclass(frozen=True)
class TransferredIn:
    """Issue 14 §5: a case given to this organisation by another (``joined``: into its open case of the same
    post); ``card``: the addressee keeps the case's card (its operator)."""
    from_org: str
    from_number: str
    reason: str
    joined: bool
    card: bool


@dataclass(frozen=True)
class TransferRefused:
    """Issue 14 §5: the receiving organisation gave the case back, with its reason; the case is open again."""
    to_org: str
    to_number: str
    reason: str


Payload = (Words | SurgeOperators | FromCase | Declined | DraftForApproval | OfDraft | Published | InfoReceived
           | ClarificationOverdue | ClockDue | Escalation | NewMember | CoordinatorAlert | TransferredIn
           | TransferRefused)

PAYLOADS: dict[NoticeKind, type[Payload]] = {
    NoticeKind.ADMIN_ALERT: Words, NoticeKind.CHAT_TEXT: Words, NoticeKind.SURGE_OPERATORS: SurgeOperators,
    NoticeKind.INTAKE_CARD: FromCase, NoticeKind.CASE_ROUTED: FromCase, NoticeKind.CARD_REFRESH: FromCase,
    NoticeKind.DECLINED: Declined, NoticeKind.DRAFT_FOR_APPROVAL: DraftForApproval,
    NoticeKind.DRAFT_RETURNED: OfDraft, NoticeKind.DRAFT_APPROVED: OfDraft, NoticeKind.PUBLISHED: Published,
    NoticeKind.INFO_RECEIVED: InfoReceived, NoticeKind.AUTHOR_REPLIED: Words,
    NoticeKind.ANSWER_ANYWAY: FromCase, NoticeKind.TERM_CHANGED: FromCase,
    NoticeKind.CLARIFICATION_OVERDUE: ClarificationOverdue, NoticeKind.SIGNIFICANT: FromCase,
    NoticeKind.REMINDER: ClockDue, NoticeKind.EXPIRED: ClockDue, NoticeKind.ESCALATION: Escalation,
    NoticeKind.NEW_MEMBER: NewMember,
    NoticeKind.COORDINATOR_ALERT: CoordinatorAlert, NoticeKind.COORDINATOR_MISS: Escalation,
    NoticeKind.TRANSFERRED_IN: TransferredIn, NoticeKind.TRANSFER_REFUSED: TransferRefused,
}

P = TypeVar("P", covariant=True)


@dataclass(frozen=True)
class Notice(Generic[P]):
    """A message the process owes. Queued with its typed payload (``Notice[Payload]``); read back from the
    outbox with the payload as stored (``Notice[Json]``) until ``decode`` types it."""

    kind: NoticeKind
    target_kind: str                      # operator | department | head | official | owner | admins | chat …
    target_id: int | None
    case_id: int | None
    payload: P
    dedup_key: str | None = None
    not_before: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.payload, dict | PAYLOADS[self.kind]):
            raise TypeError(f"a {self.kind} notice takes {PAYLOADS[self.kind].__name__}, "
                            f"not {type(self.payload).__name__}")


# ---- the one codec between typed payloads and the stored JSON --------------------------------------

def encode(payload: Payload) -> Json:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(payload).items()}


def decode(notice: Notice[Json]) -> Notice[Payload]:
    cls = PAYLOADS[notice.kind]
    data = notice.payload
    values: Json = {f.name: tuple(data[f.name]) if isinstance(data[f.name], list) else data[f.name]
                    for f in dataclasses.fields(cls) if f.name in data}
    return Notice(notice.kind, notice.target_kind, notice.target_id, notice.case_id, cls(**values),
                  notice.dedup_key, notice.not_before)
