"""Files the fake Telegram knows: uploads get new file ids, known ids are resolved, media objects built."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.fake_telegram.protocol import bad_request

MEDIA_KINDS = frozenset("photo video document audio voice animation sticker".split())


@dataclass
class Upload:
    """A file uploaded with multipart form data (``content`` is None in the in-process session)."""

    filename: str
    content: bytes | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes | None = None

    @property
    def file_size(self) -> int:
        return len(self.content) if self.content is not None else 1024


class FileStore:
    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def new_file(self, kind: str, content: bytes | None = None, extension: str = "jpg") -> StoredFile:
        n = next(self._counter)
        stored = StoredFile(file_id=f"fake-{kind}-{n:05d}", file_unique_id=f"uniq-{kind}-{n:05d}",
                            file_path=f"{kind}s/file_{n}.{extension}", content=content)
        self.files[stored.file_id] = stored
        return stored

    def file_for(self, file_id: str) -> StoredFile:
        if file_id not in self.files:
            n = next(self._counter)
            self.files[file_id] = StoredFile(file_id=file_id, file_unique_id=f"u-{file_id}",
                                             file_path=f"documents/file_{n}.bin")
        return self.files[file_id]

    def file_by_path(self, path: str) -> StoredFile | None:
        return next((stored for stored in self.files.values() if stored.file_path == path), None)

    def input_file(self, value: Any, kind: str, uploads: Mapping[str, Upload]) -> StoredFile:
        """What a ``photo``/``document``… parameter names: an upload, a URL or a known file id."""
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value[len("attach://"):])
            if upload is None:
                raise bad_request(f"file must be non-empty ({value} not uploaded)")
            ext = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
            return self.new_file(kind, upload.content, ext)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self.new_file(kind)
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        return self.file_for(str(value))

    @staticmethod
    def media_object(kind: str, stored: StoredFile, item: Mapping[str, Any]) -> Any:
        """The ``photo`` / ``video`` / ``document``… field of a message, as Telegram sends it."""
        base: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                "file_size": stored.file_size}
        if kind == "photo":
            thumb = {**base, "file_id": stored.file_id + "-s", "file_unique_id": stored.file_unique_id + "-s"}
            return [{**thumb, "width": 90, "height": 67}, {**base, "width": 1280, "height": 960}]
        if kind in ("video", "animation"):
            return {**base, "width": 1280, "height": 720, "duration": int(item.get("duration") or 10)}
        if kind in ("audio", "voice"):
            return {**base, "duration": int(item.get("duration") or 10)}
        if kind == "sticker":
            return {**base, "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
        return {**base, "file_name": stored.file_path.rsplit("/", 1)[-1]}
