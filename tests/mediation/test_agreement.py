"""The agreement binds only when both parties confirmed it, the mediator signed and the seal is on
(调解仲裁法 第十四条); agreed payments unpaid after their date open the payment order (第十六条)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.core.models import AuditEvent
from gonghui.mediation import services
from gonghui.mediation.models import Agreement, Case, MediatorSeat

from .conftest import told

S = Case.State


def _draft(case: Case, mediator, due: date, kind: str = "wages") -> Agreement:  # noqa: ANN001
    return services.draft_agreement(actor=mediator, case=case, terms="用人单位补发工资 3,000 元", payments=[
        services.PaymentTerm(kind=kind, amount="3000", due_on=due)])


def test_the_agreement_does_not_bind_until_both_parties_confirmed(accepted, mediator, worker1, hr1) -> None:  # noqa: ANN001
    case = accepted()
    _draft(case, mediator, timezone.localdate() + timedelta(days=5))
    with pytest.raises(ValidationError, match="尚未全部确认"):
        services.sign_and_seal(actor=mediator, case=case)
    services.confirm_agreement(actor=worker1, case=case)
    with pytest.raises(ValidationError, match="尚未全部确认"):
        services.sign_and_seal(actor=mediator, case=case)
    services.confirm_agreement(actor=hr1, case=case)
    agreement = services.sign_and_seal(actor=mediator, case=case)
    assert agreement.effective_at is not None and agreement.sealed_at is not None
    assert Case.objects.get(pk=case.pk).state == S.AGREED
    assert told(worker1, "已生效") and told(hr1, "已生效")


def test_a_changed_text_needs_everyones_confirmation_again(accepted, mediator, worker1, hr1) -> None:  # noqa: ANN001
    case = accepted()
    _draft(case, mediator, timezone.localdate() + timedelta(days=5))
    services.confirm_agreement(actor=worker1, case=case)
    services.confirm_agreement(actor=hr1, case=case)
    agreement = _draft(case, mediator, timezone.localdate() + timedelta(days=9))
    assert agreement.version == 2 and agreement.employer_confirmed_at is None
    assert not services.worker_side_confirmed(agreement)
    with pytest.raises(ValidationError, match="尚未全部确认"):
        services.sign_and_seal(actor=mediator, case=case)


def test_only_the_cases_mediator_signs_and_only_with_a_seal(accepted, mediator, worker1, hr1, persona, body) -> None:  # noqa: ANN001
    case = accepted()
    _draft(case, mediator, timezone.localdate() + timedelta(days=5))
    services.confirm_agreement(actor=worker1, case=case)
    services.confirm_agreement(actor=hr1, case=case)
    with pytest.raises(ValidationError, match="本案调解员"):
        services.sign_and_seal(actor=persona("beiyuanmen"), case=case)
    body.seal = None
    body.save(update_fields=["seal"])
    with pytest.raises(ValidationError, match="印章"):
        services.sign_and_seal(actor=mediator, case=case)


def test_the_agreement_pdf_downloads_only_once_effective(accepted, mediator, worker1, hr1, client_for) -> None:  # noqa: ANN001
    case = accepted()
    _draft(case, mediator, timezone.localdate() + timedelta(days=5))
    client = client_for("worker1")
    assert client.get(f"/mediation/cases/{case.pk}/agreement.pdf").status_code == 404
    services.confirm_agreement(actor=worker1, case=case)
    services.confirm_agreement(actor=hr1, case=case)
    services.sign_and_seal(actor=mediator, case=case)
    response = client.get(f"/mediation/cases/{case.pk}/agreement.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client_for("hr_meilihao").get(f"/mediation/cases/{case.pk}/review-request.pdf").status_code == 200


def test_unpaid_wages_after_the_agreed_date_open_the_payment_order(accepted, mediator, worker1, hr1, client_for) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 2, 20))
        agreement = _draft(case, mediator, date(2025, 3, 10))
        services.confirm_agreement(actor=worker1, case=case)
        services.confirm_agreement(actor=hr1, case=case)
        services.sign_and_seal(actor=mediator, case=case)
    payment = agreement.payments.get()
    with time_machine.travel("2025-03-10 18:00 +0800", tick=False), pytest.raises(ValidationError, match="未到"):
        services.report_payment(actor=worker1, case=case, payment_id=payment.pk, paid=False)  # the due day itself
    with time_machine.travel("2025-03-11 09:00 +0800", tick=False):
        services.report_payment(actor=worker1, case=case, payment_id=payment.pk, paid=False)
        page = client_for("worker1").get(f"/mediation/cases/{case.pk}/").content.decode()
        assert 'data-testid="payment-order"' in page and "支付令" in page
        guide = client_for("worker1").get(f"/mediation/cases/{case.pk}/payment-order.pdf")
    assert guide.status_code == 200 and guide.content.startswith(b"%PDF")


def test_a_sum_of_another_kind_gives_no_payment_order(accepted, mediator, worker1, hr1, client_for) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 2, 20))
        agreement = _draft(case, mediator, date(2025, 3, 10), kind="other")
        services.confirm_agreement(actor=worker1, case=case)
        services.confirm_agreement(actor=hr1, case=case)
        services.sign_and_seal(actor=mediator, case=case)
    with time_machine.travel("2025-03-12 09:00 +0800", tick=False):
        services.report_payment(actor=worker1, case=case, payment_id=agreement.payments.get().pk, paid=False)
        page = client_for("worker1").get(f"/mediation/cases/{case.pk}/").content.decode()
        assert 'data-testid="payment-order"' not in page
        assert client_for("worker1").get(f"/mediation/cases/{case.pk}/payment-order.pdf").status_code == 404


def test_a_mediator_employed_by_the_employer_must_step_aside(accepted, mediator, persona, employer1, body) -> None:  # noqa: ANN001
    case = accepted()
    official = persona("beiyuanmen")
    services.add_mediator(actor=official, body=body, user=official, employer=employer1)
    with pytest.raises(ValidationError, match="应当回避"):
        services.assign_mediator(actor=official, case=case, mediator=official, declaration="无利害关系", reason="调整")
    MediatorSeat.objects.filter(user=official).update(employer=None)
    with pytest.raises(ValidationError, match="更换调解员须写明理由"):
        services.assign_mediator(actor=official, case=case, mediator=official, declaration="无利害关系")
    services.assign_mediator(actor=official, case=case, mediator=official, declaration="无利害关系", reason="原调解员休假")
    assert Case.objects.get(pk=case.pk).mediator == official
    assert AuditEvent.objects.filter(object_type="mediation.case", object_id=str(case.pk),
                                     changes__action="reassign").exists()


def test_the_joint_review_request_prints_for_fifteen_days_after_effect(accepted, mediator, worker1, hr1,
                                                                       client_for) -> None:  # noqa: ANN001
    # 协商调解规定: effective 3 March 2025 → the last day to ask jointly is 18 March.
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 2, 20))
        _draft(case, mediator, date(2025, 3, 10))
        services.confirm_agreement(actor=worker1, case=case)
        services.confirm_agreement(actor=hr1, case=case)
        services.sign_and_seal(actor=mediator, case=case)
    with time_machine.travel("2025-03-18 20:00 +0800", tick=False):
        assert client_for("worker1").get(f"/mediation/cases/{case.pk}/review-request.pdf").status_code == 200
        assert "打印仲裁审查申请书" in client_for("worker1").get(f"/mediation/cases/{case.pk}/").content.decode()
    with time_machine.travel("2025-03-19 09:00 +0800", tick=False):
        assert client_for("worker1").get(f"/mediation/cases/{case.pk}/review-request.pdf").status_code == 404
        assert "共同申请仲裁审查的期限已于" in client_for("worker1").get(f"/mediation/cases/{case.pk}/").content.decode()
