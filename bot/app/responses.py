"""Keep aiogram's parsed-response classes alive for the life of the process.

aiogram parses every Bot API answer with ``Response[method.__returning__]``, a pydantic generic
class that pydantic caches only weakly: after a garbage collection the class is built again, which
costs several milliseconds and showed as the p99 of update handling (docs/benchmarks.md). Building
each of them once (about 40 return types, ~40 ms) and holding them here removes that.
"""

from __future__ import annotations

from typing import Any

_PINNED: list[Any] = []


def pin_response_types() -> int:
    """Build ``Response[T]`` for every Bot API method's return type once; return how many are held."""
    if _PINNED:
        return len(_PINNED)
    import aiogram.methods as methods
    from aiogram.methods.base import Response, TelegramMethod

    seen: dict[str, Any] = {}
    for name in dir(methods):
        cls = getattr(methods, name)
        if isinstance(cls, type) and issubclass(cls, TelegramMethod) and cls is not TelegramMethod:
            seen.setdefault(repr(cls.__returning__), cls.__returning__)
    _PINNED.extend(Response[t] for t in seen.values())  # type: ignore[valid-type]
    return len(_PINNED)
