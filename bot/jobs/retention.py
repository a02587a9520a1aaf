"""The daily anonymisation of finished cases older than RETENTION_MONTHS (bot/services/retention.py), on the
one scheduler, in the style of bot/jobs/daily.py.

At start the job looks back a day: the run of the last moment is made at once unless the audit trail shows a
run since that moment (a restart catches up, a day is never run twice). A failed run is told to the admins
(once per moment) and made again the next day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.jobs.daily import DailyJob, Job, once
from bot.services.retention import RetentionService

RETENTION_JOB = "retention"
#: A run missed while the bot was down is made at start if its moment is at most this old.
RETENTION_CATCH_UP = timedelta(hours=24)


def retention_job(retention: RetentionService) -> DailyJob:
    def upcoming(after: datetime) -> tuple[datetime, Job]:
        moment = retention.next_moment(after)
        return moment, once(moment, retention.ran_since, retention.run, retention.report_failure, what="retention")

    return DailyJob(RETENTION_JOB, upcoming, catch_up=RETENTION_CATCH_UP, what="retention")
