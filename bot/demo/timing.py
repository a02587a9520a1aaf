"""The demo's time: the real reminder job run when the moving clock says so."""

from __future__ import annotations

from bot.jobs.reminders import ReminderScheduler
from bot.jobs.scheduler import Scheduler


async def fire_reminder_job(reminders: ReminderScheduler, scheduler: Scheduler) -> None:
    """Let APScheduler run the ReminderScheduler's date job now: its moment has come on the demo's clock."""
    if scheduler.get_job(ReminderScheduler.JOB_ID) is None:
        await reminders.sync()
    if scheduler.get_job(ReminderScheduler.JOB_ID) is None:
        return
    await scheduler.fire(ReminderScheduler.JOB_ID)
