"""The republic's rating of organisations (issue 14 §4, cl. 2): what each organisation's figures are in a
period and in which order they stand.

Pure: the facts of each case come from storage (storage/ratings.py), the working minutes from the calendar
(bot/services/ratings.py). The rules:

- a *post* of an organisation is a case of it detected in the period, in scope (not 59-ФЗ, not dismissed)
  and not given away: a case transferred out counts for the giver only as a transfer out and for the clocks
  it missed before the transfer; the receiver's case counts as the receiver's post, without the clocks that
  ran out before the receiver got it;
- cl. 6 share: answer clocks met / answer clocks decided (met, missed or past due now); cl. 7 the same for the
  final answer after an intermediate one;
- reaction: working minutes from detection (for a received case: from its receipt) to the first publication;
- ranked by the cl. 6 share (higher first), then the median reaction (shorter first); equal on both: the
  same place. An organisation with fewer than ``MIN_RANKED_POSTS`` posts is listed after the ranked ones,
  without a place.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum

MIN_RANKED_POSTS = 2


class Verdict(IntEnum):
    """A case's clock of one rule: not decided yet (running, cancelled, none), met, or missed."""

    NONE = 0
    MET = 1
    MISSED = 2


@dataclass(frozen=True)
class CaseFacts:
    """What the rating needs of one case (storage/ratings.py reads it)."""

    org_id: int
    given: bool = False                 # transferred out of this organisation
    answer: Verdict = Verdict.NONE      # cl. 6, the receiver's part only
    final: Verdict = Verdict.NONE       # cl. 7
    reaction_minutes: float | None = None
    drafts: int = 0
    returns: int = 0
    declines: int = 0


@dataclass
class OrgFigures:
    org_id: int
    name: str
    posts: int = 0
    answer_met: int = 0
    answer_due: int = 0
    final_met: int = 0
    final_due: int = 0
    overdue: int = 0                    # cases with a cl. 6 or cl. 7 clock missed (given ones: before the transfer)
    drafts: int = 0
    returns: int = 0
    declines: int = 0
    transfers_in: int = 0
    transfers_out: int = 0
    reactions: list[float] = field(default_factory=list)

    @property
    def answer_share(self) -> float | None:
        return self.answer_met / self.answer_due if self.answer_due else None

    @property
    def final_share(self) -> float | None:
        return self.final_met / self.final_due if self.final_due else None

    @property
    def returns_share(self) -> float | None:
        return self.returns / self.drafts if self.drafts else None

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.reactions) if self.reactions else None

    @property
    def mean_minutes(self) -> float | None:
        return statistics.fmean(self.reactions) if self.reactions else None

    @property
    def ranked(self) -> bool:
        return self.posts >= MIN_RANKED_POSTS


@dataclass(frozen=True)
class RatingLine:
    place: int | None                   # None: fewer than MIN_RANKED_POSTS posts, listed without a place
    figures: OrgFigures


def tally(orgs: Iterable[tuple[int, str]], facts: Iterable[CaseFacts],
          transfers: Iterable[tuple[int, int]] = ()) -> list[OrgFigures]:
    """Every organisation's figures. ``orgs``: (id, name) of those listed (a case of an organisation not
    listed is ignored); ``transfers``: (from_org, to_org) of the period's transfers."""
    out = {org_id: OrgFigures(org_id, name) for org_id, name in orgs}
    for f in facts:
        o = out.get(f.org_id)
        if o is None:
            continue
        if f.answer is Verdict.MISSED or f.final is Verdict.MISSED:
            o.overdue += 1
        if f.given:                     # the giver keeps only its misses before the transfer
            o.answer_due += f.answer is Verdict.MISSED
            o.final_due += f.final is Verdict.MISSED
            continue
        o.posts += 1
        if f.answer is not Verdict.NONE:
            o.answer_due += 1
            o.answer_met += f.answer is Verdict.MET
        if f.final is not Verdict.NONE:
            o.final_due += 1
            o.final_met += f.final is Verdict.MET
        if f.reaction_minutes is not None:
            o.reactions.append(f.reaction_minutes)
        o.drafts += f.drafts
        o.returns += f.returns
        o.declines += f.declines
    for from_org, to_org in transfers:
        if from_org in out:
            out[from_org].transfers_out += 1
        if to_org in out:
            out[to_org].transfers_in += 1
    return list(out.values())


def _key(o: OrgFigures) -> tuple[float, float]:
    share = o.answer_share
    median = o.median_minutes
    return (-share if share is not None else 1.0, median if median is not None else float("inf"))


def rank(figures: Iterable[OrgFigures]) -> list[RatingLine]:
    """Ranked organisations first (standard competition places: 1, 1, 3 on a tie), then the unranked ones
    by posts and name."""
    figures = list(figures)
    ranked = sorted((o for o in figures if o.ranked), key=lambda o: (*_key(o), o.name.lower()))
    out: list[RatingLine] = []
    for i, o in enumerate(ranked):
        tie = i > 0 and _key(ranked[i - 1]) == _key(o)
        out.append(RatingLine(out[-1].place if tie else i + 1, o))
    rest = sorted((o for o in figures if not o.ranked), key=lambda o: (-o.posts, o.name.lower()))
    return out + [RatingLine(None, o) for o in rest]
