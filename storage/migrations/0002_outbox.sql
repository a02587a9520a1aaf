-- 0002: the outbox. Every message the process owes is written here in the same transaction as the
-- state change that owes it; the sender delivers it afterwards (at least once, see docs/delivery.md).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    case_id         INTEGER REFERENCES cases (id),
    target_kind     TEXT NOT NULL,             -- operator | department | head | admins | chat
    target_id       INTEGER,                   -- user/chat id for operator and chat, department id
    payload         TEXT NOT NULL DEFAULT '{}',
    dedup_key       TEXT UNIQUE,               -- e.g. reminder:<deadline id>: never twice
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT,
    failed_at       TEXT,
    error           TEXT
);
CREATE INDEX ix_outbox_pending ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
