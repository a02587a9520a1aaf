-- 0012: retention of personal data (152-ФЗ; docs/security.md «Срок хранения»).
-- After RETENTION_MONTHS a daily job (bot/jobs/retention.py) anonymises finished cases: the citizen's text,
-- author, link and attachments, the drafts' texts and media, the personal fields of the audit events and of
-- the outbox payloads, the remembered messages. Numbers, dates, departments, deadlines, blame and outcomes
-- stay, so every KPI stays exactly the same.
-- anonymised_at: when the case was anonymised (NULL: not yet); a case is anonymised once.
ALTER TABLE cases ADD COLUMN anonymised_at TEXT;
CREATE INDEX ix_cases_retention ON cases (closed_at) WHERE anonymised_at IS NULL AND closed_at IS NOT NULL;

-- The cases being anonymised by the running anonymisation. Filled and emptied inside its one transaction
-- (storage/retention.py), so no committed state ever holds a row: it is the flag that lets the audit trail be
-- rewritten, and only for these cases.
CREATE TABLE retention_scope (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id)
);

-- Only a finished case (closed, excluded, dismissed: closed_at set) may enter the scope.
CREATE TRIGGER retention_scope_finished_only BEFORE INSERT ON retention_scope
WHEN NOT EXISTS (SELECT 1 FROM cases WHERE id = NEW.case_id AND closed_at IS NOT NULL
                 AND status IN ('closed', 'excluded', 'dismissed'))
BEGIN
    SELECT RAISE(ABORT, 'only a finished case may be anonymised');
END;

-- The audit trail stays append-only for everything else. The one exception: while a case is in the scope,
-- its events' payloads may change in their personal fields alone — the same keys, every other key with the
-- same value, every other column untouched.
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN OLD.case_id IS NULL
  OR NOT EXISTS (SELECT 1 FROM retention_scope WHERE case_id = OLD.case_id)
  OR NEW.id IS NOT OLD.id OR NEW.case_id IS NOT OLD.case_id OR NEW.at IS NOT OLD.at
  OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_role IS NOT OLD.actor_role OR NEW.kind IS NOT OLD.kind
  OR NEW.refused IS NOT OLD.refused
  OR NOT json_valid(NEW.payload) OR json_type(NEW.payload) IS NOT 'object'
  OR (SELECT COUNT(*) FROM json_each(NEW.payload)) <> (SELECT COUNT(*) FROM json_each(OLD.payload))
  OR EXISTS (
      SELECT 1 FROM json_each(OLD.payload) o
      WHERE NOT EXISTS (
          SELECT 1 FROM json_each(NEW.payload) n
          WHERE n.key = o.key
            AND (o.key IN ('text', 'link', 'author', 'comment', 'reason', 'topic', 'title', 'screenshot',
                           'words', 'file_id')
                 OR (n.type = o.type AND n.value IS o.value))))
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- The runs of the anonymisation are audited as system events without a case; the job finds its last run here.
CREATE INDEX ix_events_system ON events (kind, at) WHERE case_id IS NULL;
