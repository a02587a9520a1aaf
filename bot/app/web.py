"""The bot's small HTTP server (aiohttp): Telegram's webhook (RUN_MODE=webhook) and GET /healthz.

The webhook is aiogram's ``SimpleRequestHandler`` on WEBHOOK_PATH: a request without the right
``X-Telegram-Bot-Api-Secret-Token`` is refused with 401 before anything is read, and an accepted
update is processed before the answer (so Telegram re-sends it if the process dies meanwhile).

``/healthz`` answers JSON about the database, the reminders scheduler and the outbox sender, with
200 when the bot can do its work and 503 when it cannot (database closed or failing, sender dead,
scheduler stopped). It is served in both modes (in polling mode on its own) unless HEALTH_ENABLED=false.
It names the backend (``sqlite``/``postgresql``) and this process's ``role``: the ``leader`` runs the
scheduler and the sender; a ``standby`` (another process leads, issue 15) runs neither and is healthy.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app.reach import TelegramReach
from bot.jobs.daily import DIGEST_JOB
from bot.jobs.reminders import ReminderScheduler
from bot.runtime.clock import Clock
from bot.runtime.leader import LEADER, Leadership
from bot.settings.sections import WebSettings
from storage.chats import ChatRepository
from storage.db import Database
from storage.health import migrations_status
from storage.outbox import OutboxRepository

HEALTH_PATH = "/healthz"
#: A database that does not answer `SELECT 1` within this many seconds is reported as failing.
DB_CHECK_TIMEOUT = 3.0
SENDER_TASK = "outbox-sender"


@dataclass
class Health:
    """What /healthz reads: the database and the outbox, the scheduler, the app's background tasks (the
    outbox sender's among them), the mode."""

    db: Database
    clock: Clock
    reminders: ReminderScheduler
    tasks: list[asyncio.Task[Any]]
    mode: str
    started_at: float = field(default_factory=time.monotonic)
    telegram: TelegramReach = field(default_factory=TelegramReach)
    leadership: Leadership | None = None

    @property
    def role(self) -> str:
        return self.leadership.role if self.leadership is not None else LEADER

    def _task_alive(self, name: str) -> bool:
        return any(t.get_name() == name and not t.done() for t in self.tasks)

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, report): the database, the scheduler, the sender and the outbox, the mode, the uptime."""
        problems: list[str] = []
        database: dict[str, Any] = {"ok": False}
        outbox: dict[str, Any] = {}
        chats: dict[str, Any] = {}
        try:
            ok = await asyncio.wait_for(self.db.ping(), timeout=DB_CHECK_TIMEOUT)
            version, expected = await migrations_status(self.db)
            database = {"ok": ok, "schema_version": version, "schema_expected": expected}
            repo = OutboxRepository()
            oldest = await repo.oldest_pending(self.db.conn)
            outbox = {"pending": await repo.pending_count(self.db.conn),
                      "oldest_pending_age_seconds": (round((self.clock.now() - oldest).total_seconds(), 1)
                                                     if oldest is not None else None)}
            chats = await self._chats()
        except Exception as exc:        # closed, locked for too long, disk error: all mean "not healthy"
            database = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        if not database["ok"]:
            problems.append("database")

        leads = self.role == LEADER           # a standby runs neither the sender nor the scheduler
        sender_alive = self._task_alive(SENDER_TASK)
        if leads and not sender_alive:
            problems.append("sender")

        reminders = self.reminders
        scheduler = reminders.scheduler
        running = bool(reminders.started and scheduler.running)
        if leads and not running:
            problems.append("scheduler")

        if self.telegram.failing:
            problems.append("telegram")

        report: dict[str, Any] = {
            "status": "ok" if not problems else "fail",
            "problems": problems,
            "mode": self.mode,
            "role": self.role,
            "backend": self.db.dialect.name,
            "uptime_seconds": round(time.monotonic() - self.started_at, 1),
            "database": database,
            "scheduler": {"configured": True, "running": running,
                          "next_run": reminders.next_run.isoformat() if reminders.next_run is not None else None},
            "sender": {"alive": sender_alive, **outbox},
            "digests": {"alive": scheduler.running and scheduler.get_job(DIGEST_JOB) is not None},
            "chats": chats,
            "telegram": self.telegram.report(),
        }
        return not problems, report

    async def _chats(self) -> dict[str, Any]:
        """Bound chats the bot cannot write in, and the notices waiting for them (not a failure: they go
        out once the chat is bound again)."""
        waiting, since = await OutboxRepository().waiting(self.db.conn)
        gone = await ChatRepository().gone(self.db.conn)
        return {"unreachable": [{"chat_id": g.chat_id, "since": g.since.isoformat(), "reason": g.reason} for g in gone],
                "waiting_notices": waiting,
                "oldest_waiting_age_seconds": (round((self.clock.now() - since).total_seconds(), 1)
                                               if since is not None else None)}


HEALTH_KEY = web.AppKey("health", Health)


def build_web_app(settings: WebSettings, dp: Dispatcher, bot: Bot, health: Health) -> web.Application:
    """The aiohttp application: /healthz (HEALTH_ENABLED) and, in webhook mode, the webhook."""
    web_app = web.Application()
    web_app[HEALTH_KEY] = health
    if settings.health_enabled:
        web_app.router.add_get(HEALTH_PATH, _healthz)
    if settings.run_mode == "webhook":
        if settings.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required in webhook mode")
        handler = SimpleRequestHandler(dispatcher=dp, bot=bot, handle_in_background=False,
                                       secret_token=settings.webhook_secret.get_secret_value())
        # Not handler.register(): its shutdown hook would close the bot's HTTP session while the
        # outbox sender may still be finishing a notice; App.close() closes it last.
        web_app.router.add_post(settings.webhook_path, handler.handle)
    return web_app


def serves_anything(settings: WebSettings) -> bool:
    return settings.run_mode == "webhook" or (settings.health_enabled and settings.web_port != 0)


async def _healthz(request: web.Request) -> web.Response:
    healthy, report = await request.app[HEALTH_KEY].report()
    return web.json_response(report, status=200 if healthy else 503)


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
