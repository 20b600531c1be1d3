"""The facts that move the one-year arbitration limitation (调解仲裁法 第二十七条), recorded on a case.

- 中止 (第三款): force majeure or another proper reason kept the worker from applying; the period stops from
  `starts_on` and runs on from `ends_on`, the day the cause was removed (`end_suspension` once it is known).
- 中断 (第二款): a claim to the other party, a request to a relevant department or the other party agreeing
  to perform restarts the year. The case's own application and the negotiation before it are counted
  already (`selectors.limitation_of`); these are the others, with their evidence.

Recorded by the body's staff (officials, chair, mediators) of the case; anyone else gets the one 404.
Each write is atomic, audited and written on the case's timeline.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.deadlines import local_date
from gonghui.mediation import scoping
from gonghui.mediation.models import Case, LimitationInterruption, LimitationSuspension


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _staff_case(actor: Any, case: Case) -> Case:
    scoping.cases.get_or_404(actor, case.pk, action=scoping.CHANGE)
    return Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)


def _today() -> date:
    return local_date(timezone.now())


@transaction.atomic
def record_suspension(*, actor: Any, case: Case, reason: str, starts_on: date, ends_on: date | None = None,
                      evidence: str = "") -> LimitationSuspension:
    """第二十七条第三款: record that the limitation stopped on `starts_on` (and, if known, resumed on `ends_on`)."""
    case = _staff_case(actor, case)
    _require(bool(reason.strip()), _("请写明时效中止的事由（不可抗力或者其他正当理由）。"))
    today = _today()
    _require(starts_on <= today, _("中止开始之日不能晚于今天。"))
    if ends_on is not None:
        _require(starts_on <= ends_on <= today, _("中止原因消除之日须在开始之日与今天之间。"))
    _require(not case.suspensions.filter(ends_on__isnull=True).exists(),
             _("本案已有一项尚未结束的时效中止，请先登记其原因消除之日。"))
    suspension = LimitationSuspension.objects.create(case=case, reason=reason.strip(), starts_on=starts_on,
                                                     ends_on=ends_on, evidence=evidence.strip(), recorded_by=actor)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=suspension, unit_path=case.unit.path,
                 changes={"case": case.number, "reason": suspension.reason, "starts_on": str(starts_on),
                          "ends_on": str(ends_on or "")})
    return suspension


@transaction.atomic
def end_suspension(*, actor: Any, case: Case, suspension_id: int, ends_on: date) -> LimitationSuspension:
    """The cause of a suspension was removed on `ends_on`: the limitation runs on from that day."""
    case = _staff_case(actor, case)
    suspension = LimitationSuspension.objects.select_for_update().filter(pk=suspension_id, case=case).first()
    if suspension is None:
        raise Http404
    _require(suspension.ends_on is None, _("该时效中止已登记结束。"))
    _require(suspension.starts_on <= ends_on <= _today(), _("中止原因消除之日须在开始之日与今天之间。"))
    suspension.ends_on = ends_on
    suspension.save(update_fields=["ends_on"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=suspension, unit_path=case.unit.path,
                 changes={"case": case.number, "ends_on": str(ends_on)})
    return suspension


@transaction.atomic
def record_interruption(*, actor: Any, case: Case, kind: str, occurred_on: date,
                        evidence: str = "") -> LimitationInterruption:
    """第二十七条第二款: a claim to the other party, a request to a department, or the other party agreeing to
    perform, on `occurred_on` — the year restarts from that day (if it was still running)."""
    case = _staff_case(actor, case)
    _require(kind in LimitationInterruption.Kind.values, _("请选择时效中断的事由。"))
    _require(occurred_on <= _today(), _("中断之日不能晚于今天。"))
    _require(bool(evidence.strip()), _("请写明证据（如催告函、投诉回执、对方同意履行的书面材料）。"))
    interruption = LimitationInterruption.objects.create(case=case, kind=kind, occurred_on=occurred_on,
                                                         evidence=evidence.strip(), recorded_by=actor)
    audit.record(actor=actor, action=audit.Action.CREATE, obj=interruption, unit_path=case.unit.path,
                 changes={"case": case.number, "kind": kind, "occurred_on": str(occurred_on)})
    return interruption
