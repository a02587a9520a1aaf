"""Who owes each clock of a case at a moment: the accountability matrix (docs/workflow.md).

The regulation names who acts at each step (cl. 9, 14, 17: the operator; cl. 12, 13, 15, 16: the
executor). The overall clocks — the answer (cl. 6) and the final answer (cl. 7) — are owed at each
moment by whoever holds the next step: a department whose draft waits for approval is not late, the
operator is. Reminders, cards, escalations and KPIs all read `owners()`; nothing else decides.

A miss is attributed once, to the party that held the step when the clock ran out (`attribute`):
ownership changes only when the case changes, so the owners computed just before an action taken
after the due moment, or at the expiry run itself, are the owners at expiry. A department that
received a case whose draft deadline was already spent inherits that time: a miss it could not
avoid is attributed to whoever used the time up (a late decline, a slow re-route) and counted as
inherited.

Pure: no aiogram, no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.model import Case, Deadline, DeptState, Outcome, Owner, Status

#: The overall clocks, owed by whoever holds the next step.
CASE_CLOCKS = frozenset({"answer", "final"})
#: Step clocks whose owner is fixed by the rule (the department ones name it on the deadline).
OPERATOR_STEPS = frozenset({"route", "approval"})
DEPARTMENT_STEPS = frozenset({"decline", "draft", "rework", "publish", "info"})


@dataclass(frozen=True, order=True)
class Party:
    """The operator (by Telegram user id) or a department (by id)."""

    kind: Owner
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def parse(cls, key: str) -> Party:
        kind, _, ident = key.partition(":")
        return cls(Owner(kind), int(ident))

    @classmethod
    def operator(cls, user_id: int) -> Party:
        return cls(Owner.OPERATOR, user_id)

    @classmethod
    def department(cls, department_id: int) -> Party:
        return cls(Owner.DEPARTMENT, department_id)


class Holder(StrEnum):
    """Who holds the next step of a case, by its state (the rows of the matrix)."""

    OPERATOR = "operator"                  # route, re-route, approve, compose, publish what they composed
    RECEIVING = "receiving"                # the departments that must accept or decline (cl. 12)
    WORKING = "working"                    # the department preparing the draft (cl. 13, 15)
    PUBLISHER = "publisher"                # whoever publishes the approved text (cl. 16)
    PENDING_INFO = "pending_info"          # departments that have not sent information, then the operator (cl. 17)
    NOBODY = "nobody"                      # waiting for the author, or closed


#: state × (one department / several departments) → holder of the answer and final clocks.
#: A state added to `Status` without a row here fails tests/unit/test_accountability.py.
MATRIX: dict[Status, tuple[Holder, Holder]] = {
    #                        one department         several departments (cl. 17)
    Status.NEW:             (Holder.OPERATOR,      Holder.OPERATOR),
    Status.ROUTED:          (Holder.RECEIVING,     Holder.RECEIVING),
    Status.IN_WORK:         (Holder.WORKING,       Holder.WORKING),
    Status.ON_APPROVAL:     (Holder.OPERATOR,      Holder.OPERATOR),
    Status.REWORK:          (Holder.WORKING,       Holder.WORKING),
    Status.APPROVED:        (Holder.PUBLISHER,     Holder.PUBLISHER),
    Status.AWAITING_FINAL:  (Holder.WORKING,       Holder.OPERATOR),
    Status.AWAITING_AUTHOR: (Holder.NOBODY,        Holder.NOBODY),
    Status.COLLECTING:      (Holder.PENDING_INFO,  Holder.PENDING_INFO),
    Status.CLOSED:          (Holder.NOBODY,        Holder.NOBODY),
    Status.EXCLUDED:        (Holder.NOBODY,        Holder.NOBODY),
    Status.DISMISSED:       (Holder.NOBODY,        Holder.NOBODY),
    Status.TRANSFERRED:     (Holder.NOBODY,        Holder.NOBODY),
}


def holder(case: Case) -> Holder:
    one, several = MATRIX[case.status]
    return several if case.multi else one


def _case_owners(case: Case) -> tuple[Party, ...]:
    h = holder(case)
    operator = (Party.operator(case.operator_id),)
    active = case.active_assignments
    if h == Holder.OPERATOR:
        return operator
    if h == Holder.RECEIVING:
        receiving = [a for a in active if a.state == DeptState.ROUTED]
        return tuple(Party.department(a.department_id) for a in receiving or active) or operator
    if h == Holder.WORKING:
        return tuple(Party.department(a.department_id) for a in active) or operator
    if h == Holder.PUBLISHER:
        draft = case.approved_draft
        if draft is None or draft.department_id is None:
            return operator              # the operator composed it and publishes it (cl. 17)
        return (Party.department(draft.department_id),)
    if h == Holder.PENDING_INFO:
        pending = [a for a in active if a.state != DeptState.INFO_SENT]
        return tuple(Party.department(a.department_id) for a in pending) or operator
    return ()


def step_owner(case: Case, d: Deadline) -> Party:
    """The fixed owner of a step clock: the department it names, else the operator."""
    if d.department_id is not None:
        return Party.department(d.department_id)
    return Party.operator(case.operator_id)


def owners(case: Case, d: Deadline, lead: Case | None = None) -> tuple[Party, ...]:
    """Who owes ``d`` now: the operator, one or more departments, or nobody (waiting for the author).

    ``lead`` is the incident's lead post when ``case`` is a member of an incident (cl. 21): a member's
    answer and final clocks follow the lead's holder.
    """
    if d.rule in CASE_CLOCKS:
        if lead is not None and lead.number != case.number and lead.is_open \
                and case.status in (Status.NEW, Status.AWAITING_FINAL):
            return _case_owners(lead)       # the answer / the final answer is prepared on the lead (cl. 21)
        return _case_owners(case)
    return (step_owner(case, d),)       # route, approval, a publish of the operator's text, department steps


# ---- inherited time (cl. 12, re-routing) ----------------------------------------------------------------

def culprits(case: Case, before: datetime) -> tuple[Party, ...]:
    """The parties who used the case's time up before ``before``: every missed decline (a department that
    said «не наша компетенция» late) and every missed route (the operator routed or re-routed late).
    With nobody late, the operator, who steers the case, carries it."""
    late = {Party.department(d.department_id) if d.department_id is not None else Party.operator(case.operator_id)
            for d in case.deadlines
            if d.rule in ("route", "decline") and d.started_at < before
            and (d.outcome == Outcome.MISSED or (d.is_open and d.due_at < before))}
    return tuple(sorted(late)) or (Party.operator(case.operator_id),)


def too_late_to_meet(minutes_left: float, window_minutes: float) -> bool:
    """A department received the case with its draft deadline passed, or with less than ``window_minutes`` of
    the draft clock's own time (working minutes, as it is counted) left."""
    return minutes_left < window_minutes


# ---- attribution of misses -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Blame:
    parties: tuple[Party, ...]
    inherited: bool = False


def blame_for(case: Case, d: Deadline, lead: Case | None = None) -> Blame:
    """Who a miss of ``d`` is attributed to, in the case's present state (the state at expiry)."""
    parties = owners(case, d, lead)
    inherited_from: list[Party] = []
    direct: list[Party] = []
    for p in parties:
        a = case.assignment(p.id) if p.kind == Owner.DEPARTMENT else None
        if a is not None and a.inherited_from and d.rule in ("answer", "draft", "final") \
                and (d.department_id in (None, p.id)):
            inherited_from.extend(Party.parse(k) for k in a.inherited_from)
        else:
            direct.append(p)
    if inherited_from and not direct:
        return Blame(tuple(sorted(set(inherited_from))), inherited=True)
    return Blame(tuple(sorted(set(direct + inherited_from))))


def attribute(case: Case, now: datetime, lead: Case | None = None) -> list[Deadline]:
    """Fix the blame of every deadline that ran out by ``now`` and has none yet; return those deadlines.
    (A step done at the very moment of its deadline is on time: `Deadline.close` drops the blame then.)

    Call it with the case as it stood at expiry: before an action changes it, and at the expiry run.
    """
    fixed = []
    for d in case.deadlines:
        if d.blame is not None or d.due_at > now:       # the expiry run comes at the due moment itself
            continue
        if d.is_open:
            b = blame_for(case, d, lead)
        elif d.closed_at is not None and d.closed_at > d.due_at:    # closed late before it was attributed
            b = Blame((step_owner(case, d),))
        else:
            continue
        d.blame = tuple(p.key for p in b.parties)
        d.blame_inherited = b.inherited
        fixed.append(d)
    return fixed


# ---- the chain of steps, for an escalation ----------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step clock of the case as it stands: who owed it, when it started, ended and was due."""

    rule: str
    party: Party
    started_at: datetime
    due_at: datetime
    closed_at: datetime | None
    outcome: Outcome | None
    decision: str | None = None        # approval: "approved" | "returned"; decline: "accepted" | "declined"

    @property
    def done(self) -> bool:
        return self.closed_at is not None


def chain(case: Case, limit: int = 6) -> list[Step]:
    """The case's step clocks in order (the last ``limit``), with how each ended; cancelled steps left out
    (a draft clock closed because the department declined is no step of anybody's)."""
    out: list[Step] = []
    for d in sorted(case.deadlines, key=lambda d: (d.started_at, d.id or 0)):
        if d.rule in CASE_CLOCKS or d.outcome == Outcome.CANCELLED and d.rule != "decline":
            continue
        decision = None
        if d.rule == "approval" and d.closed_at is not None:
            decided = next((r for r in case.drafts if r.decided_at == d.closed_at and r.decision), None)
            decision = decided.decision if decided else None
        elif d.rule == "decline" and d.closed_at is not None:
            a = case.assignment(d.department_id)
            if a is not None:
                decision = "declined" if a.declined_at == d.closed_at else "accepted"
        out.append(Step(d.rule, step_owner(case, d), d.started_at, d.due_at, d.closed_at, d.outcome, decision))
    return out[-limit:]
