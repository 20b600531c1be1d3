"""Small real files for upload tests: an attachment must decode as what its first bytes claim (core/attachments)."""

from __future__ import annotations

import io
import os


def image(kind: str = "PNG", size: tuple[int, int] = (8, 8), noise: bool = False) -> bytes:
    """A real image (PNG, JPEG or WEBP); with noise, about width×height×3 bytes that do not compress."""
    from PIL import Image

    if noise:
        picture = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        picture = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    picture.save(buffer, kind)
    return buffer.getvalue()


def png() -> bytes:
    return image("PNG")


def jpeg() -> bytes:
    return image("JPEG")


def pdf() -> bytes:
    """A one-page PDF that parses."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 30), (255, 255, 255)).save(buffer, "PDF")
    return buffer.getvalue()
