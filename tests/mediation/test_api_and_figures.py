"""The API runs the same services as the pages; the statistics count what happened; reminders reach the mediator."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import time_machine
from django.test import Client
from django.utils import timezone
from python_calamine import CalamineWorkbook

from gonghui.mediation import selectors, services
from gonghui.mediation.models import Case, MediationBody
from gonghui.orgs.models import Person, User
from gonghui.orgs.services import issue_api_token

from .conftest import told


def _api(user: User) -> Client:
    _, raw = issue_api_token(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_case_from_application_to_agreement_through_the_api(persona, body: MediationBody) -> None:  # noqa: ANN001
    worker, hr, mediator = persona("worker1"), persona("hr_meilihao"), persona("tiaojie")
    employer = Person.objects.get(user=worker).employer
    created = _api(worker).post("/api/v1/mediation/cases", {
        "body_id": body.pk, "employer_id": employer.pk, "category": "termination", "claims": "支付经济补偿 8,000 元",
        "facts": "单位以疫情为由解除劳动合同，未支付经济补偿。", "knew_on": (timezone.localdate() - timedelta(days=5)).isoformat(),
        "employment_ended_on": (timezone.localdate() - timedelta(days=5)).isoformat(), "amount_claimed": "8000"},
        content_type="application/json")
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    assert created.json()["limitation_state"] == "ok"

    def move(user: User, **payload: object) -> dict:
        response = _api(user).post(f"/api/v1/mediation/cases/{case_id}/transitions", payload,
                                   content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    refused = _api(mediator).post(f"/api/v1/mediation/cases/{case_id}/transitions", {"action": "accept", "in_scope": True},
                                  content_type="application/json")
    assert refused.status_code == 422 and "用人单位尚未同意调解" in refused.json()["message"]
    move(hr, action="employer_agree")
    assert move(mediator, action="accept", in_scope=True)["state"] == "accepted"
    move(mediator, action="assign", mediator_id=mediator.pk, declaration="与当事人无利害关系")
    session = _api(mediator).post(f"/api/v1/mediation/cases/{case_id}/sessions", {
        "mode": "online", "starts_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "place": "https://meeting.example.cn/j/1"}, content_type="application/json")
    assert session.status_code == 201
    assert [s["place"] for s in _api(worker).get(f"/api/v1/mediation/cases/{case_id}/sessions").json()] == [
        "https://meeting.example.cn/j/1"]
    drafted = _api(mediator).put(f"/api/v1/mediation/cases/{case_id}/agreement", {
        "terms": "支付经济补偿 8,000 元", "payments": [{"kind": "compensation", "amount": "8000",
                                                     "due_on": (timezone.localdate() + timedelta(days=7)).isoformat()}]},
        content_type="application/json")
    assert drafted.status_code == 200 and drafted.json()["payments"][0]["amount"] == "8000.00"
    move(worker, action="confirm")
    move(hr, action="confirm")
    assert move(mediator, action="seal")["state"] == "agreed"
    agreement = _api(hr).get(f"/api/v1/mediation/cases/{case_id}/agreement").json()
    assert agreement["effective_at"] is not None and agreement["worker_side_confirmed"]
    # Another enterprise's representative reaches nothing of it.
    assert _api(persona("hr_qingnian")).get(f"/api/v1/mediation/cases/{case_id}").status_code == 404


def test_figures_count_agreements_and_rates(accepted, mediator, worker1, hr1, client_for) -> None:  # noqa: ANN001
    before = selectors.figures(mediator)
    agreed = accepted()
    services.draft_agreement(actor=mediator, case=agreed, terms="补发工资", payments=[
        services.PaymentTerm(kind="wages", amount="1500.50", due_on=timezone.localdate() + timedelta(days=3))])
    services.confirm_agreement(actor=worker1, case=agreed)
    services.confirm_agreement(actor=hr1, case=agreed)
    services.sign_and_seal(actor=mediator, case=agreed)
    failed = accepted()
    services.end_not_mediated(actor=mediator, case=failed, reason="单位不同意继续调解")
    after = selectors.figures(mediator)
    assert after.agreed == before.agreed + 1 and after.not_mediated == before.not_mediated + 1
    assert after.amount_agreed - before.amount_agreed == Decimal("1500.50")
    assert after.agreement_rate == round(100 * after.agreed / (after.agreed + after.not_mediated), 1)
    export = client_for("tiaojie").get("/mediation/figures.xlsx")
    assert export.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    assert any(row[0] == "合计" and int(row[3]) == after.agreed for row in rows if row and row[3] != "")
    assert "调解成功率" in client_for("tiaojie").get("/mediation/figures/").content.decode()


def test_the_mediator_is_reminded_on_days_ten_and_thirteen(accepted, mediator) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 2, 20))
    services.run_clocks(date(2025, 3, 12))
    assert not told(mediator, "已受理第 10 天")
    services.run_clocks(date(2025, 3, 13))
    assert told(mediator, "已受理第 10 天") and not told(mediator, "已受理第 13 天")
    services.run_clocks(date(2025, 3, 16))
    assert told(mediator, "已受理第 13 天")
    assert Case.objects.get(pk=case.pk).state == Case.State.ACCEPTED


def test_the_case_page_warns_when_the_year_runs_out(new_case, client_for) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        # The year from 28 Feb 2024 ended Friday 28 Feb 2025. (From 2 March 2024 it would end Sunday 2 March
        # 2025, which rolls to Monday 3 March — still in time that day: 民法典 第二百零三条.)
        late = new_case(knew_on=date(2024, 2, 28), category="termination")
        in_time = new_case(knew_on=date(2024, 3, 2), category="termination")
        near = new_case(knew_on=date(2024, 3, 20), category="termination")
    with time_machine.travel("2025-03-03 10:00 +0800", tick=False):
        page = client_for("worker1").get(f"/mediation/cases/{late.pk}/").content.decode()
        assert "可能已超过一年的仲裁时效" in page
        rolled = client_for("worker1").get(f"/mediation/cases/{in_time.pk}/").content.decode()
        assert "可能已超过一年的仲裁时效" not in rolled
        fine = client_for("worker1").get(f"/mediation/cases/{near.pk}/").content.decode()
        assert 'data-testid="limitation"' not in fine  # the application itself restarted the year
