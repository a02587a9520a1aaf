-- 0008: the terms people decide for one case (docs/workflow.md, «Решения о сроках»).
-- calendar_since / calendar_until: cl. 8 per case — the head decided the case is worked on outside working
-- hours: from calendar_since its clocks run on calendar time until calendar_until (NULL: until it closes);
-- calendar_since NULL: working time as usual.
ALTER TABLE cases ADD COLUMN calendar_since TEXT;
ALTER TABLE cases ADD COLUMN calendar_until TEXT;
-- answer_minutes: cl. 9 — the operator's own answer term in working minutes (NULL: the normal or «Срочно» one).
ALTER TABLE cases ADD COLUMN answer_minutes INTEGER;
-- The few cases worked on calendar time: the reminder scheduler looks them up on every commit.
CREATE INDEX ix_cases_calendar ON cases (calendar_since) WHERE calendar_since IS NOT NULL;
