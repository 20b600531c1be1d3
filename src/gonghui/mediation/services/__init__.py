"""Every write of mediation, one function per use case, each atomic, audited and stamped on the timeline.

Split by aggregate — `negotiation` (协商), `case` (application to closing, and the clocks), `agreement` (调解协议),
`bodies` (调解组织) — with what they share in `_common`. The public names stay importable from here.
New limitation facts (中止, 中断) are in `gonghui.mediation.suspensions`.

Statute: 劳动争议调解仲裁法 ("调解仲裁法"); enterprise rules: 企业劳动争议协商调解规定 ("协商调解规定").
"""

from gonghui.mediation.services._common import (
    MAX_EXTENSION_DAYS,
    district_of,
    employer_users,
    staff_users,
    worker_users,
)
from gonghui.mediation.services.agreement import (
    PaymentTerm,
    confirm_agreement,
    draft_agreement,
    report_payment,
    required_worker_parties,
    sign_and_seal,
    worker_side_confirmed,
)
from gonghui.mediation.services.bodies import add_mediator, create_body, set_seal
from gonghui.mediation.services.case import (
    Applicant,
    acknowledge_warning,
    add_participant,
    add_workers,
    agree_extension,
    answer_mediation,
    apply_clocks,
    apply_online,
    assign_mediator,
    attach_party_link,
    bodies_for_dispute,
    cancel_session,
    confirm_record,
    decide_acceptance,
    end_not_mediated,
    post_message,
    propose_extension,
    record_minutes,
    record_oral_application,
    run_clocks,
    schedule_session,
    withdraw,
)
from gonghui.mediation.services.negotiation import (
    answer_negotiation,
    end_negotiation,
    request_negotiation,
    sign_settlement,
    write_settlement,
)

__all__ = [
    "MAX_EXTENSION_DAYS", "Applicant", "PaymentTerm", "acknowledge_warning", "add_mediator", "add_participant",
    "add_workers", "agree_extension", "answer_mediation", "answer_negotiation", "apply_clocks", "apply_online",
    "assign_mediator", "attach_party_link", "bodies_for_dispute", "cancel_session", "confirm_agreement",
    "confirm_record", "create_body", "decide_acceptance", "district_of", "draft_agreement", "employer_users",
    "end_negotiation", "end_not_mediated", "post_message", "propose_extension", "record_minutes",
    "record_oral_application", "report_payment", "request_negotiation", "required_worker_parties", "run_clocks",
    "schedule_session", "set_seal", "sign_and_seal", "sign_settlement", "staff_users", "withdraw",
    "worker_side_confirmed", "worker_users", "write_settlement",
]
