"""The fake Telegram over HTTP, for tests that run the bot as a process: an aiohttp server around
:class:`~bot.fake_telegram.methods.FakeTelegram`.

It serves ``{base}/bot{token}/{method}`` and ``{base}/file/bot{token}/{path}``, the URLs that
``TelegramAPIServer.from_base(base)`` builds, with long polling of ``getUpdates``::

    server = FakeBotAPI()
    url = await server.start()
    bot = Bot("42:TEST", session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    server.push_update(server.user_message(100, "/start"))
    call = await server.wait_for_call("sendMessage")
    await server.stop()

``FakeBotAPI(enforce_limits=True)`` answers sends over Telegram's limits with ``429`` (see
:class:`~bot.fake_telegram.protocol.RateLimiter`).

Standalone: ``python -m bot.fake_telegram`` (see its ``--help``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.fake_telegram import updates as upd
from bot.fake_telegram.files import Upload
from bot.fake_telegram.methods import FakeTelegram
from bot.fake_telegram.protocol import (
    ApiError,
    RateLimiter,
    RateLimits,
    Violation,
    as_json,
    canonical_method,
    decode_form_value,
    maybe_int,
)


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    time: float
    files: dict[str, Upload] = field(default_factory=dict)
    token: str = ""
    status: int = 200
    result: Any = None
    error: dict[str, Any] | None = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        value = self.params.get("text", self.params.get("caption"))
        return None if value is None else str(value)


class _Signal:
    """Wake every waiter; callable from synchronous code running in the loop."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


class FakeBotAPI:
    """The fake Bot API over HTTP. ``calls`` records every method except ``getUpdates``."""

    def __init__(
        self,
        *,
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
        core: FakeTelegram | None = None,
        clock: Callable[[], float] = time.monotonic,
        log_calls: bool = False,
    ) -> None:
        self.core = core or FakeTelegram()
        self.limiter = RateLimiter(limits, clock) if enforce_limits else None
        self.calls: list[ApiCall] = []
        self.get_updates_count = 0
        self.log_calls = log_calls
        self._updates: list[dict[str, Any]] = []
        self._update_id = itertools.count(1)
        self._update_signal = _Signal()
        self._call_signal = _Signal()
        self._consumed: set[int] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._slow: list[tuple[str, float, Any]] = []
        self.started: list[ApiCall] = []     # every call (but getUpdates) as it arrives, before its answer
        self.url = ""

    # ---- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        actual_port = sockets[0].getsockname()[1] if sockets else port
        self.url = f"http://{host}:{actual_port}"
        return self.url

    async def stop(self) -> None:
        self._closing = True
        self._update_signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def violations(self) -> list[Violation]:
        return self.limiter.violations if self.limiter else []

    # ---- updates

    def push_update(self, update: Mapping[str, Any]) -> dict[str, Any]:
        """Queue an incoming update (its ``update_id`` is replaced by the server's own counter)."""
        data = dict(update)
        data["update_id"] = next(self._update_id)
        self.core.remember_update(data)
        self._updates.append(data)
        self._update_signal.notify()
        return data

    def _message_id_for(self, chat_id: int) -> int:
        return self.core.next_message_id(chat_id)

    def user_message(self, user_id: int, text: str | None, **options: Any) -> dict[str, Any]:
        """A private message update dict with the chat's next message id (see updates.message_dict)."""
        options.setdefault("message_id", self._message_id_for(user_id))
        return upd.private_message_dict(user_id, text, **options)

    def group_message(self, chat_id: int, user_id: int, text: str | None, **options: Any) -> dict[str, Any]:
        options.setdefault("message_id", self._message_id_for(chat_id))
        return upd.group_message_dict(chat_id, user_id, text, **options)

    def callback(
        self, user_id: int, chat_id: int, data: str, message_id: int, **options: Any
    ) -> dict[str, Any]:
        """A callback query under ``message_id``; its text and keyboard come from the stored message."""
        stored = self.core.messages.get((chat_id, message_id))
        if stored is not None:
            options.setdefault("message_text", stored.get("text") or stored.get("caption") or "…")
            if "reply_markup" in stored:
                options.setdefault("reply_markup", stored["reply_markup"])
            options.setdefault("chat_type", stored["chat"].get("type", "private"))
        return upd.callback_dict(user_id, chat_id, data, message_id, **options)

    def my_chat_member(self, chat_id: int, from_user_id: int, **options: Any) -> dict[str, Any]:
        return upd.my_chat_member_dict(chat_id, from_user_id, **options)

    def migrate_group(self, old_chat_id: int, new_chat_id: int, from_user_id: int, **options: Any) -> None:
        """Telegram upgrades a group to a supergroup: both service messages are queued as updates, and the
        old id answers writes with 400 «group chat was upgraded» carrying ``migrate_to_chat_id``."""
        self.core.migrate_chat(old_chat_id, new_chat_id)
        for update in upd.migration_dicts(old_chat_id, new_chat_id, from_user_id, **options):
            self.push_update(update)

    def _select_updates(self, offset: int | None, limit: int, allowed: Any) -> list[dict[str, Any]]:
        if offset is not None:
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if allowed:
            allowed_set = set(allowed)
            self._updates = [u for u in self._updates if (set(u) - {"update_id"}) & allowed_set]
        return self._updates[:limit]

    async def _get_updates(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        self.get_updates_count += 1
        offset = maybe_int(params.get("offset"))
        limit = int(maybe_int(params.get("limit")) or 100)
        timeout = float(maybe_int(params.get("timeout")) or 0)
        allowed = as_json(params.get("allowed_updates"))
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = self._select_updates(offset if isinstance(offset, int) else None, limit, allowed)
            remaining = deadline - asyncio.get_running_loop().time()
            if found or remaining <= 0 or self._closing:
                return found
            await self._update_signal.wait(remaining)

    # ---- calls

    def fail_next(self, method: str, **options: Any) -> None:
        """See :meth:`FakeTelegram.fail_next` (``status``, ``description``, ``retry_after``, ``chat_id``, ``times``)."""
        self.core.fail_next(method, **options)

    def slow(self, method: str, seconds: float, *, chat_id: Any = None) -> None:
        """Answer ``method`` (to ``chat_id`` when given) only after ``seconds``: a slow Telegram."""
        self._slow.append((canonical_method(method), seconds, chat_id))

    def clear_slow(self) -> None:
        self._slow.clear()

    def _delay_for(self, name: str, params: Mapping[str, Any]) -> float:
        return max((seconds for method, seconds, chat in self._slow
                    if method == name and (chat is None or maybe_int(params.get("chat_id")) == chat)), default=0.0)

    async def wait_for_start(self, method: str, predicate: Callable[[ApiCall], bool] | None = None,
                             timeout: float = 10.0) -> ApiCall:  # noqa: ASYNC109
        """The first call of ``method`` (matching ``predicate``) that has arrived, answered or not."""
        name = canonical_method(method)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for call in self.started:
                if call.method == name and (predicate is None or predicate(call)):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {name} call started within {timeout} s")
            await self._call_signal.wait(remaining)

    def calls_of(self, method: str) -> list[ApiCall]:
        name = canonical_method(method)
        return [call for call in self.calls if call.method == name]

    def sent_texts(self, chat_id: Any = None) -> list[str]:
        return [
            str(call.params.get("text"))
            for call in self.calls_of("sendMessage")
            if call.error is None and (chat_id is None or maybe_int(call.chat_id) == maybe_int(chat_id))
        ]

    def mark_all_seen(self) -> None:
        """Make :meth:`wait_for_call` ignore every call recorded so far."""
        self._consumed.update(range(len(self.calls)))

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> ApiCall:
        """Return the first not yet returned call of ``method`` matching ``predicate`` (past or future).

        Each call is returned by at most one ``wait_for_call``; raises ``AssertionError`` on timeout.
        """
        name = canonical_method(method)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, call in enumerate(self.calls):
                if index in self._consumed or call.method != name:
                    continue
                if predicate is None or predicate(call):
                    self._consumed.add(index)
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = ", ".join(f"{c.method}({c.params.get('text', '')!r:.40})" for c in self.calls[-20:])
                raise AssertionError(f"no {name} call within {timeout} s; recent calls: {seen or 'none'}")
            await self._call_signal.wait(remaining)

    # ---- HTTP handlers

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        params: dict[str, Any] = {k: decode_form_value(k, v) for k, v in request.query.items()}
        uploads: dict[str, Upload] = {}
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, Mapping):
                params.update(body)
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    uploads[key] = Upload(value.filename or key, content)
                else:
                    params[key] = decode_form_value(key, str(value))
        return params, uploads

    @staticmethod
    def _json(payload: Any, status: int = 200) -> web.Response:
        return web.Response(
            text=json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json"
        )

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = canonical_method(request.match_info["method"])
        bot_id = maybe_int(token.split(":", 1)[0])
        if not isinstance(bot_id, int):
            return self._json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        try:
            params, uploads = await self._read_params(request)
        except ValueError as exc:
            return self._json({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, 400)
        if name == "getUpdates":
            if self.core.webhook_url:
                return self._json({"ok": False, "error_code": 409, "description": (
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first")}, 409)
            return self._json({"ok": True, "result": await self._get_updates(params)})
        call = ApiCall(name, params, self.core.clock.now().timestamp(), uploads, token)
        self.started.append(call)
        self._call_signal.notify()
        delay = self._delay_for(name, params)
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            failure = self.core.take_failure(name, params)
            if failure is not None:
                raise failure
            if self.limiter is not None:
                self.limiter.check(name, params.get("chat_id"))
            call.result = self.core.handle(name, params, uploads, bot_id=bot_id)
            payload: dict[str, Any] = {"ok": True, "result": call.result}
        except ApiError as exc:
            call.status = exc.status
            call.error = payload = exc.payload()
        self.calls.append(call)
        if self.log_calls:
            print(f"<- {name} {json.dumps(params, ensure_ascii=False)[:300]} -> {call.status}", flush=True)
        self._call_signal.notify()
        return self._json(payload, call.status)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.core.store.file_by_path(request.match_info["path"])
        if stored is None:
            return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=stored.content if stored.content is not None else b"fake file content")
