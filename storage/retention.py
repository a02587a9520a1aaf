"""Anonymisation of finished cases after the retention period (bot/services/retention.py, docs/security.md).

Everything here runs inside the caller's one write transaction. The cases being anonymised are put in
``retention_scope`` first: the audit trail's trigger (migration 0012) lets an event's payload change only
while its case is there, and only in its personal keys; the scope is emptied before the transaction ends.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.domain.retention import REDACTED_FILE_ID, Anonymised, redact
from storage.codec import dt, dumps, ts
from storage.db import Conn, fetch_all, fetch_one

#: The kind of the audit event each anonymisation appends (a system event without a case).
RUN_EVENT = "retention_run"
_FINISHED = ("closed", "excluded", "dismissed", "transferred")
_SCOPE = "(SELECT case_id FROM retention_scope)"


class RetentionRepository:
    async def due_cases(self, conn: Conn, cutoff: datetime, limit: int) -> list[int]:
        """Finished cases closed before ``cutoff`` and not anonymised yet, oldest first."""
        rows = await fetch_all(
            conn, "SELECT id FROM cases WHERE anonymised_at IS NULL AND closed_at IS NOT NULL AND closed_at < ? "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
            f"AND status IN ({','.join('?' * len(_FINISHED))}) ORDER BY closed_at, id LIMIT ?",
            (ts(cutoff), *_FINISHED, limit))
        return [int(r[0]) for r in rows]

    async def anonymise(self, conn: Conn, case_ids: Sequence[int], marker: str,
                        now: datetime) -> Anonymised:
        """Replace the personal data of these finished cases by ``marker`` (texts) or nothing (authors, links,
        file ids); numbers, dates, departments, deadlines, blame and outcomes stay."""
        if not case_ids:
            return Anonymised()
        await conn.executemany("INSERT INTO retention_scope (case_id) VALUES (?)", [(i,) for i in case_ids])
        try:
            cases = await self._count(conn, (
                f"UPDATE cases SET text = ?, author = NULL, link = NULL, link_norm = NULL, media = '[]', "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                f"anonymised_at = ?, version = version + 1 WHERE id IN {_SCOPE}"), (marker, ts(now)))
            await conn.execute(f"UPDATE case_departments SET declined_reason = ? WHERE case_id IN {_SCOPE} "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                               "AND declined_reason IS NOT NULL", (marker,))
            drafts = await self._count(conn, (
                f"UPDATE drafts SET text = ?, media = '[]', comment = CASE WHEN comment IS NULL THEN NULL ELSE ? END "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                f"WHERE case_id IN {_SCOPE}"), (marker, marker))
            publications = await self._count(conn, (
                "UPDATE publications SET screenshot_file_id = ?, screenshot_unique_id = '', link = NULL "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                f"WHERE case_id IN {_SCOPE}"), (REDACTED_FILE_ID,))
            events = await self._redact_rows(conn, "events", f"case_id IN {_SCOPE}", (), marker)
            outbox = await self._redact_rows(conn, "outbox", f"case_id IN {_SCOPE}", (), marker)
            messages = await self._count(conn, f"DELETE FROM case_messages WHERE case_id IN {_SCOPE}", ())  # noqa: S608  composes only module constants and ? placeholders; every value is bound
            messages += await self._count(conn, f"DELETE FROM albums WHERE case_id IN {_SCOPE}", ())  # noqa: S608  composes only module constants and ? placeholders; every value is bound
            # a dialogue left half-way about one of these cases (a draft's text, a reason being typed)
            messages += await self._count(conn, (
                "DELETE FROM fsm_state WHERE json_valid(data) AND json_type(data, '$.case_id') IN ('integer', 'text') "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                f"AND CAST(json_extract(data, '$.case_id') AS INTEGER) IN {_SCOPE}"), ())
            surges = await self._count(conn, (
                f"UPDATE surges SET topic = ? WHERE topic <> ? AND id IN (SELECT surge_id FROM surge_cases "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                f"WHERE case_id IN {_SCOPE}) AND NOT EXISTS (SELECT 1 FROM surge_cases sc JOIN cases c "
                "ON c.id = sc.case_id WHERE sc.surge_id = surges.id AND c.anonymised_at IS NULL)"), (marker, marker))
            surges += await self._count(conn, (
                f"UPDATE incidents SET title = ? WHERE title <> '' AND title <> ? AND id IN (SELECT incident_id "  # noqa: S608  composes only module constants and ? placeholders; every value is bound
                f"FROM incident_cases WHERE case_id IN {_SCOPE}) AND NOT EXISTS (SELECT 1 FROM incident_cases ic "
                "JOIN cases c ON c.id = ic.case_id WHERE ic.incident_id = incidents.id AND c.anonymised_at IS NULL)"),
                (marker, marker))
        finally:
            await conn.execute("DELETE FROM retention_scope")
        return Anonymised(cases=cases, drafts=drafts, publications=publications, events=events, outbox=outbox,
                          messages=messages, surges=surges)

    async def redact_old_outbox(self, conn: Conn, cutoff: datetime, marker: str) -> int:
        """Notices of no single case (digests, surge alerts, admins' alerts), delivered or given up before
        ``cutoff``: their texts are anonymised too."""
        return await self._redact_rows(
            conn, "outbox", "case_id IS NULL AND created_at < ? AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)",
            (ts(cutoff),), marker)

    async def last_run(self, conn: Conn) -> datetime | None:
        row = await fetch_one(conn, "SELECT MAX(at) FROM events WHERE case_id IS NULL AND kind = ?", (RUN_EVENT,))
        return dt(row[0]) if row and row[0] else None

    async def _redact_rows(self, conn: Conn, table: str, where: str, params: tuple[str | None, ...],
                           marker: str) -> int:
        rows = await fetch_all(conn, f"SELECT id, payload FROM {table} WHERE {where}", params)  # noqa: S608
        changed: list[tuple[str, int]] = []
        for row in rows:
            payload = json.loads(row["payload"])
            if not isinstance(payload, dict):
                continue
            redacted = redact(payload, marker)
            if redacted != payload:
                changed.append((dumps(redacted), int(row["id"])))
        await conn.executemany(f"UPDATE {table} SET payload = ? WHERE id = ?", changed)  # noqa: S608
        return len(changed)

    @staticmethod
    async def _count(conn: Conn, sql: str, params: tuple[str | None, ...]) -> int:
        cur = await conn.execute(sql, params)
        return max(cur.rowcount, 0)
