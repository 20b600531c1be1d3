"""Amounts and dates at the door: 1e30, NaN, Infinity and what rounds to zero (-0.001, 0.004) are refused with
422 on the API and a message on the page, before anything is written or any text message sent; a date of
learning of the wrong before 1900 is a typing slip, refused, and 1900-01-01 accepted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gonghui.core import sms
from gonghui.mediation.models import Case, MediationBody
from gonghui.orgs.models import Person

BAD_AMOUNTS = ["1e30", "NaN", "Infinity", "-Infinity", "-0.001", "0.004", "-5", "10000000000", "sNaN"]


def _payload(body: MediationBody, employer: Any, **extra: Any) -> dict[str, Any]:
    return {"body_id": body.pk, "employer_id": employer.pk, "category": "wages", "claims": "支付拖欠工资",
            "facts": "两个月未发工资", "knew_on": (timezone.localdate() - timedelta(days=5)).isoformat(), **extra}


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
def test_the_api_refuses_a_bad_amount_with_422_and_nothing_happens(amount: str, body, worker1, client_for,  # noqa: ANN001
                                                                   django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    employer = Person.objects.get(user=worker1).employer
    before = Case.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("worker1").post("/api/v1/mediation/cases", _payload(body, employer, amount_claimed=amount),
                                              content_type="application/json")
    assert response.status_code == 422, response.content
    assert "amount_claimed" in str(response.json())
    assert Case.objects.count() == before
    assert sms.outbox == []


@pytest.mark.parametrize("amount", ["0.005", "8000", "9999999999.99"])
def test_the_api_takes_a_good_amount_and_the_parties_are_texted(amount: str, body, worker1, client_for,  # noqa: ANN001
                                                                django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """The other side of the boundary: 0.005 rounds half-up to 0.01; the ceiling itself is accepted; and the
    same request with a good amount does text someone — so the empty outbox above is a real refusal."""
    employer = Person.objects.get(user=worker1).employer
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("worker1").post("/api/v1/mediation/cases", _payload(body, employer, amount_claimed=amount),
                                              content_type="application/json")
    assert response.status_code == 201, response.content
    assert sms.outbox


@pytest.mark.parametrize("amount", ["1e30", "NaN", "Infinity", "-0.001", "0.004"])
def test_the_page_refuses_a_bad_amount_with_a_message_and_nothing_happens(amount: str, body, worker1, client_for,  # noqa: ANN001
                                                                          django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    employer = Person.objects.get(user=worker1).employer
    before = Case.objects.count()
    data = _payload(body, employer, amount_claimed=amount)
    data["body"] = data.pop("body_id")
    del data["employer_id"]  # the page takes the worker's own employer
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("worker1").post("/mediation/apply/", data)
    assert response.status_code == 200
    said = " ".join(str(m) for m in response.context["messages"])
    assert f"“{amount}”" in said and "金额" in said  # the message names what was typed
    assert Case.objects.count() == before
    assert sms.outbox == []


@pytest.mark.parametrize("amount", ["1e30", "NaN", "0.004", "-0.001"])
def test_an_agreement_payment_that_is_not_an_amount_is_refused_with_422(amount: str, new_case, client_for,  # noqa: ANN001
                                                                        mediator) -> None:  # noqa: ANN001
    case = new_case()
    response = client_for("tiaojie").put(f"/api/v1/mediation/cases/{case.pk}/agreement", {
        "terms": "单位支付工资", "payments": [{"kind": "wages", "amount": amount,
                                              "due_on": (timezone.localdate() + timedelta(days=5)).isoformat()}]},
        content_type="application/json")
    assert response.status_code == 422, response.content


@pytest.mark.parametrize(("knew_on", "created"), [("1899-12-31", False), ("1900-01-01", True)])
def test_knew_on_boundary_on_the_api(knew_on: str, created: bool, body, worker1, client_for) -> None:  # noqa: ANN001
    employer = Person.objects.get(user=worker1).employer
    response = client_for("worker1").post("/api/v1/mediation/cases", _payload(body, employer, knew_on=knew_on),
                                          content_type="application/json")
    assert response.status_code == (201 if created else 422), response.content
    assert Case.objects.filter(knew_on=knew_on).exists() is created


@pytest.mark.parametrize(("knew_on", "created"), [("1899-12-31", False), ("1900-01-01", True)])
def test_knew_on_boundary_on_the_page(knew_on: str, created: bool, body, worker1, client_for) -> None:  # noqa: ANN001
    employer = Person.objects.get(user=worker1).employer
    data = _payload(body, employer, knew_on=knew_on)
    data["body"] = data.pop("body_id")
    del data["employer_id"]  # the page takes the worker's own employer
    response = client_for("worker1").post("/mediation/apply/", data)
    assert (response.status_code == 302) is created
    assert Case.objects.filter(knew_on=knew_on).exists() is created
    if not created:
        assert "1900" in " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize(("name", "kept"), [("律师\u202e", False), ("\u200b", False), ("王\r\n律师", False),
                                            ("阿卜杜·热合曼", True)])
def test_a_party_name_goes_through_the_name_rule(name: str, kept: bool, new_case, mediator) -> None:  # noqa: ANN001
    from django.core.exceptions import ValidationError

    from gonghui.mediation import services
    from gonghui.mediation.models import Party

    case = new_case()
    if not kept:
        with pytest.raises(ValidationError):
            services.add_participant(actor=mediator, case=case, side="worker", kind="agent", name=name)
        assert not Party.objects.filter(case=case, kind="agent").exists()
    else:
        party = services.add_participant(actor=mediator, case=case, side="worker", kind="agent", name=name)
        assert party.name == name
