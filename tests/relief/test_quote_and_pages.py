"""The quote (CLI and API), the officials' pages, the printed approval form, statistics export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gonghui.core.models import AuditEvent
from gonghui.relief.models import Application, HardshipFile

FACTS = {"household_annual_income": "30000", "self_paid": "15000", "file_status": "active",
         "paid_this_year": {"cq-temp-acute": "0"}}


@pytest.mark.django_db
def test_cli_quote_prints_the_amount_and_its_trace(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({**FACTS, "self_paid": 15000.5}), encoding="utf-8")
    before = AuditEvent.objects.count()
    call_command("relief", "quote", "--policy", "cq-temp-acute", "--facts", str(facts), "--on", "2026-03-01")
    out = json.loads(capsys.readouterr().out)
    assert out["eligible"] is True and out["amount"] == "10000.00" and out["reasons"] == []
    assert any("第 3 档" in line for line in out["trace"])
    assert AuditEvent.objects.count() == before  # a quote writes nothing


@pytest.mark.django_db
@pytest.mark.parametrize(("facts", "policy", "needle"), [
    ({**FACTS, "self_paid": "-1"}, "cq-temp-acute", "不能为负数"),
    ({"file_status": "active"}, "cq-temp-acute", "缺少"),
    ({**FACTS, "self_paid": "lots"}, "cq-temp-acute", "必须是数字"),
    (FACTS, "no-such-policy", "没有代码"),
])
def test_cli_quote_refuses_bad_facts_with_status_2(tmp_path: Path, facts: dict, policy: str, needle: str) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("relief", "quote", "--policy", policy, "--facts", str(path))
    assert error.value.returncode == 2
    assert needle in str(error.value)


def test_the_gonghui_command_exits_2_on_bad_facts(tmp_path: Path) -> None:
    """The real console script in a subprocess, on its own SQLite database: status 2, reason on stderr."""
    path = tmp_path / "facts.json"
    path.write_text("{not json", encoding="utf-8")
    env = {"SECRET_KEY": "x", "GONGHUI_DATA_KEY": "y", "GONGHUI_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "DJANGO_SETTINGS_MODULE": "gonghui.settings"}
    result = subprocess.run([sys.executable, "-m", "gonghui.cli", "relief", "quote", "--policy", "cq-temp-acute",
                             "--facts", str(path)], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "not valid JSON" in result.stderr


@pytest.mark.django_db
def test_api_quote(client_for) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    response = client.post("/api/v1/relief/quote", {"policy": "cq-temp-other", "facts": {
        "file_status": "active", "requested": 2500}}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"eligible": True, "amount": "2000.00", "reasons": [], "trace": response.json()["trace"]}
    bad = client.post("/api/v1/relief/quote", {"policy": "cq-temp-acute", "facts": {"self_paid": -5}},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "bad_facts" and "不能为负数" in bad.json()["message"]


@pytest.mark.django_db
def test_api_quote_from_a_household_file_in_scope_only(client_for) -> None:  # noqa: ANN001
    mine = HardshipFile.objects.filter(unit__code__startswith="610104001").first()
    theirs = HardshipFile.objects.filter(unit__code__startswith="610104002").first()
    client = client_for("beiyuanmen")
    ok = client.post("/api/v1/relief/quote", {"policy": "epidemic-grant-1000", "facts": {"household": mine.pk}},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["amount"] == "1000.00"
    hidden = client.post("/api/v1/relief/quote", {"policy": "epidemic-grant-1000", "facts": {"household": theirs.pk}},
                         content_type="application/json")
    assert hidden.status_code == 404


OFFICIAL_PAGES = ["/relief/", "/relief/files/", "/relief/files/new/?q=王", "/relief/monitoring/",
                  "/relief/applications/", "/relief/policies/", "/relief/budgets/", "/payments/",
                  "/relief/statistics.xlsx"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", OFFICIAL_PAGES)
def test_officials_pages_open(client_for, url: str) -> None:  # noqa: ANN001
    response = client_for("beiyuanmen").get(url)
    assert response.status_code == 200, url


@pytest.mark.django_db
def test_file_and_application_pages(client_for) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    file = HardshipFile.objects.filter(unit__code__startswith="610104001", person__user__isnull=True).first()
    page = client.get(f"/relief/files/{file.pk}/").content.decode()
    assert file.person.name in page and "系统建议" in page
    application = Application.objects.filter(unit__code__startswith="610104001").first()
    page = client.get(f"/relief/applications/{application.pk}/").content.decode()
    assert str(application.amount) in page and application.trace[0] in page
    version = application.version
    simulated = client.get(f"/relief/policies/versions/{version.pk}/?simulate=1").content.decode()
    assert "测算" in simulated


@pytest.mark.django_db
def test_the_approval_form_is_a_pdf_with_chinese_fonts(client_for) -> None:  # noqa: ANN001
    application = Application.objects.filter(unit__code__startswith="610104001").first()
    response = client_for("beiyuanmen").get(f"/relief/applications/{application.pk}/form.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-")
    assert b"NotoSansCJK" in _unpacked(content) or b"NotoSerifCJK" in _unpacked(content)  # the CJK font is embedded


def _unpacked(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated (font names hide in object streams)."""
    import re
    import zlib

    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


@pytest.mark.django_db
def test_the_worker_reads_their_own_relief_and_the_notices_of_their_union(client_for) -> None:  # noqa: ANN001
    client = client_for("worker2")
    page = client.get("/relief/me/").content.decode()
    assert "申请困难救助" in page
    notices = client.get("/relief/notices/").content.decode()
    on_notice = Application.objects.filter(unit__code="610104002001", state="notice").first()
    assert on_notice is not None, "the demo puts an application on notice in 青年路's first union"
    name = on_notice.person.name
    masked = name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"
    assert masked in notices and name not in notices


@pytest.mark.django_db
def test_the_persons_page_shows_their_relief(client_for) -> None:  # noqa: ANN001
    application = Application.objects.filter(unit__code__startswith="610104001").first()
    page = client_for("beiyuanmen").get(f"/people/{application.person_id}/").content.decode()
    assert application.number in page and "困难职工档案" in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/relief/files/", "/relief/applications/", "/payments/", "/relief/monitoring/"])
def test_list_pages_do_not_query_per_row(client_for, household_rows, url: str, django_assert_max_num_queries) -> None:  # noqa: ANN001
    client = client_for("lianhu")
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(15):  # a query per row would add 12 or more
        assert client.get(url).status_code == 200


@pytest.fixture
def household_rows(household):  # noqa: ANN001, ANN201
    """Enough files, applications and ledger rows that a query per row would show."""
    from gonghui.core import ledger
    from gonghui.orgs.models import Unit

    street = Unit.objects.get(code="610104001")
    for n in range(12):
        file = household(code=("610104001001", "610104001002", "610104001003")[n % 3], bank=f"62220202001122{n:05d}")
        ledger.post_payment(actor=None, key=f"rows-{n}", payee_person_id=file.person_id, payee_name=file.person.name,
                            bank_account=file.person.bank_account, amount="100", purpose_code="rows", unit=street)


@pytest.mark.django_db
def test_only_city_officials_set_the_dibao_standard(client_for, unit) -> None:  # noqa: ANN001
    from gonghui.relief.models import DibaoStandard

    city = unit("610100")
    form = {"city": city.pk, "monthly": "860", "effective_from": "2027-01-01"}
    client_for("beiyuanmen").post("/relief/dibao/", form)
    assert not DibaoStandard.objects.filter(city=city, effective_from="2027-01-01").exists()
    client_for("xian").post("/relief/dibao/", {**form, "monthly": "八百"})  # bad input: nothing written
    assert not DibaoStandard.objects.filter(city=city, effective_from="2027-01-01").exists()
    client_for("xian").post("/relief/dibao/", form)
    assert DibaoStandard.objects.get(city=city, effective_from="2027-01-01").monthly == 860
    assert client_for("qindu").post("/relief/dibao/", {**form, "effective_from": "2027-02-01"}).status_code == 302
    assert not DibaoStandard.objects.filter(effective_from="2027-02-01").exists()  # 咸阳's official, not 西安's


@pytest.mark.django_db
def test_the_spot_check_lists_the_drawn_files(client_for) -> None:  # noqa: ANN001
    from gonghui.relief.models import SpotCheck

    client = client_for("beiyuanmen")
    response = client.post("/relief/spot-check/")
    check = SpotCheck.objects.get()
    assert response["Location"].endswith(f"?spot={check.pk}")
    page = client.get(response["Location"]).content.decode()
    assert page.count('id="hardship-file-') == len(check.drawn_ids)
    other = client_for("qingnianlu").get(response["Location"]).content.decode()
    assert 'data-testid="spot"' not in other


@pytest.mark.django_db
def test_an_official_edits_the_tier_table_simulates_and_publishes(client_for) -> None:  # noqa: ANN001
    from gonghui.relief.models import PolicyVersion

    v1 = PolicyVersion.objects.get(policy__code="cq-temp-acute", number=1)
    assert client_for("xian").post(f"/relief/policies/versions/{v1.pk}/act/", {"action": "draft"}).status_code == 404
    client = client_for("shaanxi")  # the province union maintains the policy in the demo
    response = client.post(f"/relief/policies/versions/{v1.pk}/act/", {"action": "draft"})
    draft = PolicyVersion.objects.get(policy__code="cq-temp-acute", number=2)
    assert response["Location"] == f"/relief/policies/versions/{draft.pk}/"
    tiers = [t for tier in v1.spec["amount"]["tiers"] for t in (tier["from"], tier["amount"])]
    starts, amounts = tiers[0::2], tiers[1::2]
    bad = client.post(f"/relief/policies/versions/{draft.pk}/", {"tier_from": ["0.30", "0.10"], "tier_amount": ["1", "2"],
                                                                 "effective_from": "2027-01-01"})
    assert bad.status_code == 200 and "从小到大" in bad.content.decode()
    draft.refresh_from_db()
    assert draft.spec == v1.spec  # nothing saved
    amounts[0] = "1500"  # the first tier pays less
    client.post(f"/relief/policies/versions/{draft.pk}/", {"tier_from": starts, "tier_amount": amounts,
                                                           "effective_from": "2027-01-01", "notice_days": "5"})
    draft.refresh_from_db()
    assert draft.spec["amount"]["tiers"][0] == {"from": "0.10", "amount": "1500"}
    page = client.get(f"/relief/policies/versions/{draft.pk}/?simulate=1").content.decode()
    assert "2000.00 → 1500.00" in page  # the demo's tier-1 households would lose 500 each
    client.post(f"/relief/policies/versions/{draft.pk}/act/", {"action": "publish"})
    draft.refresh_from_db()
    v1.refresh_from_db()
    assert draft.status == "published" and str(v1.effective_to) == "2026-12-31"
