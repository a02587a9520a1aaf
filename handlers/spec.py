"""A router blueprint: handlers are declared once at import, and every Dispatcher gets fresh Routers.

aiogram attaches a Router to one parent only, so module-level Routers would tie the handlers to a
single Dispatcher (a second one in the same process — a restart test, the demo — would fail).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.filters import Command

Handler = Callable[..., Any]


class RouterSpec:
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[tuple[str, Handler, tuple[Any, ...], dict[str, Any]]] = []
        self._filters: list[tuple[str, tuple[Any, ...]]] = []

    def _register(self, observer: str, filters: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[Handler], Handler]:
        def decorator(fn: Handler) -> Handler:
            self._handlers.append((observer, fn, filters, kwargs))
            return fn

        return decorator

    def message(self, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self._register("message", filters, kwargs)

    def callback_query(self, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self._register("callback_query", filters, kwargs)

    def chat_member(self, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self._register("chat_member", filters, kwargs)

    def my_chat_member(self, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        """The bot's own membership of a chat changed (added, removed, the group deleted)."""
        return self._register("my_chat_member", filters, kwargs)

    def error(self, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self._register("error", filters, kwargs)

    def filter(self, observer: str, *filters: Any) -> None:
        """Filters every handler of one observer ("message", "callback_query") must pass."""
        self._filters.append((observer, filters))

    def commands(self) -> set[str]:
        """The names of the commands its handlers answer (``Command`` filters, ``CommandStart`` too)."""
        return {c.lower() for _, _, filters, _ in self._handlers for f in filters if isinstance(f, Command)
                for c in f.commands if isinstance(c, str)}

    def build(self) -> Router:
        router = Router(name=self.name)
        for observer, filters in self._filters:
            router.observers["error" if observer == "errors" else observer].filter(*filters)
        # Decorators run bottom-up for stacked ones, but top-down across functions: keep declaration order.
        for observer, fn, filters, kwargs in self._handlers:
            router.observers["error" if observer == "errors" else observer].register(fn, *filters, **kwargs)
        return router


def commands_served(router: Router) -> frozenset[str]:
    """Every command some handler answers (for someone, somewhere) in the whole tree ``router`` belongs to:
    the rest are unknown commands. Read from the live tree, so it is always the Dispatcher's own."""
    root = router
    while root.parent_router is not None:
        root = root.parent_router
    return frozenset(c.lower() for r in root.chain_tail for handler in r.message.handlers
                     for f in handler.filters or () if isinstance(f.callback, Command)
                     for c in f.callback.commands if isinstance(c, str))
