-- 0004: reports and surges (indexes for KPI queries, incidents).
-- KPI queries (storage/reports.py, docs/kpi.md) take the cases of a period by detected_at and look up
-- each case's deadlines, publications, drafts and departments. The covering indexes below make every
-- such lookup an index-only search (checked by EXPLAIN QUERY PLAN in bench/reports_bench.py).
CREATE INDEX ix_cases_report ON cases (detected_at, platform, status, significant);
CREATE INDEX ix_deadlines_case_rule ON deadlines (case_id, rule, outcome, closed_at, due_at);
CREATE INDEX ix_publications_case_kind ON publications (case_id, kind, published_at);
CREATE INDEX ix_drafts_case_decision ON drafts (case_id, kind, decision);

-- Surges of public activity (cl. 21): several posts on one topic in a short window. A surge is
-- reported to the head once; later posts of the same surge join it silently.
CREATE TABLE surges (
    id            INTEGER PRIMARY KEY,
    reason        TEXT NOT NULL,                  -- link | address | topic
    topic         TEXT NOT NULL DEFAULT '',       -- the shared link, address or keywords
    department_id INTEGER REFERENCES departments (id),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE surge_cases (
    surge_id INTEGER NOT NULL REFERENCES surges (id),
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (surge_id, case_id)
);
CREATE INDEX ix_surge_cases_case ON surge_cases (case_id);

-- An incident: posts of one surge merged by the operator; one answer is approved once (on the lead
-- case) and published, with a screenshot, under every post of the incident.
CREATE TABLE incidents (
    id           INTEGER PRIMARY KEY,
    lead_case_id INTEGER NOT NULL REFERENCES cases (id),
    surge_id     INTEGER REFERENCES surges (id),
    title        TEXT NOT NULL DEFAULT '',
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    draft_id     INTEGER REFERENCES drafts (id),  -- the lead's approved answer, once propagated
    approved_at  TEXT
);

CREATE TABLE incident_cases (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    case_id     INTEGER NOT NULL UNIQUE REFERENCES cases (id),  -- a post belongs to one incident
    added_at    TEXT NOT NULL,
    PRIMARY KEY (incident_id, case_id)
);
