"""Who sees what: a one-sided caucus stays with its side; an employer's representative sees only the cases
of its enterprise; a collective dispute warns the district at once."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gonghui.mediation import scoping, services
from gonghui.mediation.models import Agreement, Case, EarlyWarning, Message
from gonghui.orgs.models import Person, User
from gonghui.orgs.services import issue_api_token
from tests import samples
from tests.registry.sheets import valid_id

from .conftest import told

PNG = samples.png()


def test_a_caucus_with_one_side_stays_private(accepted, mediator, worker1, hr1, client_for) -> None:  # noqa: ANN001
    case = accepted()
    to_employer = services.post_message(actor=mediator, case=case, audience=Message.Audience.EMPLOYER,
                                        text="背对背：单位能否接受分期？",
                                        upload=SimpleUploadedFile("note.png", PNG, content_type="image/png"))
    to_mediator = services.post_message(actor=worker1, case=case, audience=Message.Audience.WORKER,
                                        text="背对背：我最低接受两千元")
    everyone = services.post_message(actor=hr1, case=case, text="单位同意面谈")
    worker_page = client_for("worker1").get(f"/mediation/cases/{case.pk}/").content.decode()
    employer_page = client_for("hr_meilihao").get(f"/mediation/cases/{case.pk}/").content.decode()
    mediator_page = client_for("tiaojie").get(f"/mediation/cases/{case.pk}/").content.decode()
    assert "单位能否接受分期" not in worker_page and "我最低接受两千元" in worker_page
    assert "我最低接受两千元" not in employer_page and "单位能否接受分期" in employer_page
    assert all(text in mediator_page for text in ("单位能否接受分期", "我最低接受两千元", "单位同意面谈"))
    assert "单位同意面谈" in worker_page
    assert client_for("worker1").get(f"/mediation/messages/{to_employer.pk}/evidence/").status_code == 404
    assert client_for("hr_meilihao").get(f"/mediation/messages/{to_employer.pk}/evidence/").status_code == 200
    _, raw = issue_api_token(user=User.objects.get(username="hr_meilihao"))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    texts = [m["text"] for m in api.get(f"/api/v1/mediation/cases/{case.pk}/messages").json()]
    assert everyone.text in texts and to_mediator.text not in texts
    assert told(hr1, "有新留言")


def test_a_party_cannot_write_to_the_other_side_alone(accepted, worker1) -> None:  # noqa: ANN001
    import pytest
    from django.core.exceptions import ValidationError

    case = accepted()
    with pytest.raises(ValidationError):
        services.post_message(actor=worker1, case=case, audience=Message.Audience.EMPLOYER, text="只给单位看")


def test_an_employer_representative_sees_only_its_enterprises_cases(accepted, client_for, persona) -> None:  # noqa: ANN001
    mine = accepted()
    theirs = Case.objects.filter(employer=Person.objects.get(user=persona("worker2")).employer).first()
    assert theirs is not None
    rep = persona("hr_meilihao")
    visible = set(scoping.cases.filter(rep).values_list("pk", flat=True))
    assert mine.pk in visible and theirs.pk not in visible
    client = client_for("hr_meilihao")
    assert client.get(f"/mediation/cases/{theirs.pk}/").status_code == 404
    assert client.post(f"/mediation/cases/{theirs.pk}/act/", {"action": "employer_agree"}).status_code == 404
    assert theirs.number not in client.get("/mediation/mine/").content.decode()
    assert client.get("/mediation/").status_code == 404  # the officials' desk is not theirs
    assert not rep.is_official


def test_ten_workers_with_a_common_claim_warn_the_district_nine_do_not(body, mediator, employer1, persona,
                                                                       client_for) -> None:  # noqa: ANN001
    workers = [services.Applicant(name=f"工人{i}", id_number=valid_id(f"61010419850101{i:03d}")) for i in range(10)]
    case = services.record_oral_application(
        actor=mediator, body=body, employer=employer1, category="wages", claims="支付拖欠工资", facts="三个月未发",
        knew_on=timezone.localdate(), applicants=workers[:9])
    assert not Case.objects.get(pk=case.pk).collective
    assert not EarlyWarning.objects.filter(case=case).exists()
    services.add_workers(actor=mediator, case=case, applicants=workers[9:])
    warning = EarlyWarning.objects.get(case=case)
    assert warning.unit.name == "莲湖区总工会" and warning.workers == 10
    assert Case.objects.get(pk=case.pk).collective
    assert told(persona("lianhu"), "劳动关系预警")
    page = client_for("lianhu").get("/mediation/").content.decode()
    assert case.number in page and "劳动关系预警" in page
    assert client_for("lianhu").post(f"/mediation/cases/{case.pk}/act/", {"action": "acknowledge"}).status_code == 302
    assert EarlyWarning.objects.get(case=case).acknowledged_by == persona("lianhu")
    # The sibling district never sees it.
    assert case.number not in client_for("yanliang").get("/mediation/").content.decode()


def test_bad_input_on_the_case_page_changes_nothing(accepted, client_for) -> None:  # noqa: ANN001
    case = accepted()
    client = client_for("tiaojie")
    before = Case.objects.filter(pk=case.pk).values().get()
    for data in ({"action": "schedule", "mode": "online", "starts_at": "明天", "place": "x"},
                 {"action": "schedule", "mode": "online", "starts_at": "2030-01-01T10:00", "place": "http://x"},
                 {"action": "draft", "terms": "x", "payment_kind": "wages", "payment_amount": "abc",
                  "payment_due": "2030-01-01"},
                 {"action": "propose_extension", "days": "999"},
                 {"action": "assign", "mediator": "zzz"},
                 {"action": "minutes", "session": "99999999"},
                 {"action": "nonsense"}):
        response = client.post(f"/mediation/cases/{case.pk}/act/", data, HTTP_REFERER=f"/mediation/cases/{case.pk}/")
        assert response.status_code in (302, 404), data
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert not case.sessions.exists() and not Agreement.objects.filter(case=case).exists()


def test_an_official_appoints_an_employer_representative_on_the_enterprise_page(client_for, employer1, persona) -> None:  # noqa: ANN001
    client = client_for("meilihao")  # the chair of the enterprise's union
    response = client.post(f"/enterprises/{employer1.pk}/representative/",
                           {"username": "hr_new", "display_name": "新人事", "phone": "13700000099"})
    assert response.status_code == 302
    rep = User.objects.get(username="hr_new")
    assert rep.represented_enterprise_ids() == [employer1.pk] and not rep.is_official
    assert "新人事" in client.get(f"/enterprises/{employer1.pk}/").content.decode()
    # The sibling street's official reaches neither the page nor the appointment.
    assert client_for("qingnianlu").post(f"/enterprises/{employer1.pk}/representative/",
                                         {"username": "hr_x", "display_name": "x", "phone": "13700000098"}).status_code == 404
    assert not User.objects.filter(username="hr_x").exists()
    # The role cannot be handed out without its enterprise.
    import pytest
    from django.core.exceptions import ValidationError

    from gonghui.orgs import services as orgs_services
    from gonghui.orgs.models import Role

    with pytest.raises(ValidationError):
        orgs_services.grant_role(actor=persona("admin"), user=persona("worker2"), role=Role.EMPLOYER_REP,
                                 unit=employer1.unit)


def test_a_negotiation_with_the_unions_help_shows_on_the_unions_desk(worker1, employer1, client_for) -> None:  # noqa: ANN001
    negotiation = services.request_negotiation(actor=worker1, person=Person.objects.get(user=worker1),
                                               employer=employer1, category="wages", claims="补发工资",
                                               union_assist=True)
    assert negotiation.number in client_for("beiyuanmen").get("/mediation/").content.decode()
    assert negotiation.number not in client_for("qingnianlu").get("/mediation/").content.decode()
