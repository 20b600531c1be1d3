"""File attachments: checked by what the bytes are, not by the name, and kept out of the web root."""

from __future__ import annotations

import errno
import hashlib
import uuid
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
    return kind


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
        name=Path(upload.name).name[:200], content_type=content_type, size=upload.size, sha256=sha256,
        stored_as=str(relative), uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)


def path_of(attachment: Attachment) -> Path:
    return Path(settings.MEDIA_ROOT) / attachment.stored_as


def inline_response(attachment: Attachment) -> Any:
    """The stored file, shown in the browser under its original name. The caller has checked who may see it."""
    from urllib.parse import quote

    from django.http import FileResponse

    response = FileResponse(path_of(attachment).open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(attachment.name)}"
    return response
