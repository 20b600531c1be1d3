"""The file store full (a real 64 KiB tmpfs as MEDIA_ROOT): an upload gets a clear message, nothing is kept."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.core import attachments
from gonghui.core.models import Attachment, Job
from tests import samples
from tests.registry.sheets import people_file, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_store(tmp_path: Path, settings):  # noqa: ANN001, ANN201
    store = tmp_path / "media"
    store.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(store)],  # noqa: S607
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = str(store)
    try:
        yield store
    finally:
        subprocess.run(["umount", str(store)], check=False)  # noqa: S607


def _files(store: Path) -> list[Path]:
    return [p for p in store.rglob("*") if p.is_file()]


def test_an_import_upload_on_a_full_store_is_refused_with_a_message(full_store: Path, client_for, tmp_path) -> None:  # noqa: ANN001
    rows = [{"姓名": f"职工{n}", "身份证号": valid_id(f"6101041990{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"),
             "手机号": f"139{n:08d}", "户籍地": "陕西省商洛市商州区" * 3} for n in range(3000)]
    path = people_file(tmp_path / "big.xlsx", rows)
    assert path.stat().st_size > 64 * 1024
    client = client_for("beiyuanmen")
    page = client.get("/people/import/")
    unit = page.context["form"].fields["unit"].choices[1][0]
    jobs_before = Job.objects.count()
    response = client.post("/people/import/", {"unit": unit, "file": SimpleUploadedFile("big.xlsx", path.read_bytes())})
    assert response.status_code == 200
    assert "文件存储空间已满" in response.content.decode()
    assert Job.objects.count() == jobs_before
    assert _files(full_store) == []  # the partial file is gone


def test_an_attachment_on_a_full_store_undoes_its_service_with_a_message(full_store: Path, persona) -> None:  # noqa: ANN001
    picture = samples.image("PNG", (300, 300), noise=True)  # about 270 kB
    upload = SimpleUploadedFile("发票.png", picture, content_type="image/png")
    before = Attachment.objects.count()
    with pytest.raises(ValidationError) as refused:
        attachments.save(actor=persona("worker1"), upload=upload, owner_type="relief.application", owner_id=1,
                         unit_path="x")
    assert "文件存储空间已满" in str(refused.value)
    assert Attachment.objects.count() == before
    assert _files(full_store) == []
    small = SimpleUploadedFile("小.png", samples.png(), content_type="image/png")
    kept = attachments.save(actor=persona("worker1"), upload=small, owner_type="relief.application", owner_id=1,
                            unit_path="x")
    assert attachments.path_of(kept).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # room for a small one: kept
