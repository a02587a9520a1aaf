"""COORDINATOR_RULES (issue 14 §3): which missed deadlines the coordinator of cl. 2 receives — the answer and
the final answer by default, none when empty, a wrong rule named in Russian."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_validation_error


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_coordinator_gets_the_cl6_and_cl7_misses_by_default_and_none_when_empty() -> None:
    assert settings().reminders.coordinator_rule_set() == {"answer", "final"}
    assert settings(coordinator_rules="").reminders.coordinator_rule_set() == frozenset()
    assert settings(coordinator_rules="answer; route").reminders.coordinator_rule_set() == {"answer", "route"}


def test_an_unknown_coordinator_rule_is_named() -> None:
    with pytest.raises(ValidationError) as info:
        settings(coordinator_rules="answer,fnal")
    message = describe_validation_error(info.value)
    assert "COORDINATOR_RULES" in message and "«fnal»" in message
