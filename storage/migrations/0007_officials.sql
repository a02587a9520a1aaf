-- 0007: the responsible officials (cl. 5; README, «Роли»).
-- An invite says whom it makes: an operator (as before) or a responsible official.
ALTER TABLE invites ADD COLUMN role TEXT NOT NULL DEFAULT 'operator';
-- Officials invited by an admin (OFFICIAL_IDS from the settings are not stored).
CREATE TABLE officials (
    user_id    INTEGER PRIMARY KEY,
    full_name  TEXT NOT NULL DEFAULT '',
    added_by   INTEGER,
    added_at   TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1
);
