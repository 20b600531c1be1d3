"""The mediation agreement: drafting, confirmations, signature and seal, agreed payments (调解仲裁法 第十四条、第十六条)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.deadlines import add_days
from gonghui.core.money import BadAmount, positive_yuan
from gonghui.core.notify import notify
from gonghui.mediation import rules
from gonghui.mediation.models import (
    AgreedPayment,
    Agreement,
    Case,
    Party,
    Side,
    WorkerConfirmation,
)
from gonghui.mediation.services._common import (
    A,
    S,
    _case_url,
    _party_case,
    _present,
    _require,
    _staff_case,
    _step,
    _tell_parties,
    _today,
    staff_users,
)

# --- the agreement ---

@dataclass(frozen=True)
class PaymentTerm:
    kind: str
    amount: Any
    due_on: date


@transaction.atomic
def draft_agreement(*, actor: Any, case: Case, terms: str, payments: Iterable[PaymentTerm] = ()) -> Agreement:
    """Write (or rewrite) the agreement. A new text needs everyone's confirmation again."""
    case = _staff_case(actor, case)
    _require(case.state == S.ACCEPTED, _("只有调解中的案件可以拟定调解协议。"))
    _require(bool(terms.strip()), _("请写明协议内容。"))
    rows = []
    for term in payments:
        _require(term.kind in AgreedPayment.Kind.values, _("请选择款项类别。"))
        try:
            amount = positive_yuan(term.amount)
        except BadAmount as exc:
            raise ValidationError(str(exc)) from exc
        _require(term.due_on >= _today(), _("约定支付日期不能早于今天。"))
        rows.append((term.kind, amount, term.due_on))
    agreement = Agreement.objects.select_for_update().filter(case=case).first()
    if agreement is None:
        agreement = Agreement.objects.create(case=case, terms=terms.strip())
    else:
        _require(agreement.effective_at is None, _("协议已生效，不能修改。"))
        agreement.terms, agreement.version = terms.strip(), agreement.version + 1
        agreement.employer_confirmed_at = agreement.employer_confirmed_by = None
        agreement.mediator_signed_at = agreement.mediator_signed_by = agreement.sealed_at = None
        agreement.save()
        agreement.payments.all().delete()
    AgreedPayment.objects.bulk_create([AgreedPayment(agreement=agreement, kind=k, amount=a, due_on=d)
                                       for k, a, d in rows])
    _step(case, actor, A.DRAFT, reason=_("第 %(v)d 稿") % {"v": agreement.version})
    _tell_parties(case, _("%(no)s：调解协议（第 %(v)d 稿）已拟定，请阅读后在线确认。") % {"no": case.number,
                                                                           "v": agreement.version})
    return agreement


def required_worker_parties(case: Case) -> list[Party]:
    """Who must confirm for the worker side: the chosen representatives if any (调解仲裁法 第七条), else every worker."""
    workers = list(case.parties.filter(kind=Party.Kind.WORKER).select_related("person"))
    chosen = [p for p in workers if p.representative]
    return chosen or workers


def worker_side_confirmed(agreement: Agreement) -> bool:
    confirmed = set(agreement.worker_confirmations.filter(version=agreement.version).values_list("party_id", flat=True))
    return all(p.pk in confirmed for p in required_worker_parties(agreement.case))


@transaction.atomic
def confirm_agreement(*, actor: Any, case: Case) -> Agreement:
    """A party confirms the agreement's current text online (its signature, 调解仲裁法 第十四条)."""
    case, sides = _party_case(actor, case)
    _require(bool(sides), _("只有当事人可以确认调解协议。"))
    _require(case.state == S.ACCEPTED, _("案件不在调解中。"))
    agreement = _present(Agreement.objects.select_for_update().filter(case=case).first(), _("还没有调解协议。"))
    now = timezone.now()
    if Side.EMPLOYER in sides:
        _require(agreement.employer_confirmed_at is None, _("用人单位已确认本稿。"))
        agreement.employer_confirmed_at, agreement.employer_confirmed_by = now, actor
        agreement.save(update_fields=["employer_confirmed_at", "employer_confirmed_by"])
        who = _("用人单位")
    else:
        mine = _present(case.parties.filter(Q(user=actor) | Q(person__user=actor), kind=Party.Kind.WORKER).first(),
                        _("只有申请人本人可以确认（代理人不能代为确认）。"))
        _require(not agreement.worker_confirmations.filter(party=mine, version=agreement.version).exists(),
                 _("您已确认本稿。"))
        WorkerConfirmation.objects.create(agreement=agreement, party=mine, version=agreement.version, at=now)
        who = mine.name
    _step(case, actor, A.CONFIRM, reason=_("%(who)s 确认第 %(v)d 稿") % {"who": who, "v": agreement.version})
    if agreement.employer_confirmed_at and worker_side_confirmed(agreement):
        notify(staff_users(case), _("%(no)s：双方已确认调解协议，请调解员签名并加盖印章。") % {"no": case.number},
               url=_case_url(case))
    return agreement


@transaction.atomic
def sign_and_seal(*, actor: Any, case: Case) -> Agreement:
    """调解仲裁法 第十四条: the agreement takes effect when both parties have signed, the mediator has signed and
    the body's seal is applied. Here the mediator signs and seals once both parties have confirmed."""
    case = _staff_case(actor, case)
    _require(case.state == S.ACCEPTED, _("案件不在调解中。"))
    _require(case.mediator_id == actor.pk, _("须由本案调解员签名。"))
    agreement = _present(Agreement.objects.select_for_update().filter(case=case).first(), _("还没有调解协议。"))
    _require(agreement.employer_confirmed_at is not None and worker_side_confirmed(agreement),
             _("双方当事人尚未全部确认本稿协议，协议不能生效。"))
    _require(case.body.seal_id is not None, _("调解组织尚未上传印章图片，无法加盖印章。"))
    now = timezone.now()
    agreement.mediator_signed_at, agreement.mediator_signed_by = now, actor
    agreement.sealed_at = agreement.effective_at = now
    agreement.save()
    case.closed_at = now
    case.save(update_fields=["closed_at"])
    _step(case, actor, A.SEAL, to=S.AGREED)
    case.save(update_fields=["state"])
    review_until = add_days(now, rules.REVIEW_DAYS)
    _tell_parties(case, _("调解协议 %(no)s 已生效，对双方具有约束力。双方可于 %(until)s 前共同申请仲裁审查。")
                  % {"no": case.number, "until": review_until})
    return agreement


@transaction.atomic
def report_payment(*, actor: Any, case: Case, payment_id: int, paid: bool, paid_on: date | None = None) -> AgreedPayment:
    """The worker says whether an agreed sum was paid. Unpaid after its date, a payment order may follow
    (调解仲裁法 第十六条)."""
    case, sides = _party_case(actor, case)
    _require(Side.WORKER in sides, _("由劳动者一方报告款项是否支付。"))
    _require(case.state == S.AGREED, _("协议尚未生效。"))
    payment = AgreedPayment.objects.select_for_update().filter(pk=payment_id, agreement__case=case).first()
    if payment is None:
        raise Http404
    today = _today()
    if paid:
        paid_on = paid_on or today
        _require(paid_on <= today, _("支付日期不能晚于今天。"))
        payment.paid_on = paid_on
        payment.save(update_fields=["paid_on"])
        _step(case, actor, A.PAID, reason=f"{payment} {paid_on}")
    else:
        _require(payment.paid_on is None, _("该款项已报告支付。"))
        _require(today > payment.due_on, _("约定的支付日期（%(due)s）未到。") % {"due": payment.due_on})
        payment.reported_unpaid_at = timezone.now()
        payment.save(update_fields=["reported_unpaid_at"])
        _step(case, actor, A.UNPAID, reason=str(payment))
        notify(staff_users(case), _("%(no)s：%(p)s 逾期未支付。") % {"no": case.number, "p": payment}, url=_case_url(case))
    return payment
