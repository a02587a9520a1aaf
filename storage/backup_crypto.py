"""The encrypted form of a backup that leaves the server (``/backup``): a passphrase, scrypt, AES-256-GCM in
chunks. ``python -m bot.restore decrypt`` (and ``restore`` given such a file) turns it back into the database.

The file::

    magic  b"SMIBAK1\\n"                       8 bytes
    header log2(N), r, p of scrypt             3 bytes
           salt                               16 bytes
           chunk size (plaintext bytes)        4 bytes, big-endian
           nonce prefix                        8 bytes
    then records, each:
           final flag                          1 byte (1 for the last record, else 0)
           ciphertext length                   4 bytes, big-endian
           ciphertext with its 16-byte tag

The key is scrypt(passphrase, salt, N, r, p) → 32 bytes. Record *i* is sealed with the nonce
``prefix ‖ i`` (4 bytes) and the associated data ``magic ‖ header ‖ i ‖ final``: a record moved, dropped,
repeated or cut off, a changed header or a missing last record all fail to open — nothing half-decrypted
is ever taken for a database. Large files stream in 1 MiB chunks (memory stays flat).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"SMIBAK1\n"
HEADER = struct.Struct(">BBB16sI8s")
RECORD = struct.Struct(">BI")
TAG = 16
CHUNK = 1024 * 1024
#: scrypt's cost: N = 2**17, r = 8, p = 1 (128 MiB, the interactive-login strength OWASP names).
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 17, 8, 1
#: A file may not ask for more than this (a crafted header must not exhaust the memory).
MAX_LOG2_N, MAX_R, MAX_P, MAX_CHUNK = 20, 16, 4, 16 * 1024 * 1024
ENCRYPTED_SUFFIX = ".enc"


class DecryptionFailed(Exception):
    """``code``: not_encrypted (no magic), damaged (a malformed header or record), wrong_passphrase (the
    first record does not open: the passphrase, or the file was changed), tampered (a later record does
    not open, or the last one is missing)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def is_encrypted(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2 ** log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _aad(head: bytes, index: int, final: bool) -> bytes:
    return head + struct.pack(">IB", index, int(final))


def encrypt_stream(src: BinaryIO, dst: BinaryIO, passphrase: str, *, chunk: int = CHUNK,
                   log2_n: int = SCRYPT_LOG2_N) -> None:
    """Write the encrypted form of everything ``src`` holds to ``dst``."""
    if not passphrase:
        raise ValueError("an empty passphrase")
    salt, prefix = os.urandom(16), os.urandom(8)
    head = MAGIC + HEADER.pack(log2_n, SCRYPT_R, SCRYPT_P, salt, chunk, prefix)
    aead = AESGCM(_key(passphrase, salt, log2_n, SCRYPT_R, SCRYPT_P))
    dst.write(head)
    index, block = 0, src.read(chunk)
    while True:
        following = src.read(chunk) if block else b""
        final = not following
        sealed = aead.encrypt(prefix + struct.pack(">I", index), block, _aad(head, index, final))
        dst.write(RECORD.pack(int(final), len(sealed)) + sealed)
        if final:
            return
        index, block = index + 1, following


def _read_exact(src: BinaryIO, size: int) -> bytes:
    data = src.read(size)
    if len(data) != size:
        raise DecryptionFailed("damaged")
    return data


def decrypt_stream(src: BinaryIO, dst: BinaryIO, passphrase: str) -> None:
    """Write the plaintext of the encrypted ``src`` to ``dst``; ``DecryptionFailed`` when it is not one,
    the passphrase is wrong or the file was changed (what was written by then is not a database)."""
    if src.read(len(MAGIC)) != MAGIC:
        raise DecryptionFailed("not_encrypted")
    raw = _read_exact(src, HEADER.size)
    log2_n, r, p, salt, chunk, prefix = HEADER.unpack(raw)
    if not (10 <= log2_n <= MAX_LOG2_N and 1 <= r <= MAX_R and 1 <= p <= MAX_P and 1 <= chunk <= MAX_CHUNK):
        raise DecryptionFailed("damaged")
    head = MAGIC + raw
    aead = AESGCM(_key(passphrase, salt, log2_n, r, p))
    index = 0
    while True:
        flag, size = RECORD.unpack(_read_exact(src, RECORD.size))
        if flag not in (0, 1) or not TAG <= size <= chunk + TAG:
            raise DecryptionFailed("damaged")
        try:
            block = aead.decrypt(prefix + struct.pack(">I", index), _read_exact(src, size),
                                 _aad(head, index, bool(flag)))
        except InvalidTag:
            raise DecryptionFailed("wrong_passphrase" if index == 0 else "tampered") from None
        dst.write(block)
        if flag:
            if src.read(1):
                raise DecryptionFailed("tampered")
            return
        index += 1


def encrypt_file(source: Path, target: Path, passphrase: str, **options: int) -> None:
    """``source`` encrypted into the new file ``target`` (blocking)."""
    with open(source, "rb") as src, open(target, "xb") as dst:
        encrypt_stream(src, dst, passphrase, **options)


def decrypt_file(source: Path, target: Path, passphrase: str) -> None:
    """``source`` decrypted into the new file ``target``; on any failure ``target`` is removed."""
    with open(source, "rb") as src, open(target, "xb") as dst:
        try:
            decrypt_stream(src, dst, passphrase)
        except BaseException:
            dst.close()
            target.unlink(missing_ok=True)
            raise
