-- 0006: accountability (docs/workflow.md, «Кто отвечает за срок»).
-- blame: who a missed deadline is attributed to, fixed once when it runs out (JSON array of party keys
-- "operator:<user id>" / "department:<id>"); NULL while the deadline has not run out.
-- blame_inherited: the time was used up before its owner received the case (a late decline, a slow
-- re-route); KPIs count such misses apart.
ALTER TABLE deadlines ADD COLUMN blame TEXT;
ALTER TABLE deadlines ADD COLUMN blame_inherited INTEGER NOT NULL DEFAULT 0;
-- inherited_from: the parties whose lateness left this department too little time (JSON array or NULL).
ALTER TABLE case_departments ADD COLUMN inherited_from TEXT;
CREATE INDEX ix_deadlines_blame ON deadlines (case_id, rule) WHERE blame IS NOT NULL;
