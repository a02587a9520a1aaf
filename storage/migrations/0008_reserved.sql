-- 0008: reserved for the migration of a parallel branch (issue 11). This placeholder keeps the numbering
-- whole on the branch `incidents` (0009_clarification.sql); drop it when the branch that owns 0008 is merged.
SELECT 1;
