"""An attachment is checked by what its bytes are beyond the first few (an image must decode, a PDF must
parse) and served under a safe name, never as HTML."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.core import attachments
from gonghui.core.models import Attachment
from tests import samples

pytestmark = pytest.mark.django_db


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(("name", "content"), [
    ("发票.jpg", b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>" * 20),
    ("发票.jpg", b"\xff\xd8\xff" + bytes(500)),
    ("发票.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    ("发票.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(40)),
    ("诊断证明.pdf", b"%PDF-1.4 not really"),
    ("诊断证明.pdf", b"%PDF-1.4\n<html><body onload=alert(1)></body></html>\n%%EOF"),
    ("照片.heic", b"\x00\x00\x00\x18ftypheic" + bytes(12) + b"garbage after the brand"),
])
def test_magic_bytes_with_garbage_after_are_refused(name: str, content: bytes) -> None:
    with pytest.raises(attachments.AttachmentRefused) as refused:
        attachments.check(_upload(name, content))
    assert "已损坏或不完整" in str(refused.value)


def test_a_truncated_photo_is_refused_and_the_whole_one_kept() -> None:
    whole = samples.image("JPEG", (64, 64), noise=True)
    assert attachments.check(_upload("照片.jpg", whole)) == ("image/jpeg", "jpg")
    with pytest.raises(attachments.AttachmentRefused):
        attachments.check(_upload("照片.jpg", whole[: len(whole) // 2]))


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("发票.jpg", samples.jpeg(), "image/jpeg"),
    ("发票.png", samples.png(), "image/png"),
    ("发票.webp", samples.image("WEBP"), "image/webp"),
    ("诊断证明.pdf", samples.pdf(), "application/pdf"),
    ("照片.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x00\x10meta" + bytes(8)
     + b"\x00\x00\x00\x0cmdat" + bytes(4), "image/heic"),
])
def test_a_real_small_file_passes(name: str, content: bytes, kind: str) -> None:
    assert attachments.check(_upload(name, content))[0] == kind


def test_a_pixel_bomb_is_refused_not_decoded(monkeypatch) -> None:  # noqa: ANN001
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # an 8×8 image stands for a 50,000×50,000 one
    with pytest.raises(attachments.AttachmentRefused):
        attachments.check(_upload("炸弹.png", samples.image("PNG", (20, 20))))


@pytest.mark.parametrize(("uploaded", "shown"), [
    ("../../evil.html", "evil.html.png"),
    ("..\\..\\evil.html", "evil.html.png"),
    ("发票\r\nSet-Cookie: a=1.png", "发票Set-Cookie_ a=1.png"),
    ("\u202egnp.exe", "gnp.exe.png"),
    ("发票.PNG", "发票.png"),
    ("...", "附件.png"),
])
def test_an_uploaded_name_is_kept_and_served_safely(uploaded: str, shown: str, persona) -> None:  # noqa: ANN001
    stored = attachments.save(actor=persona("worker1"), upload=_upload(uploaded, samples.png()),
                              owner_type="relief.application", owner_id=1, unit_path="x")
    assert stored.name == shown
    response = attachments.inline_response(stored)
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition.split("filename*=")[1]
    assert disposition.startswith(f'inline; filename="attachment-{stored.pk}.png"; filename*=UTF-8\'\'')
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_a_row_stored_before_with_a_hostile_name_is_served_under_a_safe_one(persona) -> None:  # noqa: ANN001
    stored = attachments.save(actor=persona("worker1"), upload=_upload("x.png", samples.png()),
                              owner_type="relief.application", owner_id=1, unit_path="x")
    Attachment.objects.filter(pk=stored.pk).update(name="../../evil.html\r\nX-Evil: 1")
    stored.refresh_from_db()
    response = attachments.inline_response(stored)
    assert "evil.html" in response["Content-Disposition"]
    assert "X-Evil" not in response.serialize_headers().decode().split("Content-Disposition")[0]
    assert "\n" not in response["Content-Disposition"] and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].endswith(".png")
    response.close()


def test_a_notice_attachment_named_like_a_page_is_downloaded_as_a_pdf_over_the_route(client_for) -> None:  # noqa: ANN001
    """The attack through a real route: the street uploads "../../evil.html" (a real PDF); the enterprise
    gets a PDF named evil.html.pdf, never a page."""
    from gonghui.reports.models import Notice

    street = client_for("beiyuanmen")
    street.post("/reports/notices/", {"title": "附件名", "body": "见附件", "kind": "policy",
                                      "files": SimpleUploadedFile("../../evil.html", samples.pdf(), "text/html")})
    notice = Notice.objects.get(title="附件名")
    attachment = Attachment.objects.get(owner_type="reports.notice", owner_id=notice.pk)
    download = client_for("hr_meilihao").get(f"/reports/notices/{notice.pk}/file/", {"a": attachment.pk})
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "evil.html.pdf" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")
