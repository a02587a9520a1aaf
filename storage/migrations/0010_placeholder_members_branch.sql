-- 0010: PLACEHOLDER of the `members` branch only, so that its 0011 applies (the loader refuses a gap).
-- Number 0010 belongs to another branch: delete this file when merging that branch's 0010.
SELECT 1;
