"""The injected clock: rules never call datetime.now() themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(self.tz)


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = at

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now = self._now + (delta or timedelta(**kwargs))
        return self._now


class ClockTime:
    """Monotonic time and sleep for the sender's rate limiter, driven by a FakeClock (tests, the demo):
    moving the clock or sleeping moves it; nothing really waits, and Telegram's limits are still kept as
    a real chat would see them."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.offset = 0.0

    def monotonic(self) -> float:
        return self.clock.now().timestamp() + self.offset

    async def sleep(self, seconds: float) -> None:
        self.offset += seconds
