"""Recognise an uploaded file by its content (magic bytes), never by its name or declared type."""

from __future__ import annotations

from dataclasses import dataclass

#: How many first bytes of a file `sniff` reads (an ISO media file's `ftyp` box lists its brands there).
HEAD_BYTES = 64


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
_WEBP = Kind("image", "image/webp", "webp")
_WAV = Kind("audio", "audio/wav", "wav")
_M4A = Kind("audio", "audio/mp4", "m4a")
_MP4 = Kind("video", "video/mp4", "mp4")
#: Photos in the ISO base media format (ISO/IEC 23008-12 HEIF, AV1 AVIF): an iPhone's photos are HEIC.
_AVIF = Kind("image", "image/avif", "avif")
_HEIC = Kind("image", "image/heic", "heic")
_HEIC_SEQUENCE = Kind("image", "image/heic-sequence", "heics")
_HEIF = Kind("image", "image/heif", "heif")
_HEIF_SEQUENCE = Kind("image", "image/heif-sequence", "heifs")
_AVIF_BRANDS = {b"avif", b"avis"}
_HEVC_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis"}
_HEVC_SEQUENCE_BRANDS = {b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1"} | _HEVC_IMAGE_BRANDS | _HEVC_SEQUENCE_BRANDS | _AVIF_BRANDS

#: Every content type `sniff` gives, with the extension a file of that type is named with.
EXTENSIONS: dict[str, str] = {
    kind.content_type: kind.extension
    for kind in [*(k for _m, _o, k in _SIGNATURES), _WEBP, _WAV, _M4A, _MP4, _AVIF, _HEIC, _HEIC_SEQUENCE, _HEIF,
                 _HEIF_SEQUENCE]
}


def _brands(head: bytes) -> tuple[bytes, set[bytes]]:
    """The major brand of an ISO media file's `ftyp` box and its compatible brands (as far as `head` goes)."""
    size = int.from_bytes(head[:4], "big")
    end = min(size if size >= 16 else len(head), len(head))
    return head[8:12], {head[i:i + 4] for i in range(16, end - 3, 4)}


def _iso_media(head: bytes) -> Kind:
    """An ISO base media file (…ftyp…): an M4A recording, a HEIC/HEIF/AVIF photo, otherwise an MP4 video."""
    major, compatible = _brands(head)
    if major in (b"M4A ", b"M4B "):
        return _M4A
    if major not in _HEIF_BRANDS:
        return _MP4
    brands = compatible | {major}
    sequence = major in (b"msf1", b"avis") or major in _HEVC_SEQUENCE_BRANDS
    if brands & _AVIF_BRANDS:
        return _AVIF
    if brands & (_HEVC_IMAGE_BRANDS | _HEVC_SEQUENCE_BRANDS):
        return _HEIC_SEQUENCE if sequence else _HEIC
    return _HEIF_SEQUENCE if sequence else _HEIF


def sniff(head: bytes) -> Kind | None:
    """The kind of file whose first bytes are `head` (`HEAD_BYTES` of them), or None when not allowed."""
    for magic, offset, kind in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _WAV
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    return None
