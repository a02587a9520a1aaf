"""An injected ``sleep`` for the scheduling loops (bot/jobs/periodic.py): it moves the FakeClock instead of
waiting, records each wait, and stops the loop after ``limit`` of them."""

from __future__ import annotations

from bot.runtime.clock import FakeClock


class LoopStopped(Exception):
    pass


class StepSleep:
    def __init__(self, clock: FakeClock, limit: int) -> None:
        self.clock = clock
        self.limit = limit
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if len(self.calls) > self.limit:
            raise LoopStopped
        self.clock.advance(seconds=seconds)
