"""An official uploads a people list with errors, reads the preview, downloads the annotated file,
fixes it and imports it — in real Chromium, through the real task queue."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from gonghui.orgs.models import Person
from tests.registry.sheets import people_file, valid_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Gonghui@2026"


def _drain_queue() -> None:
    """The task worker, run between two page actions (as `gonghui db_worker` would beside the server)."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_upload_preview_annotate_fix_and_import(live_server, demo_tree, desktop_page: Page, screenshot,
                                                tmp_path) -> None:  # noqa: ANN001
    page = desktop_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("账号或手机号").fill("beiyuanmen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="职工档案").first.click()
    page.get_by_role("link", name="从 Excel 导入").click()
    with page.expect_download() as template:
        page.get_by_test_id("template").click()
    assert template.value.suggested_filename.endswith(".xlsx")

    good = [{"姓名": "冯秀梅", "身份证号": valid_id("61010419910909122"), "手机号": "13722220001", "会籍": "会员",
             "入会日期": "2018-05-01"},
            {"姓名": "蒋涛", "身份证号": valid_id("61010419870707131"), "手机号": "13722220002"}]
    bad = [*good, {"姓名": "韩磊", "身份证号": "610104198707071319", "手机号": "1372222"}]
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(people_file(tmp_path / "名册.xlsx", bad)))
    page.get_by_label("导入到工会").select_option(label="陕西美丽豪酒店管理有限公司工会")
    page.get_by_role("button", name="上传并检查").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    _drain_queue()
    expect(page.get_by_test_id("job-state")).to_contain_text("已完成", timeout=10_000)
    expect(page.get_by_test_id("count-rejected")).to_have_text("1")
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("校验位")
    expect(problems).to_contain_text("手机号码")
    screenshot(page, "import-preview")
    assert not Person.objects.filter(name__in=["冯秀梅", "韩磊"]).exists()

    with page.expect_download() as annotated:
        page.get_by_test_id("annotated").click()
    table = CalamineWorkbook.from_path(annotated.value.path()).get_sheet_by_index(0).to_python()
    assert table[0][-1].startswith("错误原因") and "身份证号" in table[3][-1]

    fixed = [*good, {"姓名": "韩磊", "身份证号": valid_id("61010419870707131")[:-1] + "0", "手机号": "13722220003"}]
    fixed[2]["身份证号"] = valid_id("61010419850505151")
    page.get_by_role("link", name="职工档案").first.click()
    page.get_by_role("link", name="从 Excel 导入").click()
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(people_file(tmp_path / "名册-改.xlsx", fixed)))
    page.get_by_label("导入到工会").select_option(label="陕西美丽豪酒店管理有限公司工会")
    page.get_by_role("button", name="上传并检查").click()
    _drain_queue()
    expect(page.get_by_test_id("count-created")).to_have_text("3", timeout=10_000)
    page.get_by_test_id("commit").click()
    _drain_queue()
    expect(page.get_by_test_id("job-message")).to_contain_text("已导入：新增 3 条", timeout=10_000)
    screenshot(page, "import-done")
    assert Person.objects.filter(name__in=["冯秀梅", "蒋涛", "韩磊"]).count() == 3

    page.get_by_role("link", name="职工档案").first.click()
    page.get_by_placeholder("姓名、拼音首字母、身份证号或手机号").fill("fxm")
    expect(page.locator("#person-rows")).to_contain_text("冯秀梅")
    page.get_by_role("link", name="冯秀梅").click()
    expect(page.get_by_test_id("history")).to_contain_text("由表格导入")
    screenshot(page, "person-file")
    with page.expect_download() as export:
        page.goto(f"{live_server.url}/people/")
        page.get_by_test_id("export").click()
    rows = CalamineWorkbook.from_path(str(export.value.path())).get_sheet_by_index(0)
    assert rows.to_python()[0][0] == "姓名"
