"""What a use case calls after its transaction committed: the composition root wires it to wake the outbox
sender and re-plan the reminders (bot/app/container.py)."""

from __future__ import annotations

from collections.abc import Callable


class AfterCommit:
    """A use case whose commits owe the sender a wake-up and the reminders a re-plan."""

    _on_commit: Callable[[], None] = staticmethod(lambda: None)

    def set_on_commit(self, callback: Callable[[], None]) -> None:
        self._on_commit = callback
