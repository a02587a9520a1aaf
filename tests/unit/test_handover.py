"""Who takes a removed operator's open cases (bot/domain/handover.py): the chosen one, or the pool evenly."""

from __future__ import annotations

import pytest

from bot.domain.errors import ValidationFailed
from bot.domain.handover import assign


@pytest.mark.parametrize(("cases", "load", "chosen", "expected"), [
    ([1, 2, 3], {10: 0, 11: 0}, None, {1: 10, 2: 11, 3: 10}),          # alternate from the lower id
    ([1, 2, 3], {10: 5, 11: 0}, None, {1: 11, 2: 11, 3: 11}),          # the busy one gets none until level
    ([1, 2, 3, 4], {10: 1, 11: 0, 12: 3}, None, {1: 11, 2: 10, 3: 11, 4: 10}),
    ([1, 2], {10: 0, 11: 9}, 11, {1: 11, 2: 11}),                      # the admin's choice, whatever the load
    ([], {}, None, {}),                                                # nothing to hand over, nobody needed
])
def test_cases_go_to_the_chosen_operator_or_evenly_over_the_pool(
        cases: list[int], load: dict[int, int], chosen: int | None, expected: dict[int, int]) -> None:
    assert assign(cases, load, chosen) == expected


def test_an_operator_not_in_the_pool_cannot_be_chosen() -> None:
    with pytest.raises(ValidationFailed) as err:
        assign([1], {10: 0}, chosen=99)
    assert err.value.code == "handover_target_inactive"


def test_no_active_operator_is_refused() -> None:
    with pytest.raises(ValidationFailed) as err:
        assign([1], {})
    assert err.value.code == "handover_no_operators"
