"""`python -m bot` over HTTP: the operator sits on an on-time draft and the head's escalation names the
operator's step, not the department (issue «Кто отвечает за срок»).

Time never passes by sleeping: after the draft is sent the bot is stopped, every stored moment is moved
back by ten minutes (what ten minutes of waiting would have left in the database), and the bot starts
again: its catch-up run finds the approval (cl. 14) and answer (cl. 6) clocks run out.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.fake_telegram import FakeBotAPI
from storage.codec import dt_req, ts
from storage.connect import open_database
from storage.db import fetch_all
from tests.e2e.test_process import (  # noqa: F401  (server: a fixture)
    DEPT_CHAT,
    OPERATOR,
    TOKEN,
    play_until_draft_for_approval,
    sent_to,
    server,
    start_bot,
    stop_bot,
)
from tests.support.backend import db_target

HEAD_CHAT = -900
TERMS = dict(DEADLINE_ANSWER_MINUTES="4", DEADLINE_DRAFT_MINUTES="2", DEADLINE_APPROVAL_MINUTES="1",
             DEADLINE_URGENT_ANSWER_MINUTES="3", HEAD_CHAT_ID=str(HEAD_CHAT))
MOMENTS = {"cases": ("detected_at", "created_at", "updated_at"),
           "case_departments": ("routed_at", "accepted_at"),
           "deadlines": ("started_at", "due_at", "closed_at", "remind_at", "expire_at", "plan_due_at"),
           "drafts": ("submitted_at", "decided_at"),
           "outbox": ("created_at", "next_attempt_at", "sent_at")}


async def move_back(path: Path, delta: timedelta) -> None:
    """Every stored moment of the cases ``delta`` earlier, as if that much time had passed (on either backend:
    each distinct value in ascending order, so a moved value never meets a later ``WHERE``)."""
    db = await open_database(await db_target(path))
    try:
        async with db.transaction() as conn:
            for table, columns in MOMENTS.items():
                for column in columns:
                    rows = await fetch_all(conn, f"SELECT DISTINCT {column} FROM {table} "
                                                 f"WHERE {column} IS NOT NULL ORDER BY {column}")
                    for (value,) in rows:
                        await conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                                           (ts(dt_req(value) - delta), value))
    finally:
        await db.close()


async def test_cl14_process_operator_sits_on_an_on_time_draft(server: FakeBotAPI, tmp_path: Path) -> None:  # noqa: F811
    proc = await start_bot(server, tmp_path, **TERMS)
    try:
        await play_until_draft_for_approval(server)
        await server.wait_for_call("editMessageText", sent_to(DEPT_CHAT, "согласовании"), timeout=20)
    finally:
        await stop_bot(proc)

    dept_calls_before = len([c for c in server.calls if str(c.chat_id) == str(DEPT_CHAT)])
    await move_back(tmp_path / "bot.sqlite3", timedelta(minutes=10))      # the operator never approved
    proc = await start_bot(server, tmp_path, **TERMS)
    try:
        escalation = await server.wait_for_call("sendMessage", sent_to(HEAD_CHAT, "Просрочка"), timeout=60)
        await server.wait_for_call("sendMessage", sent_to(OPERATOR, "«ответ»"), timeout=20)
    finally:
        err = await stop_bot(proc)
    text = escalation.text or ""
    assert "Срок «ответ» истёк" in text
    assert "Отвечает: оператор" in text and "Отвечает: Отдел ЖКХ" not in text
    assert "Отдел ЖКХ: проект сдан" in text and "(в срок, п. 13)" in text
    assert "ждёт согласования: оператор" in text and "срок п. 14 истёк" in text
    dept_calls = [c for c in server.calls if str(c.chat_id) == str(DEPT_CHAT)][dept_calls_before:]
    assert not [c for c in dept_calls if "Напоминание" in (c.text or "") or "Срок истёк" in (c.text or "")]
    assert TOKEN not in err
