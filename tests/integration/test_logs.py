"""Structured log lines: case number and actor where known, one line per event, never the token."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.clock import FakeClock
from bot.runtime.logs import current_context, log_context, make_handler
from tests.support.harness import ADMIN, DEPT_A_CHAT, OPERATOR, Harness, bind_departments, make_harness

TOKEN = "123456789:AAHk-very-secret-part-of-the-token_xyz"
WEBHOOK_SECRET = "hook_secret-0123456789"
HARNESS_TOKEN = "42:TEST"          # the token make_harness gives the bot


class Captured:
    def __init__(self, fmt: str) -> None:
        self.buffer = io.StringIO()
        self.handler = make_handler(fmt, [TOKEN, WEBHOOK_SECRET, HARNESS_TOKEN])
        assert isinstance(self.handler, logging.StreamHandler)
        self.handler.setStream(self.buffer)

    @property
    def lines(self) -> list[str]:
        return self.buffer.getvalue().splitlines()

    def line_with(self, needle: str) -> str:
        found = [line for line in self.lines if needle in line]
        assert found, f"no log line with {needle!r}: {self.lines}"
        return found[-1]


@pytest.fixture(params=["text", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[Captured]:
    cap = Captured(request.param)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(cap.handler)
    root.setLevel(logging.INFO)
    yield cap
    root.removeHandler(cap.handler)
    root.setLevel(old_level)


def fields(line: str) -> dict[str, str]:
    if line.startswith("{"):
        return {k: str(v) for k, v in json.loads(line).items()}
    out = {}
    for key, raw, bare in re.findall(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))', line):
        out[key] = raw.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\") if raw else bare
    return out


async def posted(tmp_path: Path, clock: FakeClock) -> Harness:
    """The departments bound and a forward posted by the operator: case 2026-0001."""
    h = await make_harness(tmp_path, clock)
    await bind_departments(h)
    await h.say(OPERATOR, "Во дворе не вывозят мусор", forward_from_chat=(-100555, "Подслушано", "zelen"),
                forward_message_id=77)
    return h


async def test_a_case_action_and_its_delivery_carry_the_case_number_and_the_actor(
        tmp_path: Path, clock: FakeClock, captured: Captured) -> None:
    h = await posted(tmp_path, clock)
    try:
        await h.press(OPERATOR, OPERATOR, "Отдел ЖКХ")
        await h.press(OPERATOR, OPERATOR, "Направить")
        assert any("Сообщение 2026-0001" in t for t in h.session.sent_texts(DEPT_A_CHAT))
    finally:
        await h.app.close()

    routed = fields(captured.line_with("routed by"))
    assert routed["case"] == "2026-0001"
    assert routed["actor_id"] == str(OPERATOR) and routed["actor_role"] == "operator"
    assert routed["level"] == "INFO" and routed["logger"] == "bot.services.cases"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$", routed["time"])

    delivered = fields(captured.line_with("(case_routed) delivered"))
    assert delivered["case"] == "2026-0001"
    assert "actor_id" not in delivered                      # the sender acts for nobody


async def test_an_update_that_fails_is_logged_with_its_case_and_actor_and_without_the_token(
        tmp_path: Path, clock: FakeClock, captured: Captured) -> None:
    h = await posted(tmp_path, clock)
    try:
        await h.say(ADMIN, "/start")                            # another person's update in between
        h.session.fail_next("answerCallbackQuery", RuntimeError(f"network down at /bot{HARNESS_TOKEN}/x"))
        await h.press(OPERATOR, OPERATOR, "Отдел ЖКХ")         # a case's button: no use case logs it
    finally:
        await h.app.close()
    failed = fields(captured.line_with("failed"))
    assert failed["level"] == "ERROR" and failed["logger"] == "handlers.errors"
    assert failed["case"] == "2026-0001"
    assert failed["actor_id"] == str(OPERATOR) and failed["actor_role"] == "operator"
    assert "RuntimeError" in failed["exc"] and "network down" in failed["exc"]
    assert HARNESS_TOKEN not in captured.buffer.getvalue()
    handled = [fields(line) for line in captured.lines if "is handled" in line]
    assert handled[-2]["actor_id"] == str(ADMIN) and "case" not in handled[-2]   # each update starts afresh
    assert handled[-1]["actor_id"] == str(OPERATOR) and handled[-1]["case"] == "2026-0001"


def test_the_token_never_appears_not_even_in_a_traceback(captured: Captured) -> None:
    log = logging.getLogger("bot.test")
    with log_context(case="2026-0007", actor_id=5, actor_role="admin"):
        log.info("calling https://api.telegram.org/bot%s/getMe with %s", TOKEN, WEBHOOK_SECRET)
        try:
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed\nsecond line")
        except RuntimeError:
            log.exception("request failed for token %s", TOKEN.split(":")[1])
    out = captured.buffer.getvalue()
    assert TOKEN not in out and TOKEN.split(":")[1] not in out and WEBHOOK_SECRET not in out
    assert len(captured.lines) == 2                           # one line per event, the traceback included
    failed = fields(captured.lines[1])
    assert failed["case"] == "2026-0007" and failed["actor_id"] == "5" and failed["actor_role"] == "admin"
    assert "Traceback" in failed["exc"] and "RuntimeError" in failed["exc"] and "***" in failed["exc"]
    assert "second line" in failed["exc"]


def test_context_is_restored_after_the_block() -> None:
    with log_context(case="2026-0001", actor_id=1, actor_role="operator"):
        with log_context(case="2026-0002"):
            assert current_context() == {"case": "2026-0002", "actor_id": 1, "actor_role": "operator"}
        assert current_context()["case"] == "2026-0001"
    assert current_context() == {}
