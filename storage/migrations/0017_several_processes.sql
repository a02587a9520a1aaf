-- 0017: several processes on one database (issue 15 §2).
-- processed_updates: the Telegram updates this deployment has handled, by update_id, with the moment one
-- was taken; a second delivery of the same update (Telegram re-sending it, a balancer, a standby polling
-- after a crash) is skipped. Rows older than a few days are pruned (Telegram keeps an update for 24 h).
-- Written by PostgreSQL's processes only (storage/processed_updates.py); here for the same schema.
CREATE TABLE processed_updates (
    update_id INTEGER PRIMARY KEY,
    taken_at  TEXT NOT NULL
);
CREATE INDEX ix_processed_updates_taken ON processed_updates (taken_at);

-- outbox.claimed_until: a sender that took a notice to deliver holds it until then (PostgreSQL's claim,
-- FOR UPDATE SKIP LOCKED); another sender does not take it meanwhile. Unused by SQLite's one process.
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
