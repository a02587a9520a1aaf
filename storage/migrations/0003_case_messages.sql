-- 0003: which bot message belongs to which case, so that a reply to any of them finds its case.
CREATE TABLE case_messages (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    purpose    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX ix_case_messages_case ON case_messages (case_id);

CREATE TABLE albums (
    album_key TEXT PRIMARY KEY,              -- chat id : media group id
    case_id   INTEGER NOT NULL REFERENCES cases (id)
);
