-- 0001: initial schema.

CREATE TABLE fsm_state (
    key        TEXT PRIMARY KEY,          -- bot_id:chat_id:user_id[:thread_id][:destiny]
    state      TEXT,
    data       TEXT NOT NULL DEFAULT '{}', -- JSON object
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
