"""Negotiation before mediation (协商, 调解仲裁法 第四条; 协商调解规定)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.deadlines import add_days
from gonghui.core.notify import notify
from gonghui.mediation import rules, scoping
from gonghui.mediation.models import (
    Negotiation,
    Side,
)
from gonghui.mediation.services._common import (
    _check_category,
    _holders,
    _require,
    _today,
    employer_users,
)
from gonghui.orgs.models import Enterprise, Person, Role

# --- negotiation before mediation (协商) ---

@transaction.atomic
def request_negotiation(*, actor: Any, person: Person, employer: Enterprise, category: str, claims: str,
                        union_assist: bool = False) -> Negotiation:
    """调解仲裁法 第四条: the worker asks the employer to negotiate, alone or with the union's help."""
    if getattr(person, "user_id", None) != actor.pk:
        raise Http404
    _check_category(category)
    _require(bool(claims.strip()), _("请写明协商请求。"))
    today = _today()
    negotiation = Negotiation.objects.create(
        person=person, requested_by=actor, employer=employer, unit=employer.unit, province_id=employer.province_id,
        category=category, claims=claims.strip(), union_assist=union_assist,
        # 协商调解规定: an employer that does not answer within 5 days is taken to refuse (rolled end).
        reply_due_on=add_days(today, rules.NEGOTIATION_REPLY_DAYS))
    audit.record(actor=actor, action=audit.Action.CREATE, obj=negotiation, unit_path=employer.unit.path,
                 subject_user_id=actor.pk, changes={"employer": employer.name, "union_assist": union_assist})
    url = reverse("mediation:negotiation", args=[negotiation.pk])
    notify(employer_users(employer), _("职工%(name)s请求就“%(cat)s”与贵单位协商，请于 %(due)s 前回应；逾期视为不愿协商。")
           % {"name": person.name, "cat": negotiation.get_category_display(), "due": negotiation.reply_due_on}, url=url)
    if union_assist:
        notify(_holders((Role.OFFICIAL, Role.CHAIR), unit=employer.unit),
               _("职工%(name)s请工会参与与%(employer)s的协商。") % {"name": person.name, "employer": employer.name}, url=url)
    return negotiation


def _negotiation_party(actor: Any, negotiation: Negotiation) -> tuple[Negotiation, str]:
    scoping.negotiations.get_or_404(actor, negotiation.pk, action=scoping.PARTY)
    negotiation = Negotiation.objects.select_for_update(of=("self",)).select_related("person", "employer") \
        .get(pk=negotiation.pk)
    if negotiation.employer_id in actor.represented_enterprise_ids():
        return negotiation, Side.EMPLOYER
    return negotiation, Side.WORKER


def _expire_negotiation(negotiation: Negotiation, today: date) -> bool:
    if negotiation.state == Negotiation.State.REQUESTED and today > negotiation.reply_due_on:
        negotiation.state = Negotiation.State.DEEMED_REFUSED
        negotiation.save(update_fields=["state"])
        return True
    return False


def answer_negotiation(*, actor: Any, negotiation: Negotiation, agree: bool, answer: str = "") -> Negotiation:
    with transaction.atomic():  # a late answer finds the request already deemed refused, and that stays
        late, side = _negotiation_party(actor, negotiation)
        expired = _expire_negotiation(late, _today())
    if expired:
        raise ValidationError(_("回应期限（%(due)s）已过，已视为不愿协商。") % {"due": late.reply_due_on})
    _require(side == Side.EMPLOYER, _("只有用人单位一方可以回应协商请求。"))
    return _answer_negotiation(actor, negotiation, agree, answer)


@transaction.atomic
def _answer_negotiation(actor: Any, negotiation: Negotiation, agree: bool, answer: str) -> Negotiation:
    negotiation, _side = _negotiation_party(actor, negotiation)
    _require(negotiation.state == Negotiation.State.REQUESTED, _("该协商请求已经回应过。"))
    negotiation.state = Negotiation.State.TALKING if agree else Negotiation.State.REFUSED
    negotiation.answered_at, negotiation.answer = timezone.now(), answer.strip()
    negotiation.save(update_fields=["state", "answered_at", "answer"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=negotiation, unit_path=negotiation.unit.path,
                 changes={"state": negotiation.state})
    notify([negotiation.requested_by], _("%(employer)s%(what)s协商。") % {
        "employer": negotiation.employer.name, "what": _("同意") if agree else _("不同意")},
        url=reverse("mediation:negotiation", args=[negotiation.pk]))
    return negotiation


@transaction.atomic
def write_settlement(*, actor: Any, negotiation: Negotiation, terms: str) -> Negotiation:
    """The settlement's text (和解协议); changing it voids the signatures given to the earlier text."""
    negotiation, _side = _negotiation_party(actor, negotiation)
    _require(negotiation.state == Negotiation.State.TALKING, _("只有协商中的事项可以拟定和解协议。"))
    _require(bool(terms.strip()), _("请写明和解协议的内容。"))
    negotiation.settlement = terms.strip()
    negotiation.worker_signed_at = negotiation.employer_signed_at = None
    negotiation.save(update_fields=["settlement", "worker_signed_at", "employer_signed_at"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=negotiation, unit_path=negotiation.unit.path,
                 changes={"settlement": "drafted"})
    return negotiation


@transaction.atomic
def sign_settlement(*, actor: Any, negotiation: Negotiation) -> Negotiation:
    """Each side signs; with both signatures the settlement binds both (协商调解规定)."""
    negotiation, side = _negotiation_party(actor, negotiation)
    _require(negotiation.state == Negotiation.State.TALKING and bool(negotiation.settlement),
             _("还没有可签署的和解协议。"))
    now = timezone.now()
    if side == Side.EMPLOYER:
        negotiation.employer_signed_at = negotiation.employer_signed_at or now
    else:
        negotiation.worker_signed_at = negotiation.worker_signed_at or now
    if negotiation.worker_signed_at and negotiation.employer_signed_at:
        negotiation.state, negotiation.settled_at = Negotiation.State.SETTLED, now
    negotiation.save(update_fields=["worker_signed_at", "employer_signed_at", "state", "settled_at"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=negotiation, unit_path=negotiation.unit.path,
                 changes={"signed_by": side, "state": negotiation.state})
    return negotiation


@transaction.atomic
def end_negotiation(*, actor: Any, negotiation: Negotiation) -> Negotiation:
    """Either side says the talks failed (协商不成): the worker may then apply for mediation."""
    negotiation, _side = _negotiation_party(actor, negotiation)
    _require(negotiation.state in Negotiation.OPEN, _("该协商已经结束。"))
    negotiation.state = Negotiation.State.FAILED
    negotiation.save(update_fields=["state"])
    audit.record(actor=actor, action=audit.Action.TRANSITION, obj=negotiation, unit_path=negotiation.unit.path,
                 changes={"state": negotiation.state})
    return negotiation
