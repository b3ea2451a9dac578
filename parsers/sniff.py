"""A file's real type from its first bytes: senders and fax gateways often declare it wrong."""

from __future__ import annotations

import mimetypes

_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
]


def sniff_type(data: bytes, filename: str | None = None, declared: str | None = None) -> str:
    head = data[:1024]
    if b"%PDF-" in head:  # some generators put junk before the header
        return "application/pdf"
    for magic, ctype in _MAGIC:
        if head.startswith(magic):
            return ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if declared and declared not in ("application/octet-stream", "application/unknown"):
        return declared
    if filename:
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    return declared or "application/octet-stream"
