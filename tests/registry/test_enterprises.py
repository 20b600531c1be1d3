from __future__ import annotations

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.test import Client
from stdnum.cn import uscc

from gonghui.orgs import imports, services
from gonghui.orgs.models import Enterprise

pytestmark = pytest.mark.django_db


def _code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def _sheet(path, rows):  # noqa: ANN001, ANN202
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("数据")
    headers = [c.header for c in imports.ENTERPRISES.columns]
    sheet.write_row(0, 0, headers)
    for number, row in enumerate(rows, start=1):
        for index, header in enumerate(headers):
            if header in row:
                sheet.write_string(number, index, row[header])
    book.close()
    return path


def test_enterprises_import_with_their_resumption_date(tmp_path, persona, unit, run_queue) -> None:  # noqa: ANN001
    rows = [
        {"企业名称": "西安北院门餐饮有限公司", "统一社会信用代码": _code("91610104MA6TG1234"), "行业门类": "住宿和餐饮业",
         "经营状态": "已复工", "复工日期": "2020-03-02", "职工人数": "12"},
        {"企业名称": "西安回坊小吃店", "统一社会信用代码": _code("92610104MA6TG5678"), "经营状态": "已复工"},
        {"企业名称": "坏代码公司", "统一社会信用代码": "91610104MA6TG12340"},
    ]
    path = _sheet(tmp_path / "e.xlsx", rows)
    source = imports.save_upload(iter([path.read_bytes()]), path.name)
    job = run_queue(lambda: imports.start_import(actor=persona("beiyuanmen"), kind="enterprises.import",
                                                 unit=unit("610104001002"), source=source, source_name="e.xlsx",
                                                 mode="commit", accept_clean=True))
    job.refresh_from_db()
    assert (job.counts["created"], job.counts["rejected"]) == (1, 2)
    reasons = {p["row"]: p["reason"] for p in job.problems}
    assert "复工日期" in reasons[3] and "信用代码" in reasons[4]
    enterprise = Enterprise.objects.get(name="西安北院门餐饮有限公司")
    assert (enterprise.industry, enterprise.employees, str(enterprise.resumed_on)) == ("H", 12, "2020-03-02")
    assert enterprise.unit == unit("610104001002") and enterprise.province == unit("610000")


def test_a_resumed_enterprise_needs_its_date(persona, unit) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        services.create_enterprise(actor=persona("beiyuanmen"), credit_code=_code("91610104MA6TG9999"),
                                   name="无日期公司", unit=unit("610104001002"), status="resumed")


def test_the_enterprise_api(persona, unit) -> None:  # noqa: ANN001
    _, raw = services.issue_api_token(user=persona("beiyuanmen"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    created = client.post("/api/v1/enterprises", {"name": "接口企业", "credit_code": _code("91610104MA6TG7777"),
                                                  "unit_id": unit("610104001002").pk}, content_type="application/json")
    assert created.status_code == 201, created.content
    enterprise_id = created.json()["id"]
    patched = client.patch(f"/api/v1/enterprises/{enterprise_id}", {"status": "resumed", "resumed_on": "2020-03-05"},
                           content_type="application/json")
    assert patched.json()["status"] == "resumed"
    bad = client.post("/api/v1/enterprises", {"name": "坏", "credit_code": "91610104MA6TG77770",
                                              "unit_id": unit("610104001002").pk}, content_type="application/json")
    assert bad.status_code == 422 and "信用代码" in bad.json()["message"]
    _, other = services.issue_api_token(user=persona("qingnianlu"))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(f"/api/v1/enterprises/{enterprise_id}").status_code == 404


def test_the_people_api_creates_and_searches(persona, unit) -> None:  # noqa: ANN001
    from tests.registry.sheets import valid_id

    _, raw = services.issue_api_token(user=persona("beiyuanmen"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    number = valid_id("61010419830303112")
    created = client.post("/api/v1/people", {"name": "接口人", "id_number": number, "unit_id": unit("610104001001").pk,
                                             "phone": "13655556666", "tags": ["劳模"]}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["id_number"] == f"6101**********{number[-4:]}" and body["phone"] == "136****6666"
    assert body["tags"] == ["劳模"] and body["gender"] == "F"  # the 17th digit, 2, is even
    found = client.get("/api/v1/people", {"q": number}).json()
    assert [p["name"] for p in found["items"]] == ["接口人"]
    duplicate = client.post("/api/v1/people", {"name": "又一个", "id_number": number,
                                               "unit_id": unit("610104001001").pk}, content_type="application/json")
    assert duplicate.status_code == 422
    patched = client.patch(f"/api/v1/people/{body['id']}", {"job": "电工"}, content_type="application/json")
    assert patched.json()["job"] == "电工"
    template = client.get("/api/v1/people/import-template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
