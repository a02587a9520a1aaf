"""Running the bot: long polling (default) or webhook, /healthz, and a graceful stop on SIGTERM/SIGINT.

Start: storage and services (build_app) -> start-up checks -> command menu -> scheduler (reminders,
digests, backups) and sender -> the HTTP server (webhook and/or /healthz) -> `setWebhook` (webhook mode)
or `deleteWebhook` + long polling. Several processes on one PostgreSQL (issue 15): the scheduler, the
sender and the polling run on the leader only (bot/app/leading.py); a standby serves the webhook and
/healthz, and takes them over when it becomes the leader.

Stop (SIGTERM or SIGINT), at most SHUTDOWN_TIMEOUT seconds in all: no new updates are taken (polling
stops / the server stops listening), updates in progress finish, then ``App.close()`` stops the
scheduler and the sender (the notice being sent is finished, the rest stays queued in the outbox),
and closes the database. The webhook stays registered: Telegram keeps the updates until the bot is back.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from aiohttp import web

from bot.app.container import App, build_app, set_commands
from bot.app.leading import Polling
from bot.app.reach import Sleep, until_telegram_answers
from bot.app.startup import run_startup_checks
from bot.app.web import build_web_app, serves_anything, start_server
from bot.settings import Settings

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM / SIGINT set ``stop`` (instead of killing the process or raising KeyboardInterrupt)."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            log.warning("%s received again: still stopping", sig.name)
            return
        log.info("%s received: stopping", sig.name)
        stop.set()

    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal, sig)
        except (NotImplementedError, RuntimeError, ValueError):   # not the main thread / not supported
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def run(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    with stop_on_signals(stop):
        app = await build_app(settings)
        await serve(app, stop)


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.deadline = self.loop.time() + seconds

    def left(self) -> float:
        return max(0.0, self.deadline - self.loop.time())


async def serve(app: App, stop: asyncio.Event, *, sleep: Sleep | None = None) -> None:
    """Run ``app`` in its RUN_MODE until ``stop`` is set; always closes ``app``. Telegram unreachable at
    the start is tried again (bot/app/reach.py; ``sleep`` waits between tries)."""
    settings = app.settings.web
    runner: web.AppRunner | None = None
    polling: Polling | None = None
    budget: _Budget | None = None
    try:
        await run_startup_checks(app.checks)    # the database, the chats, the calendar (bot/app/startup.py)
        menu_set = await _set_menu(app)
        await app.start_background()
        runner = await _start_web(app)
        if settings.run_mode == "webhook":
            assert settings.webhook_secret is not None
            secret = settings.webhook_secret.get_secret_value()
            reached, _ = await until_telegram_answers(lambda: app.bot.set_webhook(
                settings.webhook_full_url(), secret_token=secret, allowed_updates=app.dp.resolve_used_update_types(),
                max_connections=settings.updates_concurrency, drop_pending_updates=False),
                app.health.telegram, stop, sleep)
            if not reached:
                return           # stopped before Telegram answered (finally: close)
            if not menu_set:
                await _set_menu(app)
            log.info("webhook mode: Telegram calls %s", settings.webhook_full_url())
            await stop.wait()
            budget = _Budget(settings.shutdown_timeout)
            log.info("stopping: no new updates are taken")
            if runner is not None:       # stops listening, lets the requests in progress finish
                await runner.cleanup()
                runner = None
        else:
            reached, _ = await until_telegram_answers(lambda: app.bot.delete_webhook(drop_pending_updates=False),
                                                      app.health.telegram, stop, sleep)
            if not reached:
                return
            if not menu_set:
                await _set_menu(app)
            polling = Polling(app.dp, app.bot, allowed_updates=app.dp.resolve_used_update_types(),
                              concurrency=settings.updates_concurrency)   # chat_member included (issue 13 §2)
            assert app.duties is not None
            await app.duties.add(polling)       # polls while this process leads
            waiter: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
            await asyncio.wait({polling.ended, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if polling.ended.done():
                polling.ended.result()        # polling failed by itself (a wrong token …): raise it
            budget = _Budget(settings.shutdown_timeout)
            log.info("stopping: no new updates are taken")
            await _stop_polling(app, polling)
            await _finish_updates(app, budget)
    finally:
        if polling is not None and polling.task is not None and not polling.task.done():
            polling.task.cancel()
            with suppress(BaseException):
                await polling.task
        if runner is not None:
            await runner.cleanup()
        budget = budget or _Budget(settings.shutdown_timeout)
        await app.close(within=budget.left())
        log.info("bot stopped")


async def _set_menu(app: App) -> bool:
    """The command menu; Telegram not answering is one log line (the start goes on, and tries again once
    Telegram answers)."""
    try:
        bound = await app.access.coordinator_chat_id()
        await set_commands(app.bot, [*app.settings.people.coordinator_ids, *([bound] if bound else [])])
    except Exception as exc:
        log.warning("could not set the command menu: %s", f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300])
        return False
    return True


async def _start_web(app: App) -> web.AppRunner | None:
    settings = app.settings.web
    if not serves_anything(settings):
        return None
    try:
        runner, port = await start_server(build_web_app(settings, app.dp, app.bot, app.health), settings.web_host,
                                          settings.web_port, shutdown_timeout=settings.shutdown_timeout)
    except OSError as exc:
        if settings.run_mode == "webhook":
            log.error("cannot listen on %s:%s for the webhook: %s", settings.web_host, settings.web_port, exc)
            raise
        log.error("cannot listen on %s:%s, /healthz is off (polling goes on): %s",
                  settings.web_host, settings.web_port, exc)
        return None
    what = "webhook " + settings.webhook_path if settings.run_mode == "webhook" else ""
    if settings.health_enabled:
        what = f"{what} and /healthz" if what else "/healthz"
    log.info("listening on %s:%s (%s)", settings.web_host, port, what)
    return runner


async def _stop_polling(app: App, polling: Polling) -> None:
    """No new updates: polling stops (and is no longer one of the leader's duties)."""
    if app.duties is not None and polling in app.duties.extra:
        app.duties.extra.remove(polling)
    await polling.stop()


async def _finish_updates(app: App, budget: _Budget) -> None:
    """Let the updates being handled finish (polling hands each to a task of its own)."""
    tasks = {t for t in getattr(app.dp, "_handle_update_tasks", set()) if not t.done()}
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=budget.left())
    for task in late:
        task.cancel()
    if late:
        log.warning("%d updates still in progress at the stop were cancelled", len(late))
    await asyncio.gather(*tasks, return_exceptions=True)
