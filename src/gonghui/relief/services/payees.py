"""Payee accounts: money goes only to an account on the payee's file that the union verified, and a payment or
an application is re-routed to another account only when a second official approves (the payee is told).

The ledger (`gonghui.core.ledger`) enforces the account rules for every entry; these services add what only
relief knows: the person's file, the application, and whom to tell.
"""

from __future__ import annotations

import contextlib
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gonghui.core import ledger, sms
from gonghui.core.masking import mask_bank_account
from gonghui.core.models import AccountChange, AccountVerification, PaymentEntry
from gonghui.core.notify import notify
from gonghui.orgs.models import Person, User
from gonghui.relief.models import Application, Step

APPLICATION = "relief.application:"
ENTRY = "ledger.entry:"
# After submission and before the money is handed to the ledger, an application's account changes only this way.
CHANGEABLE = (Application.State.SUBMITTED, Application.State.RETURNED, Application.State.NOTICE,
              Application.State.APPROVED)


def _refused(exc: ledger.LedgerError) -> ValidationError:
    return ValidationError(str(exc))


def tell_payee(person: Person, text: str, *, key: str = "") -> None:
    """The payee hears of it: inbox and text message on their account, or a text to the phone on file."""
    if person.user_id is not None:
        notify([person.user], text, key=key)
    elif person.phone:
        transaction.on_commit(partial(_text, person.phone, text))


def _text(phone: str, text: str) -> None:
    with contextlib.suppress(sms.SmsError):  # no inbox to fall back on; the audit log and the change remain
        sms.send(phone, f"【工会】{text}")


@transaction.atomic
def verify_payee_account(*, actor: User, person: Person, how: str) -> AccountVerification:
    """The union confirms the account on the person's file belongs to them (how: what was seen)."""
    if person.user_id is not None and person.user_id == actor.pk:
        raise ValidationError(_("不能核实自己的收款账号，请由另一位工作人员核实。"))
    if not person.bank_account:
        raise ValidationError(_("%(name)s 的档案中没有登记收款账号。") % {"name": person.name})
    try:
        verification = ledger.verify_account(actor=actor, person_id=person.pk, account=person.bank_account, how=how,
                                             unit_path=person.unit.path)
    except ledger.LedgerError as exc:
        raise _refused(exc) from exc
    tell_payee(person, _("工会已核实您的收款账号 %(a)s。如非本人账号，请立即联系工会。")
               % {"a": mask_bank_account(person.bank_account)}, key=f"account-verified:{verification.pk}")
    return verification


@transaction.atomic
def request_application_account_change(*, actor: User, application: Application, account: str,
                                       reason: str) -> AccountChange:
    """Ask to pay a submitted application to another account; it stays as it is until a second official approves."""
    application = Application.objects.select_for_update(of=("self",)).select_related("person", "unit").get(
        pk=application.pk)
    if application.state not in CHANGEABLE:
        raise ValidationError(_("这份申请当前为“%(state)s”，不能变更收款账号。")
                              % {"state": application.get_state_display()})
    try:
        change = ledger.request_account_change(actor=actor, person_id=application.person_id,
                                               target=f"{APPLICATION}{application.pk}", account=account,
                                               reason=reason, unit_path=application.unit.path)
    except ledger.LedgerError as exc:
        raise _refused(exc) from exc
    Step.objects.create(application=application, actor=actor, unit=application.current_unit, action="account",
                        from_state=application.state, to_state=application.state,
                        reason=_("申请变更收款账号为 %(a)s，待另一位工作人员复核") % {"a": mask_bank_account(account)})
    tell_payee(application.person, _("有人申请把您的救助申请 %(n)s 的收款账号改为 %(a)s，复核通过前不会生效。"
                                     "如非本人要求，请立即联系工会。")
               % {"n": application.number, "a": mask_bank_account(change.bank_account)},
               key=f"account-change:{change.pk}")
    return change


@transaction.atomic
def request_payment_account_change(*, actor: User, entry: PaymentEntry, account: str,
                                   reason: str) -> AccountChange:
    """Ask to pay a pending or failed payment to another account; nothing moves until a second official approves."""
    try:
        change = ledger.request_account_change(actor=actor, person_id=entry.payee_person_id,
                                               target=f"{ENTRY}{entry.pk}", account=account, reason=reason,
                                               unit_path=entry.unit_path, entry=entry)
    except ledger.LedgerError as exc:
        raise _refused(exc) from exc
    person = Person.objects.filter(pk=entry.payee_person_id).first()
    if person is not None:
        tell_payee(person, _("有人申请把支付 %(n)s（%(amount)s 元）的收款账号改为 %(a)s，复核通过前不会生效。"
                             "如非本人要求，请立即联系工会。")
                   % {"n": entry.number, "amount": entry.amount, "a": mask_bank_account(change.bank_account)},
                   key=f"account-change:{change.pk}")
    return change


@transaction.atomic
def decide_account_change(*, actor: User, change: AccountChange, approve: bool,
                          note: str = "") -> PaymentEntry | None:
    """A second official (never the one who asked) approves or refuses an account change; the payee is told.

    Approving a payment's change reverses the entry and issues it again to the new account, which must be on the
    payee's file and verified; approving an application's change sets its account (same condition at payment).
    """
    try:
        new_entry = ledger.decide_account_change(actor=actor, change=change, approve=approve, note=note)
    except ledger.LedgerError as exc:
        raise _refused(exc) from exc
    change.refresh_from_db()
    application = None
    if change.target.startswith(APPLICATION):
        application = Application.objects.select_for_update(of=("self",)).get(pk=int(change.target[len(APPLICATION):]))
    elif new_entry is not None and new_entry.purpose_ref.startswith(APPLICATION):
        application = Application.objects.select_for_update(of=("self",)).filter(
            pk=int(new_entry.purpose_ref[len(APPLICATION):])).first()
    if application is not None and approve:
        if change.target.startswith(APPLICATION) and application.state not in CHANGEABLE:
            raise ValidationError(_("这份申请当前为“%(state)s”，不能变更收款账号。")
                                  % {"state": application.get_state_display()})
        application.bank_account, application.bank_hash = change.bank_account, change.bank_hash
        fields = ["bank_account", "bank_hash"]
        if new_entry is not None:
            application.payment_key = new_entry.idempotency_key
            fields.append("payment_key")
        application.save(update_fields=fields)
        Step.objects.create(application=application, actor=actor, unit=application.current_unit, action="account",
                            from_state=application.state, to_state=application.state,
                            reason=_("收款账号变更为 %(a)s，已复核") % {"a": mask_bank_account(change.bank_account)})
    person = Person.objects.filter(pk=change.person_id_ref).first()
    if person is not None:
        if approve:
            text = _("您的收款账号已变更为 %(a)s（%(t)s）。如非本人要求，请立即联系工会。")
        else:
            text = _("把收款账号改为 %(a)s 的申请（%(t)s）未获批准。")
        tell_payee(person, text % {"a": mask_bank_account(change.bank_account), "t": _target_label(change)},
                   key=f"account-decided:{change.pk}")
    return new_entry


def _target_label(change: AccountChange) -> str:
    if change.target.startswith(APPLICATION):
        return _("救助申请 JZ%(n)07d") % {"n": int(change.target[len(APPLICATION):])}
    return _("支付 P%(n)08d") % {"n": int(change.target[len(ENTRY):])}
