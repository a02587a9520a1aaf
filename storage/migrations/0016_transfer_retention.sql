-- 0016: a case given to another organisation (status 'transferred', issue 14 §5) is finished for its
-- organisation: after the retention period it is anonymised like a closed one. The audit trail's guard
-- (0012, re-created by 0015) is re-created with that status among the finished ones.
DROP TRIGGER retention_scope_finished_only;

CREATE TRIGGER retention_scope_finished_only BEFORE INSERT ON retention_scope
WHEN NOT EXISTS (SELECT 1 FROM cases WHERE id = NEW.case_id AND closed_at IS NOT NULL
                 AND status IN ('closed', 'excluded', 'dismissed', 'transferred'))
BEGIN
    SELECT RAISE(ABORT, 'only a finished case may be anonymised');
END;
