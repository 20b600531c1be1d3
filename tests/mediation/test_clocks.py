"""The clocks of mediation, each tested on both sides of its boundary day.

Expected dates are worked out by hand from the State Council's holiday notices (2024: National Day
1–7 October off, Sunday 29 September a working day) and the articles cited in `gonghui.mediation.rules`.
"""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from gonghui.core.models import CalendarDay
from gonghui.mediation import selectors, services
from gonghui.mediation.models import Case, Negotiation
from gonghui.orgs.models import Person

from .conftest import told

S = Case.State


def test_acceptance_deadline_counts_three_working_days_across_a_weekend_and_national_day(new_case) -> None:  # noqa: ANN001
    # Received Friday 27 Sep 2024: Sat 28 off, Sun 29 working (1), Mon 30 (2), 1–7 Oct holiday, Tue 8 Oct (3).
    with time_machine.travel("2024-09-27 16:00 +0800", tick=False):
        case = new_case(knew_on=date(2024, 9, 20))
    assert case.accept_due_on == date(2024, 10, 8)


def test_acceptance_deadline_over_a_plain_weekend(new_case) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-07 09:00 +0800", tick=False):  # a Friday: Mon 10, Tue 11, Wed 12
        case = new_case(knew_on=date(2025, 3, 1))
    assert case.accept_due_on == date(2025, 3, 12)


def test_a_local_holiday_entered_by_an_official_moves_the_deadline(new_case) -> None:  # noqa: ANN001
    CalendarDay.objects.create(day=date(2025, 3, 11), working=False, note="地方性假日（测试）")
    with time_machine.travel("2025-03-07 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2025, 3, 1))
    assert case.accept_due_on == date(2025, 3, 13)


def test_acceptance_overdue_only_after_its_last_day(new_case, mediator) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-07 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2025, 3, 1))
    services.run_clocks(date(2025, 3, 12))
    assert not told(mediator, "已超过受理决定期限")
    assert case not in selectors.overdue(mediator, date(2025, 3, 12))["acceptance"]
    services.run_clocks(date(2025, 3, 13))
    assert told(mediator, "已超过受理决定期限")
    assert case in selectors.overdue(mediator, date(2025, 3, 13))["acceptance"]


def test_acceptance_needs_the_employers_consent_and_a_reason_to_refuse(new_case, mediator, hr1) -> None:  # noqa: ANN001
    case = new_case()
    with pytest.raises(ValidationError, match="用人单位尚未同意调解"):
        services.decide_acceptance(actor=mediator, case=case, accept=True, in_scope=True)
    with pytest.raises(ValidationError, match="写明理由"):
        services.decide_acceptance(actor=mediator, case=case, accept=False)
    services.answer_mediation(actor=hr1, case=case, agree=True)
    with pytest.raises(ValidationError, match="受理范围"):
        services.decide_acceptance(actor=mediator, case=case, accept=True)
    case = services.decide_acceptance(actor=mediator, case=case, accept=True, in_scope=True)
    assert case.state == S.ACCEPTED


def test_an_oral_application_is_confirmed_by_the_applicant_before_acceptance(body, mediator, hr1, employer1) -> None:  # noqa: ANN001
    person = Person.objects.filter(employer=employer1, user__isnull=True).exclude(
        pk__in=Case.objects.values("parties__person")).first()
    case = services.record_oral_application(
        actor=mediator, body=body, employer=employer1, category="wages", claims="支付工资", facts="未发工资",
        knew_on=timezone.localdate() - timedelta(days=3),
        applicants=[services.Applicant(name=person.name, id_number=person.id_number)])
    assert case.channel == Case.Channel.ORAL and case.recorded_by == mediator
    services.answer_mediation(actor=hr1, case=case, agree=True)
    with pytest.raises(ValidationError, match="尚未经申请人确认"):
        services.decide_acceptance(actor=mediator, case=case, accept=True, in_scope=True)
    services.confirm_record(actor=mediator, case=case, in_person_by_staff=True)
    assert services.decide_acceptance(actor=mediator, case=case, accept=True, in_scope=True).state == S.ACCEPTED


def test_mediation_closes_as_not_mediated_the_day_after_its_fifteen_days(accepted, worker1, hr1) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 2, 20))
    assert case.accepted_on == date(2025, 3, 3)
    assert case.mediation_ends_on == date(2025, 3, 18)
    services.run_clocks(date(2025, 3, 18))
    assert Case.objects.get(pk=case.pk).state == S.ACCEPTED
    services.run_clocks(date(2025, 3, 19))
    case.refresh_from_db()
    assert case.state == S.NOT_MEDIATED and case.closed_at is not None
    assert told(worker1, "调解不成") and told(hr1, "调解不成")


def test_both_parties_extend_the_period_one_side_alone_does_not(accepted, worker1, hr1, mediator) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 2, 20))
    with time_machine.travel("2025-03-17 09:00 +0800", tick=False):
        services.propose_extension(actor=worker1, case=case, days=10)
        assert Case.objects.get(pk=case.pk).mediation_ends_on == date(2025, 3, 18)  # the worker alone: no change
        with pytest.raises(Http404):  # the mediator proposes, but only the parties agree
            services.agree_extension(actor=mediator, case=case)
        services.agree_extension(actor=hr1, case=case)
    case.refresh_from_db()
    assert case.mediation_ends_on == date(2025, 3, 28)
    services.run_clocks(date(2025, 3, 19))
    assert Case.objects.get(pk=case.pk).state == S.ACCEPTED
    services.run_clocks(date(2025, 3, 29))
    assert Case.objects.get(pk=case.pk).state == S.NOT_MEDIATED


def test_no_extension_once_the_period_has_run_out(accepted, worker1) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        case = accepted(knew_on=date(2025, 2, 20))
    with time_machine.travel("2025-03-19 09:00 +0800", tick=False), pytest.raises(ValidationError, match="期限已过"):
        services.propose_extension(actor=worker1, case=case, days=5)


def test_arbitration_opens_fifteen_days_after_receipt_whatever_the_body_does(new_case, worker1, hr1) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        case = new_case(knew_on=date(2025, 2, 20))  # never accepted: the statute's clock runs anyway
    assert case.arbitration_open_on == date(2025, 3, 19)
    services.run_clocks(date(2025, 3, 18))
    assert not told(worker1, "已满十五日")
    services.run_clocks(date(2025, 3, 19))
    assert told(worker1, "西安市莲湖区劳动人事争议仲裁委员会") and told(hr1, "双方均可依法")
    services.run_clocks(date(2025, 3, 20))  # said once
    assert worker1.notifications.filter(text__contains="已满十五日").count() == 1


def test_an_employer_that_does_not_answer_in_five_days_refuses_to_negotiate(worker1, hr1, employer1) -> None:  # noqa: ANN001
    person = Person.objects.get(user=worker1)
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        negotiation = services.request_negotiation(actor=worker1, person=person, employer=employer1,
                                                   category="wages", claims="补发工资")
    # 3 + 5 = 8 March 2025, a Saturday: the period ends on Monday 10 March (民法典 第二百零三条)
    assert negotiation.reply_due_on == date(2025, 3, 10)
    assert told(hr1, "请求就")
    services.run_clocks(date(2025, 3, 10))
    assert Negotiation.objects.get(pk=negotiation.pk).state == Negotiation.State.REQUESTED
    with time_machine.travel("2025-03-10 20:00 +0800", tick=False):
        services.answer_negotiation(actor=hr1, negotiation=negotiation, agree=True)  # the last day still counts
    with time_machine.travel("2025-03-09 09:00 +0800", tick=False):
        late = services.request_negotiation(actor=worker1, person=person, employer=employer1, category="wages",
                                            claims="另一项")
    with time_machine.travel("2025-03-15 09:00 +0800", tick=False), pytest.raises(ValidationError, match="视为不愿协商"):
        services.answer_negotiation(actor=hr1, negotiation=late, agree=True)
    assert Negotiation.objects.get(pk=late.pk).state == Negotiation.State.DEEMED_REFUSED


def test_a_settlement_binds_once_both_sides_signed_the_same_text(worker1, hr1, employer1) -> None:  # noqa: ANN001
    negotiation = services.request_negotiation(actor=worker1, person=Person.objects.get(user=worker1),
                                               employer=employer1, category="wages", claims="补发工资")
    services.answer_negotiation(actor=hr1, negotiation=negotiation, agree=True)
    services.write_settlement(actor=hr1, negotiation=negotiation, terms="三日内补发 2,000 元")
    services.sign_settlement(actor=worker1, negotiation=negotiation)
    services.write_settlement(actor=hr1, negotiation=negotiation, terms="五日内补发 1,500 元")  # voids the signature
    negotiation = services.sign_settlement(actor=hr1, negotiation=negotiation)
    assert negotiation.state == Negotiation.State.TALKING and negotiation.worker_signed_at is None
    negotiation = services.sign_settlement(actor=worker1, negotiation=negotiation)
    assert negotiation.state == Negotiation.State.SETTLED


@pytest.mark.parametrize(("args", "expected"), [
    (["--start", "2024-09-27", "--working-days", "3"], "2024-10-08"),
    (["--start", "2025-03-03", "--days", "15"], "2025-03-18"),
    (["--start", "2024-02-14", "--days", "15"], "2024-02-29"),
])
def test_the_deadline_command_prints_the_due_date(args: list[str], expected: str) -> None:
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    assert out.getvalue().strip() == expected


def test_the_clocks_command_runs_for_a_given_day(new_case) -> None:  # noqa: ANN001
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        new_case(knew_on=date(2025, 2, 20))
    out = StringIO()
    call_command("mediation", "clocks", "--today", "2025-03-19", stdout=out)
    assert "arbitration open: 1" in out.getvalue()


def test_a_session_called_off_tells_both_parties_and_leaves_the_schedule(accepted, mediator, worker1, hr1,
                                                                         client_for) -> None:  # noqa: ANN001
    case = accepted()
    session = services.schedule_session(actor=mediator, case=case, mode="phone", place="电话 029-87270000",
                                        starts_at=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError, match="原因"):
        services.cancel_session(actor=mediator, session=session, reason="")
    services.cancel_session(actor=mediator, session=session, reason="调解员临时出差")
    assert told(worker1, "调解取消") and told(hr1, "调解取消")
    assert "电话 029-87270000" not in client_for("worker1").get(f"/mediation/cases/{case.pk}/").content.decode()
    with pytest.raises(Http404):
        services.cancel_session(actor=worker1, session=session, reason="我不来了")
