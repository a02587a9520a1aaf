"""The fake Telegram in-process: an aiogram session whose requests :class:`FakeTelegram` answers.

Every request is prepared as aiogram prepares it and every answer goes through aiogram's own
``check_response``, so handlers get the same objects and the same exceptions (``TelegramForbiddenError``,
``TelegramRetryAfter``…) as in production::

    session = FakeSession()
    bot = make_bot(session)
    await dp.feed_update(bot, private_message(100, "/start"))
    assert session.sent_texts(100) == ["Здравствуйте!"]
    session.fail_next("sendMessage", TelegramForbiddenError)   # the next send gets a 403

:meth:`FakeSession.lean` records nothing and checks nothing: parameters are prepared exactly as the
production ``AiohttpSession`` prepares them before the network, messages are not kept, so a benchmark
measures the bot and its memory does not grow.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from http import HTTPStatus
from typing import Any, TypeVar, cast, overload

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from bot.fake_telegram.files import Upload
from bot.fake_telegram.methods import FakeTelegram
from bot.fake_telegram.protocol import ApiError, canonical_method, maybe_int

M = TypeVar("M", bound=TelegramMethod[Any])

TEST_TOKEN = "42:TEST"  # noqa: S105  the fake Telegram's token: it opens nothing real

_STATUS_BY_ERROR: dict[type[TelegramAPIError], int] = {
    TelegramBadRequest: HTTPStatus.BAD_REQUEST,
    TelegramUnauthorizedError: HTTPStatus.UNAUTHORIZED,
    TelegramForbiddenError: HTTPStatus.FORBIDDEN,
    TelegramNotFound: HTTPStatus.NOT_FOUND,
    TelegramConflictError: HTTPStatus.CONFLICT,
    TelegramEntityTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    TelegramRetryAfter: HTTPStatus.TOO_MANY_REQUESTS,
    TelegramServerError: HTTPStatus.INTERNAL_SERVER_ERROR,
}


def _json_default(value: Any) -> Any:
    return getattr(value, "value", str(value))


def method_params(session: BaseSession, bot: Bot,
                  method: TelegramMethod[Any]) -> tuple[dict[str, Any], dict[str, InputFile]]:
    """A method's parameters as plain JSON values, exactly what Telegram would receive (enums become
    their values), and its uploads."""
    files: dict[str, InputFile] = {}
    params: dict[str, Any] = {}
    for key, value in method.model_dump(warnings=False).items():
        prepared = session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None:
            params[key] = prepared
    return json.loads(json.dumps(params, ensure_ascii=False, default=_json_default)), files


def _method_name(method: type[TelegramMethod[Any]] | str | None) -> str:
    if method is None:
        return ""
    if isinstance(method, str):
        return canonical_method(method)
    return str(getattr(method, "__api_method__", method))


class FakeSession(BaseSession):
    """Records requests (``requests``) and their parameters (``params``) unless lean; answers from ``core``."""

    def __init__(self, *, core: FakeTelegram | None = None, validate: bool = True, record: bool = True) -> None:
        super().__init__()
        self.core = core or FakeTelegram(validate=validate)
        self.record = record
        self.requests: list[TelegramMethod[Any]] = []
        self.params: list[dict[str, Any]] = []
        self.results: list[Any] = []
        self._results: dict[str, Any] = {}
        self._raise_next: list[tuple[str, BaseException]] = []
        self.closed = False

    @classmethod
    def lean(cls) -> FakeSession:
        return cls(core=FakeTelegram(validate=False, keep_messages=False), record=False)

    # ---- configuration

    def fail_next(self, method: type[TelegramMethod[Any]] | str,
                  error: type[TelegramAPIError] | BaseException | None = None, *, status: int | None = None,
                  description: str | None = None, retry_after: int | None = None,
                  migrate_to_chat_id: int | None = None, chat_id: int | str | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` (optionally only to ``chat_id``) fail.

        ``error`` may be an aiogram exception class (``TelegramForbiddenError``, ``TelegramRetryAfter``…;
        mapped to its HTTP status) or ``status``/``description`` may be given; the exception is then
        raised by aiogram's own ``check_response``. Any other exception instance (e.g. a
        ``TelegramNetworkError`` or ``asyncio.TimeoutError()``) is raised as is.
        """
        name = _method_name(method)
        if isinstance(error, BaseException):
            self._raise_next.extend((name, error) for _ in range(times))
            return
        if error is not None:
            status = next((code for cls, code in _STATUS_BY_ERROR.items() if issubclass(error, cls)), status or 400)
        self.core.fail_next(name, status=status or 400, description=description, retry_after=retry_after,
                            migrate_to_chat_id=migrate_to_chat_id, chat_id=chat_id, times=times)

    def set_result(self, method: type[TelegramMethod[Any]] | str, result: Any) -> None:
        """Answer ``method`` with this JSON result (or ``result(params)`` if callable) from now on."""
        self._results[_method_name(method)] = result

    # ---- BaseSession

    async def close(self) -> None:
        self.closed = True

    def _prepare(self, bot: Bot, method: TelegramMethod[Any]) -> tuple[dict[str, Any], dict[str, Upload]]:
        if self.record:
            params, files = method_params(self, bot, method)
        else:                   # as AiohttpSession prepares the form: nested objects as JSON strings
            files = {}
            params = {}
            for key, value in method.model_dump(warnings=False).items():
                prepared = self.prepare_value(value, bot=bot, files=files)
                if prepared is not None:
                    params[key] = prepared
        return params, {key: Upload(value.filename or key, getattr(value, "data", None))
                        for key, value in files.items()}

    def _answer(self, bot: Bot, name: str, params: dict[str, Any], uploads: dict[str, Upload]) -> tuple[int, Any]:
        try:
            failure = self.core.take_failure(name, params)
            if failure is not None:
                raise failure
            if name in self._results:
                canned = self._results[name]
                result = canned(params) if callable(canned) else canned
            else:
                result = self.core.handle(name, params, uploads, bot_id=bot.id)
            return 200, {"ok": True, "result": result}
        except ApiError as exc:
            return exc.status, exc.payload()

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:  # noqa: ASYNC109
        name = method.__api_method__
        params, uploads = self._prepare(bot, method)
        if self.record:
            self.requests.append(method)
            self.params.append(params)
        for index, (target, error) in enumerate(self._raise_next):
            if target == name:
                del self._raise_next[index]
                self._keep(error)
                raise error
        status, payload = self._answer(bot, name, params, uploads)
        try:
            response = self.check_response(bot, method, status, json.dumps(payload, ensure_ascii=False))
        except ClientDecodeError as exc:
            raise NotImplementedError(f"FakeSession has no realistic result for {name}; "
                                      f"use session.set_result({name!r}, ...): {exc}") from exc
        except TelegramAPIError as exc:
            self._keep(exc)
            raise
        self._keep(response.result)
        return cast(TelegramType, response.result)

    def _keep(self, result: Any) -> None:
        if self.record:
            self.results.append(result)

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None, timeout: int = 30,  # noqa: ASYNC109
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        stored = self.core.store.file_by_path(url.split("/file/bot", 1)[-1].split("/", 1)[-1])
        yield stored.content if stored is not None and stored.content is not None else b"fake file content"

    # ---- inspection

    @overload
    def calls(self, method: type[M]) -> list[M]: ...

    @overload
    def calls(self, method: str | None = None) -> list[TelegramMethod[Any]]: ...

    def calls(self, method: type[TelegramMethod[Any]] | str | None = None) -> list[Any]:
        """Recorded requests of one method (class or API name like ``"sendMessage"``), or all."""
        if method is None:
            return list(self.requests)
        name = _method_name(method)
        return [request for request in self.requests if request.__api_method__ == name]

    @overload
    def last(self, method: type[M]) -> M: ...

    @overload
    def last(self, method: str | None = None) -> TelegramMethod[Any]: ...

    def last(self, method: type[TelegramMethod[Any]] | str | None = None) -> Any:
        """The last recorded request of ``method``; ``AssertionError`` if there is none."""
        found = self.calls(method)
        if not found:
            raise AssertionError(f"no {_method_name(method) if method else 'request'} recorded; "
                                 f"got {self.method_names()}")
        return found[-1]

    def method_names(self) -> list[str]:
        return [request.__api_method__ for request in self.requests]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts of every ``sendMessage`` (to ``chat_id`` if given), as sent (HTML markup included)."""
        return [request.text for request in self.calls(SendMessage)
                if chat_id is None or maybe_int(request.chat_id) == maybe_int(chat_id)]

    def clear(self) -> None:
        """Forget recorded requests (the fake Telegram's state, e.g. message ids, is kept)."""
        self.requests.clear()
        self.params.clear()
        self.results.clear()


def make_bot(session: FakeSession | None = None, token: str = TEST_TOKEN) -> Bot:
    """A Bot on the fake session, default ``parse_mode`` HTML."""
    return Bot(token, session=session if session is not None else FakeSession(),
               default=DefaultBotProperties(parse_mode=ParseMode.HTML))
