"""The case aggregate: load and save with everything that belongs to it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from bot.domain.errors import NotFound, StaleState
from bot.domain.model import (
    TERMINAL,
    Assignment,
    Case,
    Deadline,
    DeptState,
    Draft,
    DraftKind,
    Outcome,
    Owner,
    Publication,
    Status,
)
from bot.domain.orgs import Scope, format_number
from storage.codec import dt, dt_req, media_json, media_list, ts
from storage.db import Conn, Row, fetch_all, fetch_one
from storage.scoping import org_clause


def _json_rows(table: str, columns: str, where: str) -> str:
    pairs = ", ".join(f"'{c.split('.')[-1].split(' AS ')[-1]}', {c.split(' AS ')[0]}" for c in columns.split(", "))
    return f"(SELECT json_group_array(json_object({pairs})) FROM {table} WHERE {where})"  # noqa: S608  table, columns and where are this module's constants; values are bound


def case_columns(alias: str = "cases") -> str:
    """The case row and, as JSON arrays, its children: a case loads in one query (no N+1)."""
    a = alias
    return (
        f"{a}.id, {a}.org_id, {a}.number, {a}.status, {a}.platform, {a}.link, {a}.link_norm, {a}.author, {a}.text, "  # noqa: S608  the alias is a constant of this module; no value is formatted in
        f"{a}.media, {a}.detected_at, {a}.operator_id, {a}.urgent, {a}.significant, {a}.multi, "
        f"{a}.operator_chat_id, {a}.operator_card_id, {a}.created_at, {a}.version, "
        f"{a}.calendar_since, {a}.calendar_until, {a}.answer_minutes, {a}.closure, "
        + _json_rows("case_departments cd JOIN departments d ON d.id = cd.department_id",
                     "cd.department_id, cd.state, cd.routed_at, cd.accepted_at, cd.accepted_by, cd.declined_at, "
                     "cd.declined_reason, cd.card_message_id, cd.inherited_from, d.name AS department_name", f"cd.case_id = {a}.id")
        + " AS j_assignments, "
        + _json_rows("deadlines dl", "dl.id, dl.rule, dl.owner, dl.department_id, dl.started_at, dl.due_at, "
                     "dl.closed_at, dl.outcome, dl.reminded_at, dl.expired_notified_at, dl.blame, dl.blame_inherited", f"dl.case_id = {a}.id")
        + " AS j_deadlines, "
        + _json_rows("drafts dr", "dr.id, dr.kind, dr.text, dr.media, dr.author_id, dr.author_name, dr.version, "
                     "dr.submitted_at, dr.department_id, dr.decision, dr.decided_by, dr.decided_at, dr.comment",
                     f"dr.case_id = {a}.id")
        + " AS j_drafts, "
        + _json_rows("publications p", "p.id, p.draft_id, p.kind, p.screenshot_file_id, p.screenshot_unique_id, "
                     "p.link, p.published_by, p.published_at", f"p.case_id = {a}.id")
        + " AS j_publications, "  # noqa: S608  constant fragments of this module; no value is formatted in
        # the number of the incident's lead post, when this post was merged into an incident (cl. 21)
        f"(SELECT lc.number FROM incident_cases ic JOIN incidents i ON i.id = ic.incident_id "
        f"JOIN cases lc ON lc.id = i.lead_case_id WHERE ic.case_id = {a}.id) AS incident_lead"
    )


CASE_COLUMNS = case_columns()
OPEN_STATUSES = tuple(s.value for s in Status if s not in TERMINAL)
_OPEN_SQL = ",".join("?" * len(OPEN_STATUSES))


class CaseRepository:
    """Parameterised SQL for cases; methods take the connection of the caller's transaction. Every read and
    write names the organisation (issue 14): a case of another organisation reads exactly like a missing one."""

    async def next_number(self, conn: Conn, year: int, org_id: int) -> tuple[int, str]:
        """The next number of the organisation's year: its own sequence, its prefix (issue 14)."""
        row = await fetch_one(conn, "SELECT COALESCE(MAX(seq), 0) + 1, (SELECT prefix FROM organisations WHERE id = ?) "
                                    "FROM cases WHERE org_id = ? AND year = ?", (org_id, org_id, year))
        if row is None or row[1] is None:
            raise NotFound("org_not_found", org_id=org_id)
        seq = int(row[0])
        return seq, format_number(str(row[1]), year, seq)

    async def add(self, conn: Conn, case: Case, now: datetime) -> Case:
        year = case.detected_at.year
        seq, number = await self.next_number(conn, year, case.org_id)
        case.number = number
        cur = await conn.execute(
            "INSERT INTO cases (org_id, number, year, seq, status, platform, link, link_norm, author, text, media, "
            "detected_at, operator_id, urgent, significant, multi, operator_chat_id, operator_card_id, "
            "created_at, updated_at, calendar_since, calendar_until, answer_minutes, version) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
            (case.org_id, number, year, seq, case.status.value, case.platform, case.link, case.link_norm, case.author,
             case.text, media_json(case.media), ts(case.detected_at), case.operator_id, int(case.urgent),
             int(case.significant), int(case.multi), case.operator_chat_id, case.operator_card_id,
             ts(now), ts(now), ts(case.calendar_since), ts(case.calendar_until), case.answer_minutes),
        )
        case.id = cur.lastrowid
        case.created_at = now
        case.version = 0
        await self._save_children(conn, case, fresh=True)
        return case

    async def save(self, conn: Conn, case: Case, now: datetime) -> None:
        """Write the case back; refuse if somebody saved it since it was loaded (optimistic lock)."""
        closed_at = ts(now) if case.status in TERMINAL else None
        cur = await conn.execute(
            "UPDATE cases SET status=?, platform=?, link=?, link_norm=?, author=?, text=?, media=?, "
            "detected_at=?, urgent=?, significant=?, multi=?, operator_chat_id=?, operator_card_id=?, "
            "updated_at=?, closed_at=?, calendar_since=?, calendar_until=?, answer_minutes=?, closure=?, version=version+1 "
            "WHERE id=? AND version=? AND org_id=?",
            (case.status.value, case.platform, case.link, case.link_norm, case.author, case.text,
             media_json(case.media), ts(case.detected_at), int(case.urgent), int(case.significant),
             int(case.multi), case.operator_chat_id, case.operator_card_id, ts(now), closed_at,
             ts(case.calendar_since), ts(case.calendar_until), case.answer_minutes, case.closure, case.id, case.version,
             case.org_id),
        )
        if cur.rowcount != 1:
            raise StaleState(case=case.number)
        case.version += 1
        await self._save_children(conn, case)

    async def _save_children(self, conn: Conn, case: Case, *, fresh: bool = False) -> None:
        assert case.id is not None
        if not fresh:               # a case just inserted has no rows to replace
            await conn.execute("DELETE FROM case_departments WHERE case_id = ?", (case.id,))
        if case.assignments:
            await conn.executemany(
                "INSERT INTO case_departments (case_id, department_id, state, routed_at, accepted_at, accepted_by, "
                "declined_at, declined_reason, card_message_id, inherited_from) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(case.id, a.department_id, a.state.value, ts(a.routed_at), ts(a.accepted_at), a.accepted_by,
                  ts(a.declined_at), a.declined_reason, a.card_message_id, _keys(a.inherited_from or None))
                 for a in case.assignments],
            )
        changed: list[tuple[str | None, str | None, str | None, str | None, int, int]] = []
        for d in case.deadlines:
            if d.id is None:
                cur = await conn.execute(
                    "INSERT INTO deadlines (case_id, rule, owner, department_id, started_at, due_at, closed_at, "
                    "outcome, reminded_at, expired_notified_at, blame, blame_inherited) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (case.id, d.rule, d.owner.value, d.department_id, ts(d.started_at), ts(d.due_at),
                     ts(d.closed_at), d.outcome.value if d.outcome else None, ts(d.reminded_at),
                     ts(d.expired_notified_at), _keys(d.blame), int(d.blame_inherited)),
                )
                d.id = cur.lastrowid
            else:
                changed.append((ts(d.due_at), ts(d.closed_at), d.outcome.value if d.outcome else None,
                                _keys(d.blame), int(d.blame_inherited), d.id))
        if changed:
            # One round trip for every existing deadline; a row that did not change is not rewritten.
            await conn.executemany(
                "UPDATE deadlines SET due_at=?1, closed_at=?2, outcome=?3, blame=?4, blame_inherited=?5 WHERE id=?6 "
                "AND (due_at IS NOT ?1 OR closed_at IS NOT ?2 OR outcome IS NOT ?3 OR blame IS NOT ?4 "
                "OR blame_inherited IS NOT ?5)", changed)
        decided: list[tuple[str | None, int | None, str | None, str | None, int]] = []
        for draft in case.drafts:
            if draft.id is None:
                cur = await conn.execute(
                    "INSERT INTO drafts (case_id, department_id, kind, text, media, author_id, author_name, "
                    "version, submitted_at, decision, decided_by, decided_at, comment) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (case.id, draft.department_id, draft.kind.value, draft.text, media_json(draft.media),
                     draft.author_id, draft.author_name, draft.version, ts(draft.submitted_at),
                     draft.decision, draft.decided_by, ts(draft.decided_at), draft.comment),
                )
                draft.id = cur.lastrowid
            else:
                decided.append((draft.decision, draft.decided_by, ts(draft.decided_at), draft.comment, draft.id))
        if decided:
            await conn.executemany(
                "UPDATE drafts SET decision=?1, decided_by=?2, decided_at=?3, comment=?4 WHERE id=?5 "
                "AND (decision IS NOT ?1 OR decided_by IS NOT ?2 OR decided_at IS NOT ?3 OR comment IS NOT ?4)",
                decided)
        for pub in case.publications:
            if pub.id is None:
                if pub.draft_id is None and case.approved_draft is not None:
                    pub.draft_id = case.approved_draft.id
                cur = await conn.execute(
                    "INSERT INTO publications (case_id, draft_id, kind, screenshot_file_id, screenshot_unique_id, "
                    "link, published_by, published_at) VALUES (?,?,?,?,?,?,?,?)",
                    (case.id, pub.draft_id, pub.kind.value, pub.screenshot_file_id, pub.screenshot_unique_id,
                     pub.link, pub.published_by, ts(pub.published_at)),
                )
                pub.id = cur.lastrowid

    async def set_card(self, conn: Conn, case_id: int, chat_id: int, message_id: int, *,
                       scope: Scope) -> None:
        """Remember the operator's card (not a state change: the version is not bumped)."""
        org_sql, org_params = org_clause(scope)
        await conn.execute(f"UPDATE cases SET operator_chat_id=?, operator_card_id=? WHERE id=? AND {org_sql}",  # noqa: S608  org_clause renders a checked column name; values are bound
                           (chat_id, message_id, case_id, *org_params))

    async def set_department_card(self, conn: Conn, case_id: int, department_id: int,
                                  message_id: int) -> None:
        await conn.execute("UPDATE case_departments SET card_message_id=? WHERE case_id=? AND department_id=?",
                           (message_id, case_id, department_id))

    async def remember_message(self, conn: Conn, case_id: int, chat_id: int, message_id: int,
                               purpose: str) -> None:
        await conn.execute(
            "INSERT INTO case_messages (chat_id, message_id, case_id, purpose) VALUES (?,?,?,?) "
            "ON CONFLICT(chat_id, message_id) DO UPDATE SET case_id = excluded.case_id, purpose = excluded.purpose",
            (chat_id, message_id, case_id, purpose),
        )

    async def case_for_message(self, conn: Conn, chat_id: int, message_id: int, *,
                               scope: Scope) -> int | None:
        org_sql, org_params = org_clause(scope, "c.org_id")
        row = await fetch_one(conn, "SELECT m.case_id FROM case_messages m JOIN cases c ON c.id = m.case_id "  # noqa: S608  org_clause renders a checked column name; values are bound
                                    f"WHERE m.chat_id = ? AND m.message_id = ? AND {org_sql}",
                                (chat_id, message_id, *org_params))
        return int(row[0]) if row else None

    async def album_case(self, conn: Conn, album_key: str, *, scope: Scope) -> int | None:
        org_sql, org_params = org_clause(scope, "c.org_id")
        row = await fetch_one(conn, "SELECT a.case_id FROM albums a JOIN cases c ON c.id = a.case_id "  # noqa: S608  org_clause renders a checked column name; values are bound
                                    f"WHERE a.album_key = ? AND {org_sql}", (album_key, *org_params))
        return int(row[0]) if row else None

    async def set_album(self, conn: Conn, album_key: str, case_id: int) -> None:
        await conn.execute("INSERT OR IGNORE INTO albums (album_key, case_id) VALUES (?, ?)", (album_key, case_id))

    # ---- reading --------------------------------------------------------------------------------
    async def get(self, conn: Conn, case_id: int, *, scope: Scope) -> Case:
        """The case within the scope; another organisation's case raises NotFound like a missing one."""
        return await self._one(conn, "id", case_id, scope, case_id=case_id)

    async def get_by_number(self, conn: Conn, number: str, *, scope: Scope) -> Case:
        return await self._one(conn, "number", number, scope, number=number)

    async def _one(self, conn: Conn, column: Literal["id", "number"], value: object, scope: Scope,
                   **key: object) -> Case:
        org_sql, org_params = org_clause(scope, "cases.org_id")
        row = await fetch_one(conn, f"SELECT {CASE_COLUMNS} FROM cases WHERE {column} = ? AND {org_sql}",  # noqa: S608  column is a Literal (id, number), org_clause a checked column; values are bound
                              (value, *org_params))
        if row is None:
            raise NotFound("case_not_found", **key)
        return await self._load(conn, row)

    async def number_of(self, conn: Conn, case_id: int, *, scope: Scope) -> str | None:
        """The case's number alone (for log lines), None when there is no such case in the scope."""
        org_sql, org_params = org_clause(scope)
        async with conn.execute(f"SELECT number FROM cases WHERE id = ? AND {org_sql}",  # noqa: S608  org_clause renders a checked column name; values are bound
                                (case_id, *org_params)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def save_blame(self, conn: Conn, deadlines: Iterable[Deadline]) -> None:
        """Fix who missed these deadlines (set at expiry, bot.domain.accountability.attribute)."""
        await conn.executemany("UPDATE deadlines SET blame = ?, blame_inherited = ? WHERE id = ? AND blame IS NULL",
                               [(_keys(d.blame), int(d.blame_inherited), d.id) for d in deadlines])

    async def lead_of(self, conn: Conn, case: Case) -> Case | None:
        """The incident's lead post when ``case`` is another post of an incident (cl. 21), else None."""
        if case.incident_lead is None or case.incident_lead == case.number:
            return None
        # an incident is one organisation's (cl. 21): its lead is in the member's organisation
        return await self.get_by_number(conn, case.incident_lead, scope=Scope.one(case.org_id))

    async def find_open_by_link(self, conn: Conn, link_norm: str, *, scope: Scope) -> Case | None:
        """The open case of the same post within the scope: a post open in another organisation is not
        revealed (issue 14 §2; the transfer joins such posts)."""
        org_sql, org_params = org_clause(scope, "cases.org_id")
        row = await fetch_one(
            conn, f"SELECT {CASE_COLUMNS} FROM cases WHERE link_norm = ? AND status IN ({_OPEN_SQL}) "  # noqa: S608  constant columns, status placeholders and a checked column; values are bound
            f"AND {org_sql} ORDER BY id LIMIT 1", (link_norm, *OPEN_STATUSES, *org_params),
        )
        return await self._load(conn, row) if row else None

    async def list_open(self, conn: Conn, department_id: int | None = None,
                        limit: int = 200, *, scope: Scope) -> list[Case]:
        org_sql, org_params = org_clause(scope, "c.org_id")
        sql = f"SELECT {case_columns('c')} FROM cases c WHERE status IN ({_OPEN_SQL}) AND {org_sql} "  # noqa: S608  constant columns, status placeholders and a checked column; values are bound
        params: tuple[object, ...] = (*OPEN_STATUSES, *org_params)
        if department_id is not None:
            sql += ("AND EXISTS (SELECT 1 FROM case_departments cd WHERE cd.case_id = c.id AND cd.department_id = ? "
                    "AND cd.state != 'declined') ")
            params = (*params, department_id)
        rows = await fetch_all(conn, sql + "ORDER BY id LIMIT ?", (*params, limit))
        return [await self._load(conn, r) for r in rows]

    async def ids_with_open_deadlines(self, conn: Conn, *, scope: Scope) -> list[int]:
        org_sql, org_params = org_clause(scope, "c.org_id")
        return [int(r[0]) for r in await fetch_all(
            conn, "SELECT DISTINCT dl.case_id FROM deadlines dl JOIN cases c ON c.id = dl.case_id "  # noqa: S608  org_clause renders a checked column name; values are bound
                  f"WHERE dl.closed_at IS NULL AND {org_sql}", org_params)]

    async def _load(self, conn: Conn, row: Row) -> Case:
        """The case and its children from one row of ``CASE_COLUMNS`` (children as JSON arrays)."""
        case = Case(
            id=row["id"], number=row["number"], status=Status(row["status"]), platform=row["platform"],
            link=row["link"], link_norm=row["link_norm"], author=row["author"], text=row["text"],
            media=media_list(row["media"]), detected_at=dt_req(row["detected_at"]),
            operator_id=row["operator_id"], urgent=bool(row["urgent"]), significant=bool(row["significant"]),
            multi=bool(row["multi"]), operator_chat_id=row["operator_chat_id"],
            operator_card_id=row["operator_card_id"], created_at=dt(row["created_at"]), version=row["version"],
            incident_lead=row["incident_lead"], calendar_since=dt(row["calendar_since"]),
            calendar_until=dt(row["calendar_until"]), answer_minutes=row["answer_minutes"], closure=row["closure"],
            org_id=row["org_id"],
        )
        assignments = sorted(json.loads(row["j_assignments"]), key=lambda r: (r["routed_at"], r["department_id"]))
        case.assignments = [
            Assignment(department_id=r["department_id"], state=DeptState(r["state"]),
                       routed_at=dt_req(r["routed_at"]), accepted_at=dt(r["accepted_at"]),
                       accepted_by=r["accepted_by"], declined_at=dt(r["declined_at"]),
                       declined_reason=r["declined_reason"], card_message_id=r["card_message_id"],
                       department_name=r["department_name"],
                       inherited_from=tuple(json.loads(r["inherited_from"])) if r["inherited_from"] else ())
            for r in assignments
        ]
        case.deadlines = [_deadline(r) for r in sorted(json.loads(row["j_deadlines"]), key=_by_id)]
        case.drafts = [
            Draft(id=r["id"], kind=DraftKind(r["kind"]), text=r["text"], media=media_list(r["media"]),
                  author_id=r["author_id"], author_name=r["author_name"], version=r["version"],
                  submitted_at=dt_req(r["submitted_at"]), department_id=r["department_id"],
                  decision=r["decision"], decided_by=r["decided_by"], decided_at=dt(r["decided_at"]),
                  comment=r["comment"])
            for r in sorted(json.loads(row["j_drafts"]), key=_by_id)
        ]
        case.publications = [
            Publication(id=r["id"], draft_id=r["draft_id"], kind=DraftKind(r["kind"]),
                        screenshot_file_id=r["screenshot_file_id"],
                        screenshot_unique_id=r["screenshot_unique_id"], link=r["link"],
                        published_by=r["published_by"], published_at=dt_req(r["published_at"]))
            for r in sorted(json.loads(row["j_publications"]), key=_by_id)
        ]
        return case


def _by_id(r: dict[str, Any]) -> int:
    return int(r["id"])


def _deadline(r: Mapping[str, Any]) -> Deadline:
    return Deadline(
        id=r["id"], rule=r["rule"], owner=Owner(r["owner"]), department_id=r["department_id"],
        started_at=dt_req(r["started_at"]), due_at=dt_req(r["due_at"]), closed_at=dt(r["closed_at"]),
        outcome=Outcome(r["outcome"]) if r["outcome"] else None, reminded_at=dt(r["reminded_at"]),
        expired_notified_at=dt(r["expired_notified_at"]),
        blame=tuple(json.loads(r["blame"])) if r["blame"] is not None else None,
        blame_inherited=bool(r["blame_inherited"]),
    )


def _keys(keys: tuple[str, ...] | None) -> str | None:
    """Party keys as stored: a JSON array, or NULL for none."""
    return None if keys is None else json.dumps(list(keys))


def open_status_values() -> Iterable[str]:
    return OPEN_STATUSES
