"""Test helpers of the portal: real tiny images and uploads."""

from __future__ import annotations

import re
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse


def tiny_png() -> bytes:
    """A real 1×1 PNG (one red pixel), built byte by byte."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    """A PNG photo as the browser would upload it."""
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def without_csrf(html: str) -> str:
    """The page with its per-request CSRF token blanked, so two renderings can be compared."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', html)


def form_token(client: Client, name: str = "submit") -> str:
    """The one-time token of a freshly rendered portal form (`portal:submit`, `portal:praise`)."""
    page = client.get(reverse(f"portal:{name}")).content.decode()
    found = re.search(r'name="submission" value="([0-9a-f]{32})"', page)
    assert found, "the form carries no one-time token"
    return found.group(1)
