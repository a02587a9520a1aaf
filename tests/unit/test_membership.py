"""Who counts as a member of a bound group now, the flood gate, which chats may be bound (bot/domain/membership.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.membership import (
    PROBE_TTL,
    Flood,
    FloodGate,
    Membership,
    Source,
    Verdict,
    in_chat,
    joined,
    verdict,
    why_not_bindable,
)
from bot.settings import Settings

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("status", "is_member", "expected"), [
    ("creator", None, True), ("administrator", None, True), ("member", None, True),
    ("restricted", True, True), ("restricted", False, False), ("left", None, False), ("kicked", None, False),
])
def test_in_chat_counts_owner_admin_member_and_restricted_only_while_member(status: str, is_member: bool | None,
                                                                             expected: bool) -> None:
    assert in_chat(status, is_member) is expected


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("left", "member", True), ("kicked", "member", True), ("member", "left", False), ("member", "kicked", False),
    ("administrator", "left", False), ("member", "administrator", None), ("left", "kicked", None),
])
def test_joined_reads_a_chat_member_change_as_a_join_a_leave_or_neither(old: str, new: str,
                                                                       expected: bool | None) -> None:
    assert joined(old, None, new, None) is expected


def record(present: bool, age: timedelta = timedelta(0), *, confirmed: bool = False) -> Membership:
    return Membership(-1, 7, present, Source.EVENT, NOW - age, confirmed=confirmed)


@pytest.mark.parametrize(("rec", "strict", "expected"), [
    (None, False, Verdict.UNKNOWN),
    (record(True), False, Verdict.MEMBER),
    (record(False), False, Verdict.GONE),
    (record(False), True, Verdict.GONE),
    (record(True), True, Verdict.UNCONFIRMED),
    (record(True, confirmed=True), True, Verdict.MEMBER),
    (record(True, PROBE_TTL - timedelta(seconds=1)), False, Verdict.MEMBER),
    (record(True, PROBE_TTL), False, Verdict.UNKNOWN),
    (record(False, PROBE_TTL), False, Verdict.UNKNOWN),
])
def test_verdict_believes_what_it_learned_for_a_few_minutes_and_strict_mode_waits_for_a_confirmation(
        rec: Membership | None, strict: bool, expected: Verdict) -> None:
    assert verdict(rec, NOW, strict=strict) == expected


def test_flood_gate_answers_a_flood_once_and_lets_the_person_in_again_after_the_window() -> None:
    gate = FloodGate(3)
    assert [gate.hit(1, NOW) for _ in range(6)] == [Flood.PASS] * 3 + [Flood.TELL, Flood.DROP, Flood.DROP]
    assert gate.hit(2, NOW) == Flood.PASS                     # per person
    later = NOW + timedelta(minutes=1)
    assert [gate.hit(1, later) for _ in range(5)] == [Flood.PASS] * 3 + [Flood.TELL, Flood.DROP]


def test_flood_gate_off_and_bounded_memory() -> None:
    assert all(FloodGate(0).hit(1, NOW) == Flood.PASS for _ in range(100))
    gate = FloodGate(1, keep=10)
    for user in range(100):
        gate.hit(user, NOW + timedelta(minutes=user))
    assert len(gate._hits) <= 11


@pytest.mark.parametrize(("chat_type", "username", "expected"), [
    ("group", None, None), ("supergroup", None, None), ("supergroup", "city_public", "public"),
    ("private", None, "not_a_group"), ("channel", "news", "not_a_group"),
])
def test_only_a_private_group_can_be_bound(chat_type: str, username: str | None, expected: str | None) -> None:
    assert why_not_bindable(chat_type, username) == expected


@pytest.mark.parametrize(("env", "strict", "concurrency", "flood"), [
    ({}, False, 16, 20),
    ({"STRICT_MEMBERS": "", "UPDATES_CONCURRENCY": "", "FLOOD_LIMIT": ""}, False, 16, 20),   # blank: the default
    ({"STRICT_MEMBERS": "true", "UPDATES_CONCURRENCY": "4", "FLOOD_LIMIT": "0"}, True, 4, 0),
])
def test_member_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                   strict: bool, concurrency: int, flood: int) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456789:" + "A" * 35)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.people.strict_members, settings.web.updates_concurrency, settings.web.flood_limit) == (
        strict, concurrency, flood)


@pytest.mark.parametrize(("name", "value"), [("STRICT_MEMBERS", "perhaps"), ("UPDATES_CONCURRENCY", "0"),
                                             ("UPDATES_CONCURRENCY", "500"), ("FLOOD_LIMIT", "-1")])
def test_wrong_member_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.lower()):
        Settings(_env_file=None)  # type: ignore[call-arg]
