"""Abuse limits and the own-employer rule on mediation, written as the attack: a worker (or a script with
their account) floods bodies and employers with cases and negotiation requests, or names an employer
they never worked for."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.core.models import RateEvent
from gonghui.mediation import services
from gonghui.mediation.models import Case, MediationBody, Negotiation
from gonghui.orgs.models import Enterprise, User
from gonghui.orgs.services import issue_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings) -> dict[str, Any]:  # noqa: ANN001
    settings.GONGHUI_ABUSE_LIMITS = copy.deepcopy(settings.GONGHUI_ABUSE_LIMITS)
    return settings.GONGHUI_ABUSE_LIMITS


def _form(body: MediationBody, employer: Enterprise, **extra: str) -> dict[str, str]:
    return {"body": str(body.pk), "employer": employer.credit_code, "category": "wages", "claims": "支付拖欠工资",
            "facts": "两个月未发工资", "knew_on": timezone.localdate().isoformat(), **extra}


def _api(user: User, ip: str = "127.0.0.1") -> Client:
    _, raw = issue_api_token(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=ip)


def _other_employer(body: MediationBody, employer1: Enterprise) -> Enterprise:
    return Enterprise.objects.filter(unit__path__startswith=body.unit.path).exclude(pk=employer1.pk).first()


def test_a_worker_opens_cases_up_to_the_limit_on_the_page_and_not_one_more(
        client_for, limits, body, employer1) -> None:  # noqa: ANN001
    limits["mediation.case"]["per_person"] = 2
    before = Case.objects.count()
    client = client_for("worker1")
    for _ in range(2):
        assert client.post("/mediation/apply/", _form(body, employer1)).status_code == 302
    refused = client.post("/mediation/apply/", _form(body, employer1))
    assert refused.status_code == 200
    assert "已达上限" in refused.content.decode() and "2次调解申请" in refused.content.decode()
    assert Case.objects.count() == before + 2


def test_the_case_limit_holds_on_the_api_with_a_429(worker1, limits, body, employer1) -> None:  # noqa: ANN001
    limits["mediation.case"]["per_person"] = 2
    client = _api(worker1)
    payload = {"body_id": body.pk, "employer_id": employer1.pk, "category": "wages", "claims": "支付拖欠工资",
               "facts": "两个月未发工资", "knew_on": timezone.localdate().isoformat()}
    for _ in range(2):
        assert client.post("/api/v1/mediation/cases", payload, content_type="application/json").status_code == 201
    refused = client.post("/api/v1/mediation/cases", payload, content_type="application/json")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "已达上限" in refused.json()["message"]


def test_a_refused_form_does_not_use_up_the_limit(client_for, limits, body, employer1) -> None:  # noqa: ANN001
    limits["mediation.case"]["per_person"] = 1
    client = client_for("worker1")
    assert client.post("/mediation/apply/", _form(body, employer1, claims="")).status_code == 200
    assert RateEvent.objects.count() == 0
    assert client.post("/mediation/apply/", _form(body, employer1)).status_code == 302


def test_one_address_is_limited_across_accounts(persona, limits, employer1) -> None:  # noqa: ANN001
    """A script behind one address with several accounts: the address limit stops it."""
    limits["mediation.negotiation"]["per_address"] = 1
    first = _api(persona("worker1"), ip="10.5.5.5").post("/api/v1/mediation/negotiations", {
        "employer_id": employer1.pk, "category": "wages", "claims": "协商工资"}, content_type="application/json")
    assert first.status_code == 201
    worker2 = persona("worker2")
    second = _api(worker2, ip="10.5.5.5").post("/api/v1/mediation/negotiations", {
        "employer_id": worker2.person.employer_id, "category": "wages", "claims": "协商工资"},
        content_type="application/json")
    assert second.status_code == 429 and "同一网络地址" in second.json()["message"]
    elsewhere = _api(worker2, ip="10.5.5.6").post("/api/v1/mediation/negotiations", {
        "employer_id": worker2.person.employer_id, "category": "wages", "claims": "协商工资"},
        content_type="application/json")
    assert elsewhere.status_code == 201


def test_negotiation_requests_are_limited_per_person_on_the_page(client_for, limits, employer1) -> None:  # noqa: ANN001
    limits["mediation.negotiation"]["per_person"] = 1
    before = Negotiation.objects.count()
    client = client_for("worker1")
    form = {"employer": employer1.credit_code, "category": "wages", "claims": "协商工资"}
    assert client.post("/mediation/negotiate/", form).status_code == 302
    refused = client.post("/mediation/negotiate/", form)
    assert refused.status_code == 200 and "1次协商请求" in refused.content.decode()
    assert Negotiation.objects.count() == before + 1


# --- a case only against one's own employer, or with a reason the body checks ---

def test_a_case_against_another_employer_is_refused_without_a_reason(client_for, body, employer1) -> None:  # noqa: ANN001
    other = _other_employer(body, employer1)
    before = Case.objects.count()
    page = client_for("worker1").post("/mediation/apply/", _form(body, other))
    assert page.status_code == 200 and "只能针对本人档案登记的工作单位" in page.content.decode()
    assert Case.objects.count() == before


def test_the_api_refuses_another_employer_without_a_reason(worker1, body, employer1) -> None:  # noqa: ANN001
    other = _other_employer(body, employer1)
    before = Case.objects.count()
    refused = _api(worker1).post("/api/v1/mediation/cases", {
        "body_id": body.pk, "employer_id": other.pk, "category": "wages", "claims": "支付拖欠工资",
        "facts": "两个月未发工资", "knew_on": timezone.localdate().isoformat()}, content_type="application/json")
    assert refused.status_code == 422 and "只能针对本人档案登记的工作单位" in refused.json()["message"]
    assert Case.objects.count() == before


def test_a_stated_reason_is_shown_and_checked_at_acceptance(client_for, body, employer1, mediator) -> None:  # noqa: ANN001
    other = _other_employer(body, employer1)
    reason = "我是劳务派遣员工，实际用工单位是该公司"
    response = client_for("worker1").post("/mediation/apply/", _form(body, other, employer_reason=reason))
    assert response.status_code == 302
    case = Case.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert case.employer_id == other.pk and case.employer_reason == reason
    case.employer_consented_at = timezone.now()
    case.save(update_fields=["employer_consented_at"])
    staff = client_for("tiaojie")
    page = staff.get(f"/mediation/cases/{case.pk}/").content.decode()
    assert 'data-testid="employer-reason"' in page and reason in page
    # Accepting without ticking "checked" is refused, with the reason quoted.
    staff.post(f"/mediation/cases/{case.pk}/act/", {"action": "accept", "in_scope": "1"})
    case.refresh_from_db()
    assert case.state == Case.State.SUBMITTED
    staff.post(f"/mediation/cases/{case.pk}/act/", {"action": "accept", "in_scope": "1", "employer_checked": "1"})
    case.refresh_from_db()
    assert case.state == Case.State.ACCEPTED
    assert case.steps.filter(reason__contains="已核实申请人针对该用人单位的理由").exists()


def test_the_service_quotes_the_reason_when_acceptance_is_not_checked(worker1, body, employer1, mediator) -> None:  # noqa: ANN001
    from django.core.exceptions import ValidationError

    other = _other_employer(body, employer1)
    case = services.apply_online(actor=worker1, body=body, employer=other, category="wages", claims="工资",
                                 facts="未发", knew_on=timezone.localdate(), employer_reason="已离职")
    Case.objects.filter(pk=case.pk).update(employer_consented_at=timezone.now())
    with pytest.raises(ValidationError, match="已离职"):
        services.decide_acceptance(actor=mediator, case=Case.objects.get(pk=case.pk), accept=True, in_scope=True)


def test_a_reason_is_not_kept_for_ones_own_employer(worker1, body, employer1) -> None:  # noqa: ANN001
    case = services.apply_online(actor=worker1, body=body, employer=employer1, category="wages", claims="工资",
                                 facts="未发", knew_on=timezone.localdate(), employer_reason="随便写的")
    assert case.employer_reason == ""
