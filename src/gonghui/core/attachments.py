"""File attachments: checked by what the bytes are, not by the name, and kept out of the web root."""

from __future__ import annotations

import errno
import hashlib
import unicodedata
import uuid
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.models import Attachment

# (magic prefix, offset, content type, extension)
SIGNATURES = (
    (b"%PDF-", 0, "application/pdf", "pdf"),
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"WEBP", 8, "image/webp", "webp"),
    (b"ftypheic", 4, "image/heic", "heic"),
    (b"ftypheix", 4, "image/heic", "heic"),
    (b"ftypmif1", 4, "image/heic", "heic"),
)


class AttachmentRefused(ValueError):
    """The file is not one we keep (the message is for the user)."""


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, offset, content_type, extension in SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return content_type, extension
    return None


def check(upload: Any) -> tuple[str, str]:
    limit = settings.GONGHUI_ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise AttachmentRefused(_("“%(name)s”有 %(size).1f MB，超过了 %(limit)d MB 的上限，请压缩后再传。")
                                % {"name": upload.name, "size": upload.size / 1048576,
                                   "limit": settings.GONGHUI_ATTACHMENT_MAX_MB})
    if upload.size == 0:
        raise AttachmentRefused(_("“%(name)s”是空文件。") % {"name": upload.name})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise AttachmentRefused(_("“%(name)s”不是 PDF 或图片（JPG、PNG、WEBP、HEIC），请上传发票、诊断证明的照片或扫描件。")
                                % {"name": upload.name})
    try:
        whole = _CONTENT_CHECKS[kind[0]](upload)
    finally:
        upload.seek(0)
    if not whole:
        raise AttachmentRefused(_("“%(name)s”已损坏或不完整（开头像 %(kind)s，内容却无法打开），请重新拍照或导出后再传。")
                                % {"name": upload.name, "kind": kind[1].upper()})
    return kind


# What a file must be beyond its first bytes: an image must decode, a PDF must parse. A file with JPEG magic
# bytes and garbage after (or a script, or HTML) is not kept; neither is a truncated photo.
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def _image_decodes(upload: Any, content_type: str) -> bool:
    from PIL import Image

    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a pixel bomb is refused, not decoded
            with Image.open(upload, formats=[_PIL_FORMATS[content_type]]) as image:
                image.load()  # every pixel: a truncated or corrupt stream raises here
                return image.width > 0 and image.height > 0
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return False


def _pdf_parses(upload: Any) -> bool:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    upload.seek(0)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken file is our answer, not a log line
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted:
            return False  # the union could not open it either
        return len(reader.pages) > 0 and reader.pages[0].mediabox.width > 0
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        return False


def _heic_boxes_whole(upload: Any) -> bool:
    """HEIC (an iPhone photo): no decoder here, so its ISO-BMFF structure is walked instead — boxes that chain
    to exactly the end of the file, the ftyp first, a meta box (the image's description) and its data."""
    upload.seek(0)
    data = upload.read()
    position, seen = 0, []
    while position < len(data):
        if position + 8 > len(data):
            return False
        size, box = int.from_bytes(data[position:position + 4], "big"), data[position + 4:position + 8]
        if size == 1:
            if position + 16 > len(data):
                return False
            size = int.from_bytes(data[position + 8:position + 16], "big")
        elif size == 0:
            size = len(data) - position
        if size < 8 or position + size > len(data):
            return False
        seen.append(box)
        position += size
    return bool(seen) and seen[0] == b"ftyp" and b"meta" in seen and (b"mdat" in seen or b"idat" in seen)


_CONTENT_CHECKS: dict[str, Callable[[Any], bool]] = {
    "image/jpeg": lambda upload: _image_decodes(upload, "image/jpeg"),
    "image/png": lambda upload: _image_decodes(upload, "image/png"),
    "image/webp": lambda upload: _image_decodes(upload, "image/webp"),
    "image/heic": _heic_boxes_whole,
    "application/pdf": _pdf_parses,
}


class StorageFull(OSError):
    """The file store (MEDIA_ROOT) has no room left: nothing of the file was kept."""

    def __init__(self) -> None:
        super().__init__(_("服务器的文件存储空间已满，文件没有保存，您的其他内容也未提交。请稍后再试，或告知系统管理员。"))


def write_file(target: Path, chunks: Iterable[bytes], *, limit: int | None = None,
               too_big: Callable[[], Exception] | None = None) -> tuple[int, str]:
    """Write chunks to a new file under MEDIA_ROOT; returns (size, sha256). A full disk or quota raises
    StorageFull and a file over `limit` raises `too_big()`, either way with the partial file removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with target.open("wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit and too_big is not None:
                    raise too_big()
                digest.update(chunk)
                handle.write(chunk)
    except OSError as error:
        target.unlink(missing_ok=True)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull() from error
        raise
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def save(*, actor: Any, upload: Any, owner_type: str, owner_id: int, unit_path: str, label: str = "") -> Attachment:
    """Store one checked upload for its owner. Call `check` first to refuse before any write."""
    content_type, extension = check(upload)
    relative = Path("attachments") / timezone.now().strftime("%Y/%m") / f"{uuid.uuid4().hex}.{extension}"
    try:
        _size, sha256 = write_file(Path(settings.MEDIA_ROOT) / relative, upload.chunks())
    except StorageFull as full:  # the caller's transaction is undone with the message, as for any bad input
        raise ValidationError({"attachments": str(full)}) from full
    return Attachment.objects.create(
        owner_type=owner_type, owner_id=owner_id, unit_path=unit_path, label=label[:60],
        name=safe_name(upload.name, extension), content_type=content_type, size=upload.size, sha256=sha256,
        stored_as=str(relative), uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)


def path_of(attachment: Attachment) -> Path:
    return Path(settings.MEDIA_ROOT) / attachment.stored_as


_SAME_EXTENSIONS = {"jpg": {"jpg", "jpeg", "jpe"}, "heic": {"heic", "heif"}, "png": {"png"}, "pdf": {"pdf"},
                    "webp": {"webp"}}


def safe_name(name: str | None, extension: str) -> str:
    """A file name that is only a name: no folders (../../evil.html is evil), no control, invisible or
    bidirectional characters (a CR/LF would split the response's headers, a U+202E turns "gpj.exe" round),
    no quotes or slashes, and the extension of what the bytes are — a JPEG named evil.html is evil.html.jpg."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C" and unicodedata.category(c) not in ("Zl", "Zp"))
    base = "".join("_" if c in '"<>:|?*;' else c for c in base).strip(" .")
    stem, dot, ext = base.rpartition(".")
    if dot and ext.lower() in _SAME_EXTENSIONS.get(extension, {extension}):
        base = stem
    base = base.strip(" .")[:150] or _("附件")
    return f"{base}.{extension}"


def inline_response(attachment: Attachment) -> Any:
    """The stored file, shown in the browser under a safe name. The caller has checked who may see it.

    The type is the one sniffed and checked at upload (a PDF or an image, never HTML), and the browser is
    told not to guess another (nosniff). (No CSP sandbox: Chrome then refuses to show a PDF at all.)
    """
    from urllib.parse import quote

    from django.http import FileResponse

    extension = {v[2]: v[3] for v in SIGNATURES}.get(attachment.content_type, "bin")
    name = safe_name(attachment.name, extension)
    fallback = f"attachment-{attachment.pk}.{extension}"
    response = FileResponse(path_of(attachment).open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
