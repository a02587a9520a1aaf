"""The encrypted form of a backup (storage/backup_crypto.py): scrypt + AES-256-GCM in chunks. What goes in
comes out only with the passphrase; a changed, reordered, cut or crafted file never opens."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.backup_crypto import (
    HEADER,
    MAGIC,
    RECORD,
    DecryptionFailed,
    decrypt_file,
    decrypt_stream,
    encrypt_file,
    encrypt_stream,
    is_encrypted,
)

PASS = "correct horse battery staple"
FAST = {"log2_n": 10}                       # a cheap KDF for the many cases below; /backup uses the default


def seal(data: bytes, chunk: int = 1000, passphrase: str = PASS) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, passphrase, chunk=chunk, **FAST)
    return out.getvalue()


def unseal(sealed: bytes, passphrase: str = PASS) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(sealed), out, passphrase)
    return out.getvalue()


def records(sealed: bytes) -> tuple[bytes, list[bytes]]:
    """The head and the records of a sealed file, each record whole (flag, length, ciphertext)."""
    at = len(MAGIC) + HEADER.size
    head, found = sealed[:at], []
    while at < len(sealed):
        _, size = RECORD.unpack_from(sealed, at)
        found.append(sealed[at:at + RECORD.size + size])
        at += RECORD.size + size
    return head, found


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=5000), st.integers(min_value=1, max_value=1500))
def test_what_is_sealed_opens_with_the_passphrase_unchanged(data: bytes, chunk: int) -> None:
    sealed = seal(data, chunk)
    assert sealed.startswith(MAGIC) and unseal(sealed) == data
    assert len(records(sealed)[1]) == max(1, -(-len(data) // chunk))


def test_the_plaintext_does_not_show_and_two_seals_differ() -> None:
    data = b"SQLite format 3\x00" + "Яма на улице Ленина".encode() * 100
    first, second = seal(data), seal(data)
    assert b"SQLite format 3" not in first and "Ленина".encode() not in first
    assert first != second                                 # a fresh salt and nonces each time


def test_a_wrong_passphrase_is_told_as_such() -> None:
    with pytest.raises(DecryptionFailed) as info:
        unseal(seal(b"x" * 3000), "wrong horse battery staple")
    assert info.value.code == "wrong_passphrase"


@pytest.mark.parametrize("change", ["flip_later_record", "drop_last_record", "swap_records", "repeat_record",
                                    "flip_header", "append_garbage", "mark_first_final"])
def test_a_changed_or_cut_file_never_opens(change: str) -> None:
    sealed = seal(bytes(range(256)) * 20, chunk=1000)            # 6 records
    head, recs = records(sealed)
    if change == "flip_later_record":
        bad = bytearray(sealed)
        bad[len(head) + len(recs[0]) + RECORD.size + 3] ^= 1
        changed = bytes(bad)
    elif change == "drop_last_record":
        changed = head + b"".join(recs[:-1])
    elif change == "swap_records":
        changed = head + recs[1] + recs[0] + b"".join(recs[2:])
    elif change == "repeat_record":
        changed = head + recs[0] + b"".join(recs)
    elif change == "flip_header":
        bad = bytearray(sealed)
        bad[len(MAGIC) + 5] ^= 1                                 # inside the salt
        changed = bytes(bad)
    elif change == "append_garbage":
        changed = sealed + b"\x00"
    else:
        changed = head + bytes([1]) + recs[0][1:] + b"".join(recs[1:])
    with pytest.raises(DecryptionFailed) as info:
        unseal(changed)
    assert info.value.code in {"wrong_passphrase", "tampered", "damaged"}


def test_a_plain_file_and_a_header_asking_for_a_huge_kdf_are_refused_without_work() -> None:
    with pytest.raises(DecryptionFailed) as info:
        unseal(b"SQLite format 3\x00" + b"\x00" * 100)
    assert info.value.code == "not_encrypted"
    crafted = MAGIC + HEADER.pack(40, 8, 1, b"s" * 16, 1000, b"n" * 8) + RECORD.pack(1, 16) + b"t" * 16
    with pytest.raises(DecryptionFailed) as info:
        unseal(crafted)
    assert info.value.code == "damaged"
    assert struct.calcsize(">BBB16sI8s") == HEADER.size


def test_files_round_trip_and_a_failed_decryption_leaves_no_file(tmp_path: Path) -> None:
    source, sealed, opened = tmp_path / "db.sqlite3", tmp_path / "db.sqlite3.enc", tmp_path / "out.sqlite3"
    source.write_bytes(b"data" * 1000)
    encrypt_file(source, sealed, PASS, **FAST)
    assert is_encrypted(sealed) and not is_encrypted(source)
    with pytest.raises(DecryptionFailed):
        decrypt_file(sealed, opened, "not the passphrase")
    assert not opened.exists()
    decrypt_file(sealed, opened, PASS)
    assert opened.read_bytes() == source.read_bytes()
    with pytest.raises(FileExistsError):                        # never overwrites
        decrypt_file(sealed, opened, PASS)
    assert opened.read_bytes() == source.read_bytes()
