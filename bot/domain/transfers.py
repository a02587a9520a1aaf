"""Transfer of a case between organisations (issue 14 §5): the rules, pure (no aiogram, no SQL).

An operator of organisation A (or the coordinator, cl. 2) gives a case to organisation B with a reason. A's
case ends ``TRANSFERRED``: its open clocks close at the transfer — those already run out stay A's misses
(their blame was fixed by ``bot.domain.accountability.attribute`` when the case was loaded), the rest are
cancelled, so the time spent in A is A's in every KPI. B works a case of its own (its own number) with the
post's detection time and the running cl. 6 answer clock (the same start and due time); B's routing clock
starts at the receipt. If B already has an open case of the same post, the transfer joins it.

B's operators may give a received case back (like cl. 12's decline), with a reason, only before they routed
it: B's case ends ``TRANSFERRED``, A's case is open again (NEW, a routing clock from now, its cl. 6 clock
re-opened with the original due time).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.actions import check
from bot.domain.clocks import answer_start, close_all, open_clock
from bot.domain.errors import InvalidTransition, ValidationFailed
from bot.domain.model import Actor, Case, Deadline, Owner, Status
from bot.domain.transitions import Action
from deadlines.rules import Deadlines

#: The longest reason kept (a transfer or a refusal back): like cl. 12's decline, one short paragraph.
MAX_REASON = 500


def clean_reason(reason: str) -> str:
    """The reason as kept: required, at most ``MAX_REASON`` characters."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("reason_required")
    if len(reason) > MAX_REASON:
        raise ValidationFailed("transfer_reason_too_long", limit=MAX_REASON)
    return reason


def check_target(from_org: int, to_org: int, active_orgs: set[int]) -> None:
    """Only to another organisation that is active now (a forged or stale choice reads as not found)."""
    if to_org == from_org or to_org not in active_orgs:
        raise ValidationFailed("transfer_org_not_found")


def last_answer(case: Case) -> Deadline | None:
    """The case's last cl. 6 clock (open, or closed at the transfer): what the other organisation goes on with."""
    for d in reversed(case.deadlines):
        if d.rule == "answer":
            return d
    return None


def hand_over(case: Case, actor: Actor, now: datetime, reason: str) -> None:
    """The giver's case leaves its organisation: every open clock closes now — one that already ran out
    stays a miss, attributed to whoever held it in the giver's organisation; the others are cancelled."""
    check(case, Action.TRANSFER, actor)
    if case.incident_lead is not None:      # its incident's answer is one for all its posts (cl. 21)
        raise ValidationFailed("transfer_incident")
    clean_reason(reason)
    close_all(case, now)
    case.status = Status.TRANSFERRED


def _continued(answer: Deadline | None, fallback: datetime, now: datetime) -> Deadline:
    """The cl. 6 clock going on in the other organisation: the same start and due time. Already run out, its
    miss is the giver's (inherited, with the giver's blame) and was the giver's to be told about."""
    start, due_at = (answer.started_at, answer.due_at) if answer is not None else (fallback, now)
    d = Deadline(rule="answer", owner=Owner.OPERATOR, started_at=start, due_at=due_at,
                 reminded_at=answer.reminded_at if answer is not None else None)
    if due_at <= now:
        d.blame = answer.blame if answer is not None and answer.blame else None
        d.blame_inherited = d.blame is not None
        d.reminded_at = d.reminded_at or now
        d.expired_notified_at = (answer.expired_notified_at if answer is not None else None) or now
    return d


def received(giver: Case, to_org: int, operator_id: int, dl: Deadlines, now: datetime) -> Case:
    """The receiver's new case of the same post (its number is given when it is stored): the detection time,
    the terms and the running cl. 6 clock are the giver's; routing (cl. 9) is owed from the receipt."""
    case = Case(number="", status=Status.NEW, platform=giver.platform, text=giver.text,
                detected_at=giver.detected_at, operator_id=operator_id, link=giver.link,
                link_norm=giver.link_norm, author=giver.author, media=list(giver.media), urgent=giver.urgent,
                significant=giver.significant, answer_minutes=giver.answer_minutes, org_id=to_org)
    open_clock(case, dl, "route", Owner.OPERATOR, now)
    case.deadlines.append(_continued(last_answer(giver), giver.detected_at, now))
    return case


def give_back(case: Case, actor: Actor, now: datetime, reason: str, *, received_by_transfer: bool) -> None:
    """The receiver refuses a case received by transfer (only before routing it): its clocks close now."""
    check(case, Action.REFUSE_TRANSFER, actor)
    if not received_by_transfer:
        raise InvalidTransition("not_received_by_transfer")
    clean_reason(reason)
    close_all(case, now)
    case.status = Status.TRANSFERRED


def take_back(case: Case, dl: Deadlines, now: datetime) -> None:
    """The giver's case is open again after a refusal: NEW, a routing clock from now, and the cl. 6 clock as
    it ran at the transfer (its original start and due time). Its departments are off it (as on reopen)."""
    if case.status != Status.TRANSFERRED:
        raise InvalidTransition(action=Action.REFUSE_TRANSFER.value, status=case.status.value)
    answer = last_answer(case)
    case.assignments = []
    case.multi = False
    case.status = Status.NEW
    open_clock(case, dl, "route", Owner.OPERATOR, now)
    case.deadlines.append(_continued(answer, answer_start(case), now))
