"""Recognise an uploaded file by its content (magic bytes), never by its name or declared type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """What a file really is."""

    kind: str  # image | audio | video
    content_type: str
    extension: str


_SIGNATURES: list[tuple[bytes, int, Kind]] = [
    (b"\xff\xd8\xff", 0, Kind("image", "image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", 0, Kind("image", "image/png", "png")),
    (b"GIF87a", 0, Kind("image", "image/gif", "gif")),
    (b"GIF89a", 0, Kind("image", "image/gif", "gif")),
    (b"ID3", 0, Kind("audio", "audio/mpeg", "mp3")),
    (b"\xff\xfb", 0, Kind("audio", "audio/mpeg", "mp3")),
    (b"\xff\xf3", 0, Kind("audio", "audio/mpeg", "mp3")),
    (b"#!AMR\n", 0, Kind("audio", "audio/amr", "amr")),
    (b"OggS", 0, Kind("audio", "audio/ogg", "ogg")),
]


def sniff(head: bytes) -> Kind | None:
    """The kind of file whose first bytes are `head` (at least 16), or None when not allowed."""
    for magic, offset, kind in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind("image", "image/webp", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Kind("audio", "audio/wav", "wav")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return Kind("audio", "audio/mp4", "m4a")
        return Kind("video", "video/mp4", "mp4")
    return None
