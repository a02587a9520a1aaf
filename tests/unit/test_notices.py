"""Notices as data: every kind has a payload type and a renderer; the stored JSON decodes to the payload;
the sender knows transport only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.notices import (
    PAYLOADS,
    ClockDue,
    DraftForApproval,
    FromCase,
    InfoReceived,
    Notice,
    NoticeKind,
    Payload,
    Words,
    decode,
    encode,
)
from handlers.notices import ABOUT_A_CASE, OTHERS
from tests.unit.test_architecture import imports, sources

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_has_a_payload_and_one_renderer() -> None:
    assert set(PAYLOADS) == set(NoticeKind)
    assert set(ABOUT_A_CASE) | set(OTHERS) == set(NoticeKind) and not set(ABOUT_A_CASE) & set(OTHERS)


@pytest.mark.parametrize("notice", [
    Notice(NoticeKind.REMINDER, "owner", None, 7, ClockDue(3, "route", "2026-12-01T07:20:00+00:00", True)),
    Notice(NoticeKind.INFO_RECEIVED, "operator", 100, 7, InfoReceived(5, ("Отдел ЖКХ",))),
    Notice(NoticeKind.CARD_REFRESH, "case", None, 7, FromCase()),
    Notice(NoticeKind.CHAT_TEXT, "chat", -900, None, Words("Сводка"), dedup_key="digest"),
])
def test_stored_json_decodes_to_the_payload(notice: Notice[Payload]) -> None:
    stored = json.loads(json.dumps(encode(notice.payload)))
    row = Notice(notice.kind, notice.target_kind, notice.target_id, notice.case_id, stored, notice.dedup_key)
    assert decode(row) == notice


def test_rows_stored_before_the_types_still_decode() -> None:
    row = Notice(NoticeKind.TERM_CHANGED, "department", 3, 7, {"minutes": 60})
    assert decode(row).payload == FromCase()
    row = Notice(NoticeKind.DRAFT_FOR_APPROVAL, "operator", 100, 7, {"draft_id": 2})
    assert decode(row).payload == DraftForApproval(2, approve_by=None)


def test_a_payload_of_another_kind_is_refused() -> None:
    with pytest.raises(TypeError):
        Notice(NoticeKind.REMINDER, "owner", None, 7, Words("x"))


@pytest.mark.parametrize("path", sources("bot/delivery"), ids=lambda p: str(p.relative_to(ROOT)))
def test_delivery_knows_transport_only(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert not imports(path) & {"handlers"}
    assert "bot.services" not in source and "from bot import texts" not in source
