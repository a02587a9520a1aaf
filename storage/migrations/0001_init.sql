-- 0001: initial schema.

CREATE TABLE fsm_state (
    key        TEXT PRIMARY KEY,          -- bot_id:chat_id:user_id[:thread_id][:destiny]
    state      TEXT,
    data       TEXT NOT NULL DEFAULT '{}', -- JSON object
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE operators (
    user_id    INTEGER PRIMARY KEY,
    full_name  TEXT NOT NULL DEFAULT '',
    added_by   INTEGER,
    added_at   TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE invites (
    token      TEXT PRIMARY KEY,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    INTEGER,
    used_at    TEXT
);

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    chat_id    INTEGER UNIQUE,
    keywords   TEXT NOT NULL DEFAULT '[]',   -- JSON list of routing keywords
    archived   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,   -- 2026-0042
    year             INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    status           TEXT NOT NULL,
    platform         TEXT NOT NULL,
    link             TEXT,
    link_norm        TEXT,
    author           TEXT,
    text             TEXT NOT NULL DEFAULT '',
    media            TEXT NOT NULL DEFAULT '[]',   -- JSON list of {kind, file_id, file_unique_id}
    detected_at      TEXT NOT NULL,               -- ISO 8601, UTC
    operator_id      INTEGER NOT NULL,
    urgent           INTEGER NOT NULL DEFAULT 0,
    significant      INTEGER NOT NULL DEFAULT 0,
    multi            INTEGER NOT NULL DEFAULT 0,
    operator_chat_id INTEGER,
    operator_card_id INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    closed_at        TEXT,
    version          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (year, seq)
);
CREATE INDEX ix_cases_status ON cases (status);
CREATE INDEX ix_cases_link_norm ON cases (link_norm) WHERE link_norm IS NOT NULL;
CREATE INDEX ix_cases_detected ON cases (detected_at);

CREATE TABLE case_departments (
    case_id         INTEGER NOT NULL REFERENCES cases (id),
    department_id   INTEGER NOT NULL REFERENCES departments (id),
    state           TEXT NOT NULL,
    routed_at       TEXT NOT NULL,
    accepted_at     TEXT,
    accepted_by     INTEGER,
    declined_at     TEXT,
    declined_reason TEXT,
    card_message_id INTEGER,
    PRIMARY KEY (case_id, department_id)
);
CREATE INDEX ix_case_departments_dept ON case_departments (department_id, state);

CREATE TABLE drafts (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    department_id INTEGER REFERENCES departments (id),
    kind          TEXT NOT NULL,
    text          TEXT NOT NULL,
    media         TEXT NOT NULL DEFAULT '[]',
    author_id     INTEGER NOT NULL,
    author_name   TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL,
    submitted_at  TEXT NOT NULL,
    decision      TEXT,
    decided_by    INTEGER,
    decided_at    TEXT,
    comment       TEXT
);
CREATE INDEX ix_drafts_case ON drafts (case_id);

CREATE TABLE publications (
    id                   INTEGER PRIMARY KEY,
    case_id              INTEGER NOT NULL REFERENCES cases (id),
    draft_id             INTEGER REFERENCES drafts (id),
    kind                 TEXT NOT NULL,
    screenshot_file_id   TEXT NOT NULL,
    screenshot_unique_id TEXT NOT NULL DEFAULT '',
    link                 TEXT,
    published_by         INTEGER NOT NULL,
    published_at         TEXT NOT NULL
);
CREATE INDEX ix_publications_case ON publications (case_id);

CREATE TABLE deadlines (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases (id),
    rule                TEXT NOT NULL,
    owner               TEXT NOT NULL,
    department_id       INTEGER REFERENCES departments (id),
    started_at          TEXT NOT NULL,
    due_at              TEXT NOT NULL,
    closed_at           TEXT,
    outcome             TEXT,
    reminded_at         TEXT,
    expired_notified_at TEXT
);
CREATE INDEX ix_deadlines_case ON deadlines (case_id);
CREATE INDEX ix_deadlines_open ON deadlines (due_at) WHERE closed_at IS NULL;

-- The audit trail (cl. 11, 20): appended, never updated or deleted.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER REFERENCES cases (id),
    at         TEXT NOT NULL,
    actor_id   INTEGER,
    actor_role TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL DEFAULT '{}',
    refused    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_events_case ON events (case_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
