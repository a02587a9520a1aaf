"""The machinery of the demo: the real app on the fake Telegram, a moving clock, steps, checks.

Nothing of the bot is re-implemented here. ``build_app`` builds the real Dispatcher, services, SQLite
storage, outbox sender and ReminderScheduler (APScheduler); updates go through ``dp.feed_update``;
the sender delivers with ``Notifier.flush`` after each step. Time is a ``FakeClock`` that the script
moves: before each step :meth:`Demo.advance_to` walks the clock through every moment at which the
real scheduler has work — the date job of that moment (the reminders' or the digests') is made due now
and APScheduler itself runs it (the reminders' ``tick`` plans, queues the notices and moves the job).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from bot import texts
from bot.app.container import App, build_app
from bot.delivery.sender import RateLimiter
from bot.demo.people import People, Person
from bot.demo.printing import Step, automatic_heading, first_line, print_step, visible
from bot.demo.timing import fire_reminder_job
from bot.fake_telegram import Change, FakeSession, FakeTelegram, Screen, Shown
from bot.jobs.daily import DIGEST_JOB, digest_job
from bot.jobs.reminders import ReminderScheduler
from bot.runtime.clock import ClockTime, FakeClock
from bot.settings import Settings

TOKEN = "42:DEMO"  # noqa: S105  never sent anywhere: the session is in memory; aiogram takes the bot's id from it
BOT_USERNAME = "demo_municipal_bot"
BOT_NAME = "Бот администрации"


class DemoFailure(Exception):
    """A scripted step could not be played (a button that should be there is not)."""


class ErrorCounter(logging.Handler):
    """Warnings and errors the bot logs (a handler that failed, a notice Telegram refused) make the demo fail."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}")


@dataclass
class Demo:
    """One scripted working day; the script (bot/demo/day.py) calls the methods below."""

    out: TextIO
    workdir: Path
    day: date
    chats: dict[int, str]                   # as the demo names them
    titles: dict[int, str]                  # as Telegram names them
    admin_ids: list[int]
    operator_ids: list[int]
    failures: list[str] = field(default_factory=list)
    steps: int = 0
    errors: ErrorCounter = field(default_factory=ErrorCounter)
    _app: App | None = None

    # ---- life cycle ---------------------------------------------------------------------------
    def settings(self) -> Settings:
        """Every setting at its documented default (the environment and .env play no part), the
        database and calendar in the demo's temporary folder, the demo's people."""
        values: dict[str, Any] = {name: f.get_default(call_default_factory=True)
                                  for name, f in Settings.variables().items()}
        values.update(database_path=self.workdir / "bot.sqlite3", calendar_path=self.workdir / "calendar.json",
                      admin_ids=self.admin_ids, operator_ids=self.operator_ids, head_chat_id=None)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self, at: str) -> None:
        settings = self.settings()
        self.clock = FakeClock(self.moment(at, settings))
        self.telegram = FakeTelegram(clock=self.clock, bot_username=BOT_USERNAME, bot_name=BOT_NAME,
                                     reads_all_group_messages=True)
        for chat_id, title in self.titles.items():
            self.telegram.set_chat(chat_id, **{"first_name" if chat_id > 0 else "title": title})
        self.screen = Screen(self.telegram)
        self.people = People(self.telegram, self.screen)
        limiter_time = ClockTime(self.clock)
        self._app = await build_app(settings, clock=self.clock, session=FakeSession(core=self.telegram, record=False),
                                    token=TOKEN,
                                    limiter=RateLimiter(monotonic=limiter_time.monotonic, sleep=limiter_time.sleep))
        logging.getLogger().addHandler(self.errors)
        await self.app.reminders.start()            # rebuild from the database, catch-up, the APScheduler jobs
        digest_job(self.app.digests).start(self.app.scheduler)

    async def close(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        if self._app is not None:
            await self._app.close()

    @property
    def app(self) -> App:
        assert self._app is not None
        return self._app

    def moment(self, hhmm: str, settings: Settings | None = None) -> datetime:
        hour, minute = (int(p) for p in hhmm.split(":"))
        tz = settings.deadlines.tz if settings is not None else self.clock.now().tzinfo
        return datetime.combine(self.day, time(hour, minute), tzinfo=tz)

    # ---- time -----------------------------------------------------------------------------------
    async def advance_to(self, hhmm: str) -> list[Change]:
        """Move the clock to ``hhmm``, stopping at every moment the real scheduler has work
        (reminders, digests); each such moment is printed as a step of its own. Returns what they showed."""
        target = self.moment(hhmm)
        if target < self.clock.now():
            raise DemoFailure(f"the script goes back in time to {hhmm}")
        shown: list[Change] = []
        reminders = self.app.reminders
        scheduler = self.app.scheduler
        while True:
            await reminders.sync()                  # what CaseService's on_commit asks for after each change
            candidates: list[tuple[datetime, str]] = []
            if reminders.next_run is not None and reminders.next_run <= target:
                candidates.append((reminders.next_run, ReminderScheduler.JOB_ID))
            wake = scheduler.moment_of(DIGEST_JOB)
            if wake is not None and wake <= target:
                candidates.append((wake, DIGEST_JOB))
            if not candidates:
                break
            at, job_id = min(candidates)
            self.clock.set(max(at, self.clock.now()))
            mark = len(self.screen.changes)
            if job_id == ReminderScheduler.JOB_ID:
                try:
                    await fire_reminder_job(reminders, scheduler)
                except Exception as exc:
                    raise DemoFailure(f"the reminder job failed: {exc!r}") from exc
            else:
                await scheduler.fire(job_id)
            await self.app.notifier.flush()
            changes = self.screen.changes[mark:]
            if changes:
                self._print_step(Step(self.clock.now(), automatic_heading(changes)), changes)
                shown.extend(changes)
        self.clock.set(target)
        return shown

    # ---- acting as people -----------------------------------------------------------------------
    def step(self, hhmm: str, heading: str) -> _StepContext:
        return _StepContext(self, hhmm, heading)

    def note(self, chat_id: int, line: str, kind: str = "person") -> None:
        """What a person does (or a toast the bot shows), in their chat before the bot's reaction."""
        self.screen.changes.append(Change(kind, chat_id, Shown(chat_id, 0, line)))

    async def feed(self, update: Any) -> None:
        """The update through the real Dispatcher, then the sender delivers what it queued."""
        await self.app.dp.feed_update(self.app.bot, update)
        await self.app.notifier.flush()

    async def say(self, person: Person, chat_id: int, text: str | None = None, *, photo: str | None = None,
                  photo_label: str | None = None, reply_to: Shown | None = None,
                  forward_from_channel: tuple[int, str, str, int] | None = None) -> None:
        if forward_from_channel is not None:
            parts = [f"пересылает пост канала «{forward_from_channel[1]}»:"]
        elif reply_to is not None:
            parts = [f"отвечает на сообщение бота «{first_line(reply_to.text)}»:"]
        else:
            parts = ["присылает" if photo is not None else "пишет:"]
        if photo is not None:
            parts.append(f"[фото: {photo_label or photo}]")
        if text:
            parts.append(f"«{text}»" if not text.startswith("/") else text)
        self.note(chat_id, f"👤 {person.full_name} " + " ".join(parts))
        await self.feed(self.people.message(person, chat_id, text, photo=photo, photo_label=photo_label,
                                            reply_to=reply_to.message_id if reply_to else None,
                                            forward_from_channel=forward_from_channel))

    def find(self, chat_id: int, needle: str, *, button: str | None = None) -> Shown:
        """The newest message in the chat containing ``needle`` (and a button ``button``, if given)."""
        for (chat, _), shown in sorted(self.screen.shown.items(), key=lambda kv: -kv[0][1]):
            if chat != chat_id or needle not in shown.text:
                continue
            if button is None or any(button in label for row in shown.buttons for label, _ in row):
                return shown
        raise DemoFailure(f"в чате «{self.chats.get(chat_id, chat_id)}» нет сообщения с «{needle}»"
                          + (f" и кнопкой «{button}»" if button else ""))

    async def press(self, person: Person, chat_id: int, label: str, *, where: str = "") -> str:
        """Press the button ``label`` under the newest message in the chat (containing ``where``)."""
        shown = self.find(chat_id, where, button=label)
        row_label, data = next((lb, d) for row in shown.buttons for lb, d in row if label in lb)
        self.note(chat_id, f"👤 {person.full_name} нажимает [ {row_label} ] под сообщением «{first_line(shown.text)}»")
        update, query_id = self.people.press(person, shown, data)
        await self.app.dp.feed_update(self.app.bot, update)
        toast, alert = self.telegram.answers.get(query_id, ("", False))
        if toast:
            self.note(chat_id, toast, "alert" if alert else "toast")
        await self.app.notifier.flush()
        return toast

    # ---- printing and checking ------------------------------------------------------------------
    def _print_step(self, step: Step, changes: list[Change]) -> None:
        self.steps += 1
        print_step(self.out, self.chats, step, changes)

    def check(self, step: Step, changes: list[Change], expected: list[tuple[int, str]]) -> None:
        for chat_id, needle in expected:
            if not any(needle in visible(c) for c in changes if c.chat_id == chat_id and c.kind != "person"):
                step.failures.append(f"{step.at:%H:%M} «{step.heading}»: в чате «{self.chats.get(chat_id, chat_id)}» "
                                     f"бот не показал «{needle}»")
        for c in changes:
            if c.kind != "person" and texts.SORRY in c.shown.text:
                step.failures.append(f"{step.at:%H:%M} «{step.heading}»: бот извинился за ошибку")
        self.failures.extend(step.failures)
        for failure in step.failures:
            self.out.write(f"  ✗ НЕ ТАК, КАК ОЖИДАЛОСЬ: {failure}\n")


class _StepContext:
    """``async with demo.step("09:05", "…") as s:`` — the clock moves to 09:05 first (automatic steps
    are printed on the way), then the block acts; on leaving, the sender delivers what is queued,
    and the step is printed and checked against ``s.expect(chat, text)``."""

    def __init__(self, demo: Demo, hhmm: str, heading: str) -> None:
        self.demo = demo
        self.hhmm = hhmm
        self.heading = heading
        self.expected: list[tuple[int, str]] = []

    def expect(self, chat_id: int, *needles: str) -> None:
        self.expected.extend((chat_id, n) for n in needles)

    async def __aenter__(self) -> _StepContext:
        await self.demo.advance_to(self.hhmm)
        self.mark = len(self.demo.screen.changes)
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and not issubclass(exc_type, DemoFailure):
            return
        await self.demo.app.notifier.flush()
        changes = self.demo.screen.changes[self.mark:]
        step = Step(self.demo.clock.now(), self.heading)
        self.demo._print_step(step, changes)
        if exc is not None:
            return
        self.demo.check(step, changes, self.expected)
