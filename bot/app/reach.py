"""Telegram unreachable when the bot starts: try again with backoff (1, 2, 4 … s, at most a minute), one
readable log line per attempt, /healthz says so (``TelegramReach``), and serving starts as soon as Telegram
answers. A wrong token (401) is no network trouble: it still stops the start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

log = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_WAIT = 1.0
WAIT_CAP = 60.0
#: What "Telegram does not answer" looks like: the network, Telegram's 5xx, a 429, a time-out.
UNREACHABLE = (TelegramNetworkError, TelegramServerError, TelegramRetryAfter, TimeoutError, OSError)

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class TelegramReach:
    """What /healthz tells about reaching Telegram at the start."""
    reached: bool = False
    attempts: int = 0
    last_error: str | None = None
    next_try_in: float | None = None

    @property
    def failing(self) -> bool:
        """Tried, and Telegram has not answered yet."""
        return self.attempts > 0 and not self.reached

    def report(self) -> dict[str, object]:
        return {"reached": self.reached, "attempts": self.attempts, "last_error": self.last_error,
                "next_try_in_seconds": self.next_try_in}


def next_wait(waited: float) -> float:
    """The wait after one of ``waited`` seconds: twice as long, at most WAIT_CAP."""
    return min(WAIT_CAP, waited * 2)


async def until_telegram_answers(call: Callable[[], Awaitable[T]], reach: TelegramReach, stop: asyncio.Event,
                                 sleep: Sleep | None = None) -> tuple[bool, T | None]:
    """Call until Telegram answers: (True, the result), or (False, None) when ``stop`` was set first.
    ``sleep`` waits between tries (tests pass one that moves a fake clock); by default the wait ends
    early when ``stop`` is set."""

    async def wait_or_stop(seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            pass

    pause = sleep or wait_or_stop
    wait = FIRST_WAIT
    while not stop.is_set():
        reach.attempts += 1
        try:
            result = await call()
        except UNREACHABLE as exc:
            delay = float(exc.retry_after) if isinstance(exc, TelegramRetryAfter) else wait
            reach.last_error = f"{type(exc).__name__}: {exc}"[:300]
            reach.next_try_in = delay
            log.warning("Telegram does not answer at start (attempt %d): %s; next try in %.0f s",
                        reach.attempts, reach.last_error.replace("\n", " "), delay)
            await pause(delay)
            wait = next_wait(wait)
            continue
        reach.reached, reach.next_try_in = True, None
        if reach.attempts > 1:
            log.info("Telegram answered on attempt %d: starting", reach.attempts)
        return True, result
    return False, None
