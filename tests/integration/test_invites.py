"""Issue 13: an invite's token is a 192-bit secret stored only as its sha256 (a leaked database or backup holds no
usable link; migration 0011 converts the rows written before it), and an admin revokes an unused invite by
/invites and its button, audited; a used, revoked or forged one is refused and nothing changes."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import texts
from bot.domain.model import Role
from bot.runtime.clock import FakeClock
from bot.services.access import AccessService
from handlers.callbacks import AdminCb, AdminOp
from storage.connect import open_database
from storage.db import _split_sql, load_migrations
from tests.support import updates
from tests.support.harness import ADMIN, OPERATOR, STRANGER, Harness, make_harness

INVITED = 555


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
async def h(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    harness = await make_harness(tmp_path, clock)
    yield harness
    await harness.app.close()


async def invite_token(h: Harness, command: str = "/invite") -> str:
    await h.say(ADMIN, command)
    found = re.search(r"start=inv_(\S+)", h.last(ADMIN).text)
    assert found is not None
    return found.group(1)


async def stored_tokens(h: Harness) -> list[str]:
    return [r["token"] for r in await h.app.db.fetchall("SELECT token FROM invites")]


async def test_an_invite_is_a_long_random_token_stored_only_as_its_hash(h: Harness) -> None:
    token = await invite_token(h)
    assert len(token) == 32 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert "/invites" in h.last(ADMIN).text
    assert await stored_tokens(h) == [sha256(token)]
    await h.say(INVITED, f"/start inv_{token}")
    assert "оператор" in h.last(INVITED).text.lower()
    assert INVITED in [o.user_id for o in await h.app.access.operators(org_id=1)]
    await h.say(STRANGER, f"/start inv_{token}")                       # one use only
    assert h.last(STRANGER).text == texts.INVITE_INVALID
    await h.say(STRANGER, f"/start inv_{sha256(token)}")               # the stored hash is no link
    assert h.last(STRANGER).text == texts.INVITE_INVALID


async def test_an_admin_revokes_an_unused_invite_and_its_link_stops_working(h: Harness) -> None:
    token = await invite_token(h)
    await invite_token(h, "/invite_official")
    await h.say(ADMIN, "/invites")
    listing = h.last(ADMIN)
    assert texts.INVITES_TITLE in listing.text and "оператор" in listing.text and "ответственное лицо" in listing.text
    assert await h.press(ADMIN, ADMIN, texts.BTN_REVOKE_INVITE + ": оператор") == texts.INVITE_REVOKED
    await h.say(INVITED, f"/start inv_{token}")
    assert h.last(INVITED).text == texts.INVITE_INVALID
    events = await h.app.db.fetchall("SELECT kind, actor_id, payload FROM events WHERE kind = 'invite_revoked'")
    assert [(e["kind"], e["actor_id"]) for e in events] == [("invite_revoked", ADMIN)] and "operator" in events[0]["payload"]
    assert await h.press(ADMIN, ADMIN, texts.BTN_REVOKE_INVITE + ": оператор") == texts.INVITE_NOT_REVOCABLE
    await h.say(ADMIN, "/invites")
    assert "ответственное лицо" in h.last(ADMIN).text and "оператор," not in h.last(ADMIN).text


async def test_a_used_expired_or_forged_invite_is_not_revoked_and_others_may_not_press(h: Harness) -> None:
    token = await invite_token(h)
    await h.say(ADMIN, "/invites")
    message_id, data = h.button(ADMIN, texts.BTN_REVOKE_INVITE)
    await h.say(INVITED, f"/start inv_{token}")                        # used meanwhile
    await h.feed(updates.callback(ADMIN, ADMIN, data, message_id, chat_type="private"))
    assert h.alerts()[-1] == texts.INVITE_NOT_REVOCABLE
    forged = AdminCb(op=AdminOp.REVOKE_INVITE, target=123456789).pack()
    await h.feed(updates.callback(ADMIN, ADMIN, forged, message_id, chat_type="private"))
    assert h.alerts()[-1] == texts.INVITE_NOT_REVOCABLE
    await invite_token(h)
    await h.say(ADMIN, "/invites")
    message_id, data = h.button(ADMIN, texts.BTN_REVOKE_INVITE)
    for someone in (OPERATOR, STRANGER):
        await h.feed(updates.callback(someone, someone, data, message_id, chat_type="private"))
        assert h.alerts()[-1] == texts.NO_ACCESS
    h.clock.advance(timedelta(hours=25))
    await h.feed(updates.callback(ADMIN, ADMIN, data, message_id, chat_type="private"))
    assert h.alerts()[-1] == texts.INVITE_NOT_REVOCABLE
    await h.say(ADMIN, "/invites")
    assert h.last(ADMIN).text == texts.INVITES_EMPTY
    assert await h.app.db.fetchall("SELECT 1 FROM events WHERE kind = 'invite_revoked'") == []
    await h.say(OPERATOR, "/invites")
    assert h.last(OPERATOR).text == texts.ADMIN_ONLY


@pytest.mark.sqlite_only      # upgrades a SQLite file of the schema before 0011 (PostgreSQL starts at 0016)
async def test_migration_0011_converts_the_stored_tokens_to_their_hashes(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _, sql in load_migrations()[:10]:
        for statement in _split_sql(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    now = clock.now()
    conn.execute("INSERT INTO invites (token, created_by, created_at, expires_at, role) VALUES (?, ?, ?, ?, ?)",
                 ("old-plain-token", ADMIN, now.isoformat(), (now + timedelta(hours=1)).isoformat(), "official"))
    conn.close()
    db = await open_database(path)
    try:
        assert [r["token"] for r in await db.fetchall("SELECT token FROM invites")] == [sha256("old-plain-token")]
        access = AccessService(db, clock, admin_ids=[ADMIN], operator_ids=[], head_chat_id=None)
        assert await access.accept_invite("old-plain-token", INVITED, "Ирина") == Role.OFFICIAL
    finally:
        await db.close()
