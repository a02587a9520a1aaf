-- 0015: one deployment for the whole republic (issue 14). An organisation is a municipality or a republican
-- body; every case, department, operator, official, invite, surge and place belongs to one. An existing
-- database becomes organisation no. 1: its prefix is empty, so its cases keep their numbers (2026-0042);
-- the others number theirs with a prefix (ZEL-2026-0042), each from 1 every year.
CREATE TABLE organisations (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    prefix       TEXT NOT NULL UNIQUE,              -- '' for no. 1; 2-6 latin capitals for the others
    kind         TEXT NOT NULL DEFAULT 'municipality' CHECK (kind IN ('municipality', 'republic')),
    head_chat_id INTEGER UNIQUE,                     -- the head of the organisation's group
    days_off     TEXT NOT NULL DEFAULT '[]',         -- JSON list of its own extra days off (YYYY-MM-DD)
    archived     INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at   TEXT NOT NULL
);

INSERT INTO organisations (id, name, prefix, created_at)
VALUES (1, 'Администрация', '', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- The head's chat moves from kv to its organisation.
UPDATE organisations SET head_chat_id = (SELECT CAST(value AS INTEGER) FROM kv WHERE key = 'head_chat_id')
WHERE id = 1;
DELETE FROM kv WHERE key = 'head_chat_id';

-- An organisation's own admins (the deployment's admins, ADMIN_IDS, administer every organisation).
CREATE TABLE org_admins (
    org_id    INTEGER NOT NULL REFERENCES organisations (id),
    user_id   INTEGER NOT NULL,
    full_name TEXT NOT NULL DEFAULT '',
    added_by  INTEGER,
    added_at  TEXT NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX ix_org_admins_user ON org_admins (user_id) WHERE active = 1;

-- People and invites: one organisation each (an operator works for one organisation).
ALTER TABLE operators ADD COLUMN org_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE officials ADD COLUMN org_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE invites ADD COLUMN org_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE surges ADD COLUMN org_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX ix_operators_org ON operators (org_id, active);
CREATE INDEX ix_officials_org ON officials (org_id, active);
CREATE INDEX ix_surges_org ON surges (org_id, created_at);

-- cases: numbered per organisation (UNIQUE (org_id, year, seq)); rebuilt, since SQLite cannot change a
-- table's constraints: copied aside, dropped, created again under its own name and filled back. The
-- other tables' foreign keys name "cases" all along; they are checked at COMMIT (defer_foreign_keys lasts
-- until the end of this transaction), when every row is back.
PRAGMA defer_foreign_keys = ON;
DROP TRIGGER retention_scope_finished_only;

CREATE TABLE cases_copy AS SELECT * FROM cases;
DROP TABLE cases;
CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL DEFAULT 1 REFERENCES organisations (id),
    number           TEXT NOT NULL UNIQUE,   -- 2026-0042 (organisation no. 1), ZEL-2026-0042
    year             INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    status           TEXT NOT NULL,
    platform         TEXT NOT NULL,
    link             TEXT,
    link_norm        TEXT,
    author           TEXT,
    text             TEXT NOT NULL DEFAULT '',
    media            TEXT NOT NULL DEFAULT '[]',
    detected_at      TEXT NOT NULL,
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
    calendar_since   TEXT,
    calendar_until   TEXT,
    answer_minutes   INTEGER,
    closure          TEXT,
    anonymised_at    TEXT,
    UNIQUE (org_id, year, seq)
);
INSERT INTO cases (id, org_id, number, year, seq, status, platform, link, link_norm, author, text, media,
                       detected_at, operator_id, urgent, significant, multi, operator_chat_id, operator_card_id,
                       created_at, updated_at, closed_at, version, calendar_since, calendar_until,
                       answer_minutes, closure, anonymised_at)
SELECT id, 1, number, year, seq, status, platform, link, link_norm, author, text, media,
       detected_at, operator_id, urgent, significant, multi, operator_chat_id, operator_card_id,
       created_at, updated_at, closed_at, version, calendar_since, calendar_until,
       answer_minutes, closure, anonymised_at
FROM cases_copy;
DROP TABLE cases_copy;

CREATE INDEX ix_cases_status ON cases (org_id, status);
CREATE INDEX ix_cases_link_norm ON cases (org_id, link_norm) WHERE link_norm IS NOT NULL;
CREATE INDEX ix_cases_detected ON cases (detected_at);
CREATE INDEX ix_cases_report ON cases (org_id, detected_at, platform, status, significant);
CREATE INDEX ix_cases_calendar ON cases (calendar_since) WHERE calendar_since IS NOT NULL;
CREATE INDEX ix_cases_retention ON cases (closed_at) WHERE anonymised_at IS NULL AND closed_at IS NOT NULL;

CREATE TRIGGER retention_scope_finished_only BEFORE INSERT ON retention_scope
WHEN NOT EXISTS (SELECT 1 FROM cases WHERE id = NEW.case_id AND closed_at IS NOT NULL
                 AND status IN ('closed', 'excluded', 'dismissed'))
BEGIN
    SELECT RAISE(ABORT, 'only a finished case may be anonymised');
END;

-- departments: a name is unique within its organisation.
CREATE TABLE departments_copy AS SELECT * FROM departments;
DROP TABLE departments;
CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL DEFAULT 1 REFERENCES organisations (id),
    name       TEXT NOT NULL COLLATE NOCASE,
    chat_id    INTEGER UNIQUE,
    keywords   TEXT NOT NULL DEFAULT '[]',   -- JSON list of routing keywords
    archived   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);
INSERT INTO departments (id, org_id, name, chat_id, keywords, archived, created_at)
SELECT id, 1, name, chat_id, keywords, archived, created_at FROM departments_copy;
DROP TABLE departments_copy;

-- places (the admins' gazetteer, 0014): each organisation has its own.
CREATE TABLE places_copy AS SELECT * FROM places;
DROP TABLE places;
CREATE TABLE places (
    id        INTEGER PRIMARY KEY,
    org_id    INTEGER NOT NULL DEFAULT 1 REFERENCES organisations (id),
    kind      TEXT NOT NULL CHECK (kind IN ('settlement', 'street')),
    type      TEXT NOT NULL,
    name      TEXT NOT NULL,
    place_key TEXT NOT NULL,
    aliases   TEXT NOT NULL DEFAULT '[]',
    hidden    INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    added_by  INTEGER,
    added_at  TEXT NOT NULL,
    UNIQUE (org_id, kind, place_key)
);
INSERT INTO places (id, org_id, kind, type, name, place_key, aliases, hidden, added_by, added_at)
SELECT id, 1, kind, type, name, place_key, aliases, hidden, added_by, added_at FROM places_copy;
DROP TABLE places_copy;

-- Transfers between organisations (issue 14 §5). The case of the organisation that gives it away ends
-- with status 'transferred'; the receiving organisation works a case of its own (to_case_id) with the
-- same detection time and cl. 6 deadline, or an open case of the same post it already had ('joined').
-- Refused back: the receiver's case ends 'transferred' and the giver's case is open again.
CREATE TABLE transfers (
    id             INTEGER PRIMARY KEY,
    from_case_id   INTEGER NOT NULL REFERENCES cases (id),
    from_org       INTEGER NOT NULL REFERENCES organisations (id),
    to_org         INTEGER NOT NULL REFERENCES organisations (id),
    to_case_id     INTEGER REFERENCES cases (id),
    state          TEXT NOT NULL CHECK (state IN ('transferred', 'joined', 'refused')),
    reason         TEXT NOT NULL,
    by_id          INTEGER NOT NULL,
    by_role        TEXT NOT NULL,
    at             TEXT NOT NULL,
    refused_reason TEXT,
    refused_by     INTEGER,
    refused_at     TEXT
);
CREATE INDEX ix_transfers_from ON transfers (from_org, at);
CREATE INDEX ix_transfers_to ON transfers (to_org, at);
CREATE INDEX ix_transfers_from_case ON transfers (from_case_id);
CREATE INDEX ix_transfers_to_case ON transfers (to_case_id);
