-- 0009: how a closed case was closed (docs/kpi.md, docs/workflow.md «Уточнение»).
-- closure: 'answer' (a published answer closed it) | 'clarification_only' (a clarification request the
-- author never answered; the operator closed it «автор не ответил»); NULL while open and for cases
-- closed before this migration. KPIs count 'clarification_only' apart so that it cannot hide misses.
ALTER TABLE cases ADD COLUMN closure TEXT;
UPDATE cases SET closure = 'answer' WHERE status = 'closed';
