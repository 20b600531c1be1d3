"""Mediation bodies and their rosters (调解仲裁法 第十条)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gonghui.core import attachments, audit
from gonghui.mediation import scoping
from gonghui.mediation.models import (
    MediationBody,
    MediatorSeat,
)
from gonghui.orgs.models import Enterprise, Unit, User

# --- mediation bodies and their rosters ---

@transaction.atomic
def create_body(*, actor: Any, unit: Unit, name: str, kind: str, arbitration_commission: str,
                enterprise: Enterprise | None = None, address: str = "", phone: str = "") -> MediationBody:
    from gonghui.orgs import scoping as org_scoping

    unit = org_scoping.units.get_or_404(actor, unit.pk, action=org_scoping.CHANGE)
    if kind not in MediationBody.Kind.values:
        raise ValidationError({"kind": _("请选择调解组织的类型。")})
    if not name.strip() or not arbitration_commission.strip():
        raise ValidationError(_("请填写调解组织名称和管辖的劳动人事争议仲裁委员会。"))
    if kind == MediationBody.Kind.ENTERPRISE and enterprise is None:
        raise ValidationError({"enterprise": _("企业劳动争议调解委员会须指明所在企业。")})
    body = MediationBody.objects.create(unit=unit, province_id=unit.province_id, name=name.strip()[:100], kind=kind,
                                        enterprise=enterprise, arbitration_commission=arbitration_commission.strip()[:100],
                                        address=address[:200], phone=phone[:30])
    audit.record(actor=actor, action=audit.Action.CREATE, obj=body, unit_path=unit.path,
                 changes={"name": body.name, "kind": kind})
    return body


@transaction.atomic
def add_mediator(*, actor: Any, body: MediationBody, user: User, employer: Enterprise | None = None) -> MediatorSeat:
    """Put a mediator on the roster. They must hold a role at the body's union, so that they reach its cases."""
    body = scoping.bodies.get_or_404(actor, body.pk, action=scoping.CHANGE)
    if not user.active_roles() or not any(
            a.role in scoping.STAFF and body.unit.path.startswith(a.unit.path) for a in user.active_roles()):
        raise ValidationError(_("%(name)s 在本调解组织所在工会没有调解员或干部角色，请先授予“调解员”角色。")
                              % {"name": user})
    seat, _created = MediatorSeat.objects.update_or_create(body=body, user=user,
                                                          defaults={"employer": employer, "active": True})
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=body, unit_path=body.unit.path,
                 changes={"mediator_added": user.get_username()})
    return seat


@transaction.atomic
def set_seal(*, actor: Any, body: MediationBody, upload: Any) -> MediationBody:
    body = scoping.bodies.get_or_404(actor, body.pk, action=scoping.CHANGE)
    try:
        content_type, _ext = attachments.check(upload)
    except attachments.AttachmentRefused as exc:
        raise ValidationError(str(exc)) from exc
    if not content_type.startswith("image/") or content_type == "image/heic":
        raise ValidationError(_("印章请上传 PNG 或 JPG 图片（透明底的 PNG 最好）。"))
    body.seal = attachments.save(actor=actor, upload=upload, owner_type="mediation.body", owner_id=body.pk,
                                 unit_path=body.unit.path, label="印章")
    body.save(update_fields=["seal"])
    audit.record(actor=actor, action=audit.Action.UPDATE, obj=body, unit_path=body.unit.path,
                 changes={"seal": body.seal.sha256[:12]})
    return body
