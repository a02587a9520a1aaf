"""OFFICIAL_IDS and ESCALATE_OFFICIAL_RULES (cl. 5): the defaults, and a wrong value named in Russian."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_validation_error


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_cl5_officials_and_the_split_of_misses_by_default() -> None:
    s = settings(official_ids="700; 701")
    assert s.people.official_ids == [700, 701]
    assert settings(official_ids="").people.official_ids == []
    assert s.reminders.escalate_rule_set() == {"answer", "final"}
    assert s.reminders.escalate_official_rule_set() == {"route", "decline", "draft", "approval", "rework", "publish", "info"}


def test_cl5_malformed_official_ids_give_a_clear_error() -> None:
    with pytest.raises(ValidationError) as info:
        settings(official_ids="700,заместитель")
    message = describe_validation_error(info.value)
    assert "OFFICIAL_IDS" in message and "«заместитель» — не число" in message


def test_cl5_unknown_rule_for_the_official_is_named() -> None:
    with pytest.raises(ValidationError) as info:
        settings(escalate_official_rules="route,publsh")
    message = describe_validation_error(info.value)
    assert "ESCALATE_OFFICIAL_RULES" in message and "«publsh»" in message
