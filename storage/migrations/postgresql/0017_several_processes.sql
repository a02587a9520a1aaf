-- 0017: several processes on one database (issue 15 §2); the same as storage/migrations/0017.
-- processed_updates: the Telegram updates this deployment has handled (bot/app/updates.py).
CREATE TABLE processed_updates (
    update_id BIGINT PRIMARY KEY,
    taken_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX ix_processed_updates_taken ON processed_updates (taken_at);

-- outbox.claimed_until: the claim of the sender delivering a notice (storage/outbox.py claim()).
ALTER TABLE outbox ADD COLUMN claimed_until TEXT COLLATE "C";
