-- 0005: reminders, escalations and declared working days.
-- The moments of a deadline's reminder and expiry notice are derived from the database (due_at, the
-- rule's clock, the working calendar) by the reminder service and stored beside it, so that the next
-- due moment is one indexed MIN() and a restart rebuilds the one scheduler job from here.
-- plan_due_at is the due_at the moments were computed for: a changed due_at (Срочно, corrected
-- detection time) or a calendar change (plan_due_at set to NULL) makes the service compute them again.
-- remind_at NULL with plan_due_at set means "no reminder for this deadline" (fraction 0, no time left).
-- Declared working days (cl. 8) live in the calendar overrides file (CALENDAR_PATH), audited in events.
ALTER TABLE deadlines ADD COLUMN remind_at TEXT;
ALTER TABLE deadlines ADD COLUMN expire_at TEXT;
ALTER TABLE deadlines ADD COLUMN plan_due_at TEXT;

CREATE INDEX ix_deadlines_unplanned ON deadlines (id)
    WHERE closed_at IS NULL AND (plan_due_at IS NULL OR plan_due_at <> due_at);
CREATE INDEX ix_deadlines_remind ON deadlines (remind_at)
    WHERE closed_at IS NULL AND reminded_at IS NULL AND remind_at IS NOT NULL;
CREATE INDEX ix_deadlines_expire ON deadlines (expire_at)
    WHERE closed_at IS NULL AND expired_notified_at IS NULL AND expire_at IS NOT NULL;
