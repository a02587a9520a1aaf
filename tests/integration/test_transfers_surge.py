"""A case received by transfer (issue 14 §5) is a new post of the receiving organisation: it goes through the
receiver's surge detection (cl. 21) and, if socially significant, reaches the receiver's head — once, and not
the coordinator a second time. A real Dispatcher, SQLite and the recording fake Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.orgs import Scope
from bot.runtime.clock import FakeClock
from tests.integration.test_notify_orgs import (
    COORDINATOR,
    COORDINATOR_CHAT,
    HEAD_B,
    OPERATOR_B,
    ORG_B,
    chats_of,
    second_organisation,
)
from tests.integration.test_transfers import transfer
from tests.support.harness import HEAD_CHAT, OPERATOR, Harness, bound_harness

SURGE = "Повышенная социальная активность"
SIGNIFICANT = "Общественно значимое сообщение"


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with bound_harness(tmp_path, clock, coordinator_ids=[COORDINATOR]) as harness:
        await second_organisation(harness)
        yield harness


async def delivered(h: Harness) -> dict[int, list[str]]:
    await h.app.notifier.flush()
    h._scan()
    return chats_of(h)


def about(sent: dict[int, list[str]], chat: int, words: str) -> list[str]:
    return [t for t in sent.get(chat, []) if words in t]


async def last_case(h: Harness, org_id: int | None = None) -> int:
    rows = await h.app.db.fetchall("SELECT id, org_id FROM cases ORDER BY id")
    return int([r[0] for r in rows if org_id is None or r[1] == org_id][-1])


async def test_a_transferred_post_completing_a_surge_in_b_alerts_bs_head_and_not_as(h: Harness) -> None:
    for text in ("Не вывозят мусор, ул. Ленина, 5", "Опять мусор у дома ул. Ленина, 5"):     # B: two posts
        await h.say(OPERATOR_B, text)
        h.clock.advance(minutes=10)
    await h.say(OPERATOR, "ул. Ленина, 5 — свалка")                     # A: one post, no surge in A either
    sent = await delivered(h)
    assert not [chat for chat, msgs in sent.items() if any(SURGE in t for t in msgs)]     # nobody: 2 + 1 posts
    assert not await h.app.db.fetchall("SELECT id FROM surges")
    h.clock.advance(minutes=5)
    assert "там это MIN-2026-0003" in await transfer(h, OPERATOR)
    sent = await delivered(h)
    [alert] = about(sent, HEAD_B, SURGE)                                   # B's head: the three posts of B
    assert all(n in alert for n in ("MIN-2026-0001", "MIN-2026-0002", "MIN-2026-0003"))
    assert not about(sent, HEAD_CHAT, SURGE)                               # A's head: nothing
    for chat in (COORDINATOR, COORDINATOR_CHAT):                           # the coordinator, naming B
        [text] = about(sent, chat, SURGE)
        assert text.startswith(f"🏛 <b>{ORG_B}</b>\n") and "MIN-2026-0003" in text
    assert about(sent, OPERATOR_B, SURGE)                                  # B's operator, with the merge button
    assert not about(sent, OPERATOR, SURGE)
    b = await last_case(h)
    rows = await h.app.db.fetchall("SELECT s.org_id, sc.case_id FROM surges s JOIN surge_cases sc "
                                   "ON sc.surge_id = s.id ORDER BY sc.case_id")
    assert {r[0] for r in rows} == {2} and b in {r[1] for r in rows} and len(rows) == 3


async def test_a_transferred_post_joining_bs_known_surge_is_silent(h: Harness) -> None:
    for text in ("Не вывозят мусор, ул. Ленина, 5", "Опять мусор у дома ул. Ленина, 5", "ул. Ленина, 5 — свалка"):
        await h.say(OPERATOR_B, text)
        h.clock.advance(minutes=5)
    await h.say(OPERATOR, "Мусор ул. Ленина, 5 так и лежит")
    await transfer(h, OPERATOR)
    sent = await delivered(h)
    assert len(about(sent, HEAD_B, SURGE)) == 1                            # the surge of B's own three posts
    assert not about(sent, HEAD_CHAT, SURGE)
    members = await h.app.db.fetchall("SELECT case_id FROM surge_cases")
    assert await last_case(h, 2) in {int(r[0]) for r in members}           # the received post joined it


async def test_a_significant_post_transferred_reaches_bs_head_once_and_the_coordinator_not_again(
        h: Harness) -> None:
    await h.say(OPERATOR, "Обрушилась крыша школы на ул. Ленина, 5")
    await h.press(OPERATOR, OPERATOR, "Общественно значимое")
    sent = await delivered(h)
    assert len(about(sent, HEAD_CHAT, SIGNIFICANT)) == 1
    for chat in (COORDINATOR, COORDINATOR_CHAT):
        assert len(about(sent, chat, SIGNIFICANT)) == 1
    await transfer(h, OPERATOR)
    received = await h.app.cases.get(await last_case(h), scope=Scope.all())
    assert received.org_id == 2 and received.significant
    sent = await delivered(h)
    [to_b] = about(sent, HEAD_B, SIGNIFICANT)                              # B's head: once, B's number
    assert "MIN-2026-0001" in to_b and not to_b.startswith("🏛")
    assert len(about(sent, HEAD_CHAT, SIGNIFICANT)) == 1                   # A's head: not again
    for chat in (COORDINATOR, COORDINATOR_CHAT):                           # the coordinator: no duplicate
        assert len(about(sent, chat, SIGNIFICANT)) == 1
    await h.press(OPERATOR_B, OPERATOR_B, "Дорожный отдел")                 # nothing more while B works it
    await h.press(OPERATOR_B, OPERATOR_B, "Направить")
    assert len(about(await delivered(h), HEAD_B, SIGNIFICANT)) == 1


async def test_an_ordinary_transferred_post_tells_bs_head_nothing(h: Harness) -> None:
    await h.say(OPERATOR, "Яма на дороге Черкесск — Архыз")
    await transfer(h, OPERATOR)
    sent = await delivered(h)
    assert not sent.get(HEAD_B)
    assert not about(sent, COORDINATOR, SIGNIFICANT)


async def test_a_post_given_away_no_longer_counts_towards_the_givers_surges(h: Harness) -> None:
    """The transferred copy is the receiver's post now (issue 14 §5): A's two later posts about the same house
    are two, not three, and make no surge in A."""
    await h.say(OPERATOR, "Не вывозят мусор, ул. Ленина, 5")
    h.clock.advance(minutes=5)
    assert "там это MIN-2026-0001" in await transfer(h, OPERATOR)
    for text in ("Опять мусор у дома ул. Ленина, 5", "ул. Ленина, 5 — свалка"):
        h.clock.advance(minutes=10)
        await h.say(OPERATOR, text)
    sent = await delivered(h)
    assert not about(sent, HEAD_CHAT, SURGE) and not about(sent, OPERATOR, SURGE)
    assert not await h.app.db.fetchall("SELECT id FROM surges WHERE org_id = 1")
