"""The retention rules (bot/domain/retention.py): when a finished case is due, what of a payload is personal."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.retention import PERSONAL_KEYS, cutoff, redact
from tests.conftest import MSK, msk

MARK = "[обезличено]"


def test_cutoff_is_calendar_months_back_in_local_time() -> None:
    assert cutoff(msk(2029, 12, 5, 4, 30), 36, MSK) == msk(2026, 12, 5, 4, 30)
    assert cutoff(msk(2029, 1, 15, 0, 10), 1, MSK) == msk(2028, 12, 15, 0, 10)     # across the year


def test_cutoff_from_a_long_month_end_is_the_shorter_months_last_day() -> None:
    assert cutoff(msk(2029, 3, 31, 12, 0), 1, MSK) == msk(2029, 2, 28, 12, 0)
    assert cutoff(msk(2028, 3, 31, 12, 0), 1, MSK) == msk(2028, 2, 29, 12, 0)      # a leap year


def test_redact_replaces_personal_texts_and_lists_and_keeps_everything_else() -> None:
    payload = {"text": "Иванов", "link": None, "reason": "", "words": ["хрен"], "actor_name": "Оператор Ольга",
               "department_id": 3, "from": "new", "departments": ["ЖКХ"]}
    assert redact(payload, MARK) == {"text": MARK, "link": None, "reason": "", "words": [],
                                     "actor_name": "Оператор Ольга", "department_id": 3, "from": "new",
                                     "departments": ["ЖКХ"]}


values = st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3))
payloads = st.dictionaries(st.one_of(st.sampled_from(sorted(PERSONAL_KEYS)), st.text(max_size=8)), values,
                           max_size=8)


@given(payloads)
def test_redacting_twice_changes_nothing_and_keeps_keys_and_other_values(payload: dict[str, Any]) -> None:
    once = redact(payload, MARK)
    assert redact(once, MARK) == once
    assert once.keys() == payload.keys()
    assert {k: v for k, v in once.items() if k not in PERSONAL_KEYS} == \
           {k: v for k, v in payload.items() if k not in PERSONAL_KEYS}
    assert not any(isinstance(once[k], str) and once[k] not in ("", MARK) for k in PERSONAL_KEYS & once.keys())
