"""The machinery of the demo: the real app on the in-process Telegram, a moving clock, steps, printing.

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
from bot.demo.telegram import MEDIA_NAME, Change, DemoSession, People, Person, Shown
from bot.jobs.daily import DIGEST_JOB, digest_job
from bot.jobs.reminders import ReminderScheduler
from bot.runtime.clock import ClockTime, FakeClock
from bot.settings import Settings

RULE_WIDTH = 96
TOKEN = "42:DEMO"            # never sent anywhere: the session is in memory


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
class Step:
    at: datetime
    heading: str
    failures: list[str] = field(default_factory=list)


class Demo:
    """One scripted working day; the script (bot/demo/day.py) calls the methods below."""

    def __init__(self, out: TextIO, workdir: Path, day: date, chats: dict[int, str], titles: dict[int, str],
                 *, admin_ids: list[int], operator_ids: list[int]) -> None:
        self.out = out
        self.workdir = workdir
        self.day = day
        self.chats = chats
        self.titles = titles
        self.admin_ids = admin_ids
        self.operator_ids = operator_ids
        self.failures: list[str] = []
        self.steps = 0
        self.errors = ErrorCounter()
        self._app: App | None = None

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
        self.session = DemoSession(self.clock, self.titles)
        self.people = People(self.session, self.clock)
        limiter_time = ClockTime(self.clock)
        self._app = await build_app(settings, clock=self.clock, session=self.session, token=TOKEN,
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
            mark = len(self.session.changes)
            if job_id == ReminderScheduler.JOB_ID:
                await self._fire_reminder_job()
            else:
                await scheduler.fire(job_id)
            await self.app.notifier.flush()
            changes = self.session.changes[mark:]
            if changes:
                self._print_step(Step(self.clock.now(), self._automatic_heading(changes)), changes)
                shown.extend(changes)
        self.clock.set(target)
        return shown

    async def _fire_reminder_job(self) -> None:
        """Let APScheduler run the ReminderScheduler's date job now: its moment has come on our clock."""
        scheduler = self.app.scheduler
        if scheduler.get_job(ReminderScheduler.JOB_ID) is None:
            await self.app.reminders.sync()
        if scheduler.get_job(ReminderScheduler.JOB_ID) is None:
            return
        try:
            await scheduler.fire(ReminderScheduler.JOB_ID)
        except Exception as exc:
            raise DemoFailure(f"the reminder job failed: {exc!r}") from exc

    def _automatic_heading(self, changes: list[Change]) -> str:
        text = " ".join(c.shown.text for c in changes)
        parts = []
        if "Сводка на утро" in text:
            parts.append("Бот присылает главе утреннюю сводку")
        if "Сводка за день" in text:
            parts.append("Бот присылает главе вечернюю сводку за день")
        if "Напоминание" in text:
            parts.append("срок подходит — бот напоминает ответственному")
        if "Срок истёк" in text:
            parts.append("срок истёк — бот сообщает ответственному")
        if "Просрочка" in text:
            parts.append("просрочка уходит в чат главы")
        heading = "; ".join(parts) or "Бот сам отправляет уведомления"
        return heading[0].upper() + heading[1:] + " (никто ничего не нажимал)"

    # ---- acting as people -----------------------------------------------------------------------
    def step(self, hhmm: str, heading: str) -> _StepContext:
        return _StepContext(self, hhmm, heading)

    def note(self, chat_id: int, line: str) -> None:
        """What a person does, shown in their chat before the bot's reaction."""
        self.session.changes.append(Change("person", chat_id, Shown(chat_id, 0, line)))

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
            parts = [f"отвечает на сообщение бота «{_first_line(reply_to.text)}»:"]
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
        for (chat, _), shown in sorted(self.session.shown.items(), key=lambda kv: -kv[0][1]):
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
        self.note(chat_id, f"👤 {person.full_name} нажимает [ {row_label} ] под сообщением «{_first_line(shown.text)}»")
        update, query_id = self.people.press(person, shown, data)
        await self.app.dp.feed_update(self.app.bot, update)
        toast, alert = self.session.toasts.get(query_id, ("", False))
        if toast:
            self.session.changes.append(Change("alert" if alert else "toast", chat_id, Shown(chat_id, 0, toast)))
        await self.app.notifier.flush()
        return toast

    # ---- printing -------------------------------------------------------------------------------
    def write(self, line: str = "") -> None:
        self.out.write(line + "\n")

    def _print_step(self, step: Step, changes: list[Change]) -> None:
        self.steps += 1
        self.write("━" * RULE_WIDTH)
        self.write(f"{step.at:%H:%M}  {step.heading}")
        order: list[int] = []
        for c in changes:
            if c.chat_id not in order:
                order.append(c.chat_id)
        for chat_id in order:
            self.write("")
            self.write(f"  ▌ {self.chats.get(chat_id, str(chat_id))}")
            for c in changes:
                if c.chat_id == chat_id:
                    for line in render_change(c):
                        self.write("    " + line)
        self.write("")

    def check(self, step: Step, changes: list[Change], expected: list[tuple[int, str]]) -> None:
        for chat_id, needle in expected:
            if not any(needle in _visible(c) for c in changes if c.chat_id == chat_id and c.kind != "person"):
                step.failures.append(f"{step.at:%H:%M} «{step.heading}»: в чате «{self.chats.get(chat_id, chat_id)}» "
                                     f"бот не показал «{needle}»")
        for c in changes:
            if c.kind != "person" and texts.SORRY in c.shown.text:
                step.failures.append(f"{step.at:%H:%M} «{step.heading}»: бот извинился за ошибку")
        self.failures.extend(step.failures)
        for failure in step.failures:
            self.write(f"  ✗ НЕ ТАК, КАК ОЖИДАЛОСЬ: {failure}")


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
        self.mark = len(self.demo.session.changes)
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and not issubclass(exc_type, DemoFailure):
            return
        await self.demo.app.notifier.flush()
        changes = self.demo.session.changes[self.mark:]
        step = Step(self.demo.clock.now(), self.heading)
        self.demo._print_step(step, changes)
        if exc is not None:
            return
        self.demo.check(step, changes, self.expected)


def _first_line(text: str, limit: int = 48) -> str:
    line = text.strip().split("\n", 1)[0] if text.strip() else "…"
    return texts.excerpt(line, limit)


def _visible(change: Change) -> str:
    s = change.shown
    labels = " ".join(label for row in s.buttons for label, _ in row)
    media = f"[{MEDIA_NAME.get(s.media, s.media)}: {s.file_label}]" if s.media else ""
    return "\n".join(p for p in (media, s.text, labels) if p)


def render_buttons(shown: Shown) -> list[str]:
    return [" ".join(f"[ {label} ]" for label, _ in row) for row in shown.buttons]


def render_change(change: Change) -> list[str]:
    s = change.shown
    body: list[str] = []
    if s.media:
        body.append(f"[{MEDIA_NAME.get(s.media, s.media)}: {s.file_label}]")
    if change.kind in ("new", "edit"):
        body.extend(s.text.split("\n") if s.text else [])
        body.extend(render_buttons(s))
    if change.kind == "person":
        first, *rest = s.text.split("\n")
        return [first] + ["   " + line for line in rest]
    if change.kind == "toast":
        return [f"💬 всплывающая подсказка: «{s.text}»"]
    if change.kind == "alert":
        return [f"⚠️ окно с предупреждением: «{s.text}»"]
    if change.kind == "deleted":
        return [f"🗑 бот удалил сообщение «{_first_line(s.text)}»"]
    if change.kind == "buttons":
        title = f"✏️ бот сменил кнопки под сообщением «{_first_line(s.text)}»:"
        return [title] + (["   " + line for line in render_buttons(s)] or ["   (кнопок больше нет)"])
    if change.kind == "edit" and change.before is not None:
        return render_edit(change.before, s)
    return ["🤖 бот:"] + ["   " + line for line in body]


def render_edit(before: Shown, after: Shown) -> list[str]:
    """An edited message: its first line, then only what changed (a card is edited many times a day)."""
    old_lines = [line for line in before.text.split("\n") if line.strip()]
    new_lines = [line for line in after.text.split("\n") if line.strip()]
    out = [f"✏️ бот обновил сообщение «{_first_line(after.text)}»:"]
    out.extend("   " + line for line in new_lines if line not in old_lines)
    out.extend(f"   (убрана строка: {line})" for line in old_lines if line not in new_lines)
    if after.buttons != before.buttons:
        out.append("   кнопки теперь:" if after.buttons else "   (кнопок больше нет)")
        out.extend("   " + line for line in render_buttons(after))
    return out
