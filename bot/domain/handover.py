"""Who takes a removed operator's open cases: one operator the admin chose, or the pool of active operators
spread evenly (each case to whoever holds the fewest open cases at that moment, the lower id on a tie).

Pure: the use case (bot/services/handover.py) reads the load and stores the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.domain.errors import ValidationFailed


def assign(cases: Sequence[int], load: Mapping[int, int], chosen: int | None = None) -> dict[int, int]:
    """case id -> the operator who takes it. ``load``: the active operators who may take cases (the one
    leaving not among them) and their open cases now; ``chosen``: all go to this one of them."""
    if not cases:
        return {}
    if chosen is not None:
        if chosen not in load:
            raise ValidationFailed("handover_target_inactive")
        return dict.fromkeys(cases, chosen)
    if not load:
        raise ValidationFailed("handover_no_operators")
    held = dict(load)
    out: dict[int, int] = {}
    for case_id in cases:
        operator = min(held, key=lambda o: (held[o], o))
        out[case_id] = operator
        held[operator] += 1
    return out
