"""Structured logs: one line per event, ``key=value`` (LOG_FORMAT=text) or JSON (LOG_FORMAT=json).

Every line has the time, level, logger and message, and — where known — the case number and the
acting person (``actor_id``, ``actor_role``). Those two come from context variables: the outer
middleware (handlers/middlewares.py) binds the actor for each update, the case services and the
outbox sender bind the case they work on. A traceback stays on the same line (newlines escaped).

Secrets (the bot token, the webhook secret) never reach the output: ``RedactingFilter`` rewrites the
message and the traceback of every record, and the formatters redact their final line again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

_case: ContextVar[str | None] = ContextVar("log_case", default=None)
_actor_id: ContextVar[int | None] = ContextVar("log_actor_id", default=None)
_actor_role: ContextVar[str | None] = ContextVar("log_actor_role", default=None)

_UNSET: Any = object()
MASK = "***"


def bind_case(number: str | None) -> None:
    """The case the current update / notice is about (reset by the enclosing ``log_context``)."""
    _case.set(number or None)


def bind_actor(user_id: int | None, role: str | None = None) -> None:
    _actor_id.set(user_id)
    _actor_role.set(role)


@contextmanager
def log_context(*, case: str | None = _UNSET, actor_id: int | None = _UNSET,
                actor_role: str | None = _UNSET) -> Iterator[None]:
    """Bind the given fields for the block; on exit every field (also ones bound inside) is restored."""
    tokens = (_case.set(_case.get() if case is _UNSET else case),
              _actor_id.set(_actor_id.get() if actor_id is _UNSET else actor_id),
              _actor_role.set(_actor_role.get() if actor_role is _UNSET else actor_role))
    try:
        yield
    finally:
        _case.reset(tokens[0])
        _actor_id.reset(tokens[1])
        _actor_role.reset(tokens[2])


def current_context() -> dict[str, Any]:
    out: dict[str, Any] = {}
    if (case := _case.get()) is not None:
        out["case"] = case
    if (actor_id := _actor_id.get()) is not None:
        out["actor_id"] = actor_id
    if (role := _actor_role.get()) is not None:
        out["actor_role"] = role
    return out


class Redactor:
    """Replaces each secret (and the part of a bot token after the colon) with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        parts: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            parts.add(secret)
            head, sep, tail = secret.partition(":")
            if sep and head.isdigit() and len(tail) >= 16:
                parts.add(tail)          # the secret half alone (e.g. URL-quoted "123%3AAA…")
        self.secrets = sorted(parts, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


class RedactingFilter(logging.Filter):
    """Keeps the token out of every log line: the message, the arguments and the traceback."""

    def __init__(self, secret: str | Iterable[str]) -> None:
        super().__init__()
        self.redact = Redactor([secret] if isinstance(secret, str) else secret)
        self.secret = secret if isinstance(secret, str) else ""

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.redact.secrets:
            return True
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message or record.args:
            record.msg = clean
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class ContextFilter(logging.Filter):
    """Copies the bound case and actor into the record (``record.case``, ``actor_id``, ``actor_role``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current_context().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


CONTEXT_KEYS = ("case", "actor_id", "actor_role")


class _Structured(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        context = current_context()
        for key in CONTEXT_KEYS:
            value = getattr(record, key, context.get(key))
            if value is not None:
                out[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return out


def _kv_value(value: Any) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\\\n\r\t'):
        return text
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return '"' + escaped + '"'


class KeyValueFormatter(_Structured):
    """``time=… level=INFO logger=bot.app.container msg="…" case=2026-0001 actor_id=100 actor_role=operator``"""

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(" ".join(f"{k}={_kv_value(v)}" for k, v in self.fields(record).items()))


class JsonFormatter(_Structured):
    """One JSON object a line with the same keys as the text format."""

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(json.dumps(self.fields(record), ensure_ascii=False, default=str))


def make_handler(fmt: str, secrets: Iterable[str]) -> logging.Handler:
    secrets = [s for s in secrets if s]
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else KeyValueFormatter(secrets))
    handler.addFilter(RedactingFilter(secrets))
    handler.addFilter(ContextFilter())
    return handler


def setup_logging(level: str, secrets: str | Iterable[str], fmt: str = "text") -> None:
    """Root logging to stderr in ``fmt`` (text | json), secrets redacted."""
    handler = make_handler(fmt, [secrets] if isinstance(secrets, str) else secrets)
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)          # Python's warnings become log lines of the same form
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
