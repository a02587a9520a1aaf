-- 0010: who is in the bound groups (issue 13 §2) and strangers' refused attempts, counted.
-- chat_members: one row per person met in a bound group (a department's or the head's chat).
--   present: 1 in the chat, 0 left / kicked / banned; source: 'event' (a service message or a
--   chat_member update) or 'telegram' (getChatMember, believed for a few minutes); checked_at: when.
--   confirmed_by / confirmed_at: the admin who let a new member act (STRICT_MEMBERS); a leave clears it.
--   announced_at: when the admins were told of this member (once per stay).
CREATE TABLE chat_members (
    chat_id      INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    full_name    TEXT    NOT NULL DEFAULT '',
    present      INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    checked_at   TEXT    NOT NULL,
    confirmed_by INTEGER,
    confirmed_at TEXT,
    announced_at TEXT,
    PRIMARY KEY (chat_id, user_id)
);

-- refused_counts: a stranger's refused attempts (an unknown /start link …), one row per person, kind and
-- day; only the first of the day goes to the audit trail, the rest are counted here.
CREATE TABLE refused_counts (
    day      TEXT    NOT NULL,
    user_id  INTEGER NOT NULL,
    kind     TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    first_at TEXT    NOT NULL,
    last_at  TEXT    NOT NULL,
    PRIMARY KEY (day, user_id, kind)
);
