"""The bot's small HTTP server (aiohttp): Telegram's webhook (RUN_MODE=webhook) and GET /healthz.

The webhook is aiogram's ``SimpleRequestHandler`` on WEBHOOK_PATH: a request without the right
``X-Telegram-Bot-Api-Secret-Token`` is refused with 401 before anything is read, and an accepted
update is processed before the answer (so Telegram re-sends it if the process dies meanwhile).

``/healthz`` answers JSON about the database, the reminders scheduler and the outbox sender, with
200 when the bot can do its work and 503 when it cannot (database closed or failing, sender dead,
scheduler stopped). It is served in both modes (in polling mode on its own) unless HEALTH_ENABLED=false.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app.container import App
from storage.health import migrations_status
from storage.outbox import OutboxRepository

HEALTH_PATH = "/healthz"
#: A database that does not answer `SELECT 1` within this many seconds is reported as failing.
DB_CHECK_TIMEOUT = 3.0
SENDER_TASK = "outbox-sender"

APP_KEY = web.AppKey("bot_app", App)


def build_web_app(app: App) -> web.Application:
    """The aiohttp application for ``app``: /healthz (HEALTH_ENABLED) and, in webhook mode, the webhook."""
    settings = app.settings
    web_app = web.Application()
    web_app[APP_KEY] = app
    if settings.health_enabled:
        web_app.router.add_get(HEALTH_PATH, _healthz)
    if settings.run_mode == "webhook":
        if settings.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required in webhook mode")
        handler = SimpleRequestHandler(dispatcher=app.dp, bot=app.bot, handle_in_background=False,
                                       secret_token=settings.webhook_secret.get_secret_value())
        # Not handler.register(): its shutdown hook would close the bot's HTTP session while the
        # outbox sender may still be finishing a notice; App.close() closes it last.
        web_app.router.add_post(settings.webhook_path, handler.handle)
    return web_app


def serves_anything(app: App) -> bool:
    return app.settings.run_mode == "webhook" or (app.settings.health_enabled and app.settings.web_port != 0)


async def _healthz(request: web.Request) -> web.Response:
    healthy, report = await health(request.app[APP_KEY])
    return web.json_response(report, status=200 if healthy else 503)


def _task(app: App, name: str) -> asyncio.Task[Any] | None:
    return next((t for t in app.tasks if t.get_name() == name), None)


async def health(app: App) -> tuple[bool, dict[str, Any]]:
    """(healthy, report): the database, the scheduler, the sender and the outbox, the mode, the uptime."""
    problems: list[str] = []
    database: dict[str, Any] = {"ok": False}
    outbox: dict[str, Any] = {}
    try:
        ok = await asyncio.wait_for(app.db.ping(), timeout=DB_CHECK_TIMEOUT)
        version, expected = await migrations_status(app.db)
        database = {"ok": ok, "schema_version": version, "schema_expected": expected}
        repo = OutboxRepository()
        oldest = await repo.oldest_pending(app.db.conn)
        outbox = {"pending": await repo.pending_count(app.db.conn),
                  "oldest_pending_age_seconds": (round((app.clock.now() - oldest).total_seconds(), 1)
                                                 if oldest is not None else None)}
    except Exception as exc:        # closed, locked for too long, disk error: all mean "not healthy"
        database = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    if not database["ok"]:
        problems.append("database")

    sender = _task(app, SENDER_TASK)
    sender_alive = sender is not None and not sender.done()
    if not sender_alive:
        problems.append("sender")

    reminders = app.reminders
    scheduler: dict[str, Any] = {"configured": reminders is not None}
    if reminders is not None:
        running = bool(reminders.started and reminders.scheduler.running)
        scheduler.update(running=running,
                         next_run=reminders.next_run.isoformat() if reminders.next_run is not None else None)
        if not running:
            problems.append("scheduler")
    digests = _task(app, "digests")

    report: dict[str, Any] = {
        "status": "ok" if not problems else "fail",
        "problems": problems,
        "mode": app.settings.run_mode,
        "uptime_seconds": round(time.monotonic() - app.started_at, 1),
        "database": database,
        "scheduler": scheduler,
        "sender": {"alive": sender_alive, **outbox},
        "digests": {"alive": digests is not None and not digests.done()},
    }
    return not problems, report


async def start_server(web_app: web.Application, host: str, port: int, *,
                       shutdown_timeout: float = 5.0) -> tuple[web.AppRunner, int]:
    """Listen on host:port (port 0: any free port); return the runner and the port bound."""
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    server = getattr(site, "_server", None)
    sockets = getattr(server, "sockets", None) or []
    return runner, (sockets[0].getsockname()[1] if sockets else port)
