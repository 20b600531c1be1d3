from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gonghui.core.models import AuditEvent
from gonghui.orgs import scoping, services
from gonghui.orgs.models import Role, User

pytestmark = pytest.mark.django_db


def _create(actor: User, role: str, unit, username: str = "newbie") -> User:  # noqa: ANN001
    return services.create_account(actor=actor, username=username, display_name="新人", role=role, unit=unit,
                                   password="Abcdef1!x")


def test_an_official_opens_accounts_inside_their_subtree_only(persona, unit) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    created = _create(official, Role.WORKER, unit("610104001001"))
    assert created.active_roles()[0].unit.code == "610104001001"
    with pytest.raises(Http404):
        _create(official, Role.WORKER, unit("610104002001"), username="outsider")
    assert not User.objects.filter(username="outsider").exists()


def test_nobody_grants_more_than_they_hold(persona, unit) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    with pytest.raises(PermissionDenied):
        _create(official, Role.ADMIN, unit("610104001"))
    chair = persona("meilihao")
    assert services.grantable_roles(chair) == [Role.WORKER]
    _create(chair, Role.WORKER, unit("610104001001"), username="hotel-worker")
    with pytest.raises(PermissionDenied):
        _create(chair, Role.OFFICIAL, unit("610104001001"), username="hotel-official")
    mediator = persona("tiaojie")
    assert services.grantable_roles(mediator) == []


def test_an_official_may_appoint_a_peer_below_but_not_above(persona, unit) -> None:  # noqa: ANN001
    lianhu = persona("lianhu")
    assert services.can_grant(lianhu, Role.OFFICIAL, unit("610104001"))
    assert services.can_grant(lianhu, Role.OFFICIAL, unit("610104"))
    assert not services.can_grant(lianhu, Role.OFFICIAL, unit("610100"))


@pytest.mark.parametrize(("password", "ok"), [
    ("Abc12!x", False),     # 7 characters
    ("Tqzmvw3k", True),     # 8, three classes
    ("tqzmvw3k", False),    # 8, two classes
    ("TQZMVWK!", False),    # two classes
    ("zqmvhw1!", True),     # lower, digit, symbol
])
def test_password_policy(password: str, ok: bool) -> None:
    user = User(username="policy-probe", display_name="测试")
    if ok:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


def test_a_phone_number_binds_one_account(persona, unit) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        services.create_account(actor=persona("beiyuanmen"), username="dup", display_name="重号", role=Role.WORKER,
                                unit=unit("610104001001"), phone="+86 139 0000 0001")
    with pytest.raises(ValidationError):
        services.create_account(actor=persona("beiyuanmen"), username="bad", display_name="错号", role=Role.WORKER,
                                unit=unit("610104001001"), phone="12345")


def test_revealing_a_full_phone_is_audited_and_shown_to_its_owner(persona, client_for) -> None:  # noqa: ANN001
    worker = persona("worker1")
    official = persona("beiyuanmen")
    assert services.reveal_phone(actor=official, user=worker, reason="核实身份") == "13900000001"
    event = AuditEvent.objects.get(action="reveal", subject_user_id=worker.pk)
    assert event.actor_label == "beiyuanmen"
    page = client_for("worker1").get("/accounts/profile/").content.decode()
    assert "beiyuanmen" in page and "核实身份" in page


def test_workers_and_other_streets_cannot_reveal(persona) -> None:  # noqa: ANN001
    worker = persona("worker1")
    with pytest.raises(Http404):
        services.reveal_phone(actor=persona("qingnianlu"), user=worker)
    with pytest.raises(Http404):
        services.reveal_phone(actor=persona("worker2"), user=worker)
    with pytest.raises(Http404):
        services.reveal_phone(actor=worker, user=worker)  # a worker sees their own number on their page anyway
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_account_pages_show_phones_masked(client_for, persona) -> None:  # noqa: ANN001
    worker = persona("worker1")
    page = client_for("beiyuanmen").get(f"/people/accounts/{worker.pk}/").content.decode()
    assert "139****0001" in page
    assert "13900000001" not in page


def test_reach_of_each_role(persona, unit) -> None:  # noqa: ANN001
    def codes(username: str) -> set[str]:
        return set(scoping.units.filter(persona(username)).values_list("code", flat=True))

    assert codes("lianhu") == set(unit("610104").__class__.objects.subtree_of(unit("610104")).values_list("code", flat=True))
    assert codes("meilihao") == {"610104001001"}
    assert codes("worker1") == {"610104001001"}
    assert "610104002" not in codes("beiyuanmen")
    assert len(codes("admin")) == 31
    assert set(scoping.users.filter(persona("worker1")).values_list("username", flat=True)) == {"worker1"}


def test_revoking_a_role_takes_the_reach_away(persona, unit) -> None:  # noqa: ANN001
    lianhu = persona("lianhu")
    official = persona("beiyuanmen")
    assignment = official.active_roles()[0]
    services.revoke_role(actor=lianhu, assignment=assignment, reason="调离")
    official = User.objects.get(pk=official.pk)
    assert not scoping.units.filter(official).exists()
    assert AuditEvent.objects.filter(action="revoke", subject_user_id=official.pk).exists()


def test_a_worker_corrects_their_own_contact(persona, settings) -> None:  # noqa: ANN001
    """The name changes freely; the login mobile only with a code to the new number and one to the current one
    (tests/orgs/test_identity.py has the refusals)."""
    from tests.identity_helpers import code_for

    settings.GONGHUI_SMS_RESEND_SECONDS = 0
    worker = persona("worker1")
    services.update_own_contact(actor=worker, display_name="张晓明", phone=worker.phone)
    services.update_own_contact(actor=worker, display_name="张晓明", phone="13911112222",
                                new_code=code_for("13911112222", "phone_new"),
                                current_code=code_for(worker.phone, "phone_current"))
    worker.refresh_from_db()
    assert (worker.display_name, worker.phone) == ("张晓明", "13911112222")
    with pytest.raises(ValidationError):
        services.update_own_contact(actor=worker, display_name="张晓明", phone="13900000002",  # worker2's
                                    new_code=code_for("13900000002", "phone_new"),
                                    current_code=code_for("13911112222", "phone_current"))


def test_the_unit_switcher_changes_the_console_unit(persona, unit, client_for) -> None:  # noqa: ANN001
    lianhu = persona("lianhu")
    second = services.grant_role(actor=persona("xian"), user=lianhu, role=Role.OFFICIAL, unit=unit("610114"))
    client = client_for("lianhu")
    assert "莲湖区总工会" in client.get("/console/").content.decode()
    client.post("/console/switch-unit/", {"assignment": second.pk})
    page = client.get("/console/").content.decode()
    assert 'data-testid="console-unit">阎良区总工会' in page
    # Nobody switches into another account's role.
    foreign = persona("qingnianlu").active_roles()[0]
    assert client.post("/console/switch-unit/", {"assignment": foreign.pk}).status_code == 404


@pytest.mark.parametrize("url", ["/admin/", "/admin/orgs/unit/", "/admin/orgs/user/", "/admin/core/auditevent/"])
def test_the_back_office_opens_for_the_system_admin(url: str, client_for) -> None:  # noqa: ANN001
    assert client_for("admin").get(url).status_code == 200


def test_the_back_office_stays_shut_for_officials(client_for) -> None:  # noqa: ANN001
    response = client_for("xian").get("/admin/orgs/unit/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_official_opens_an_account_through_the_page(client_for, unit) -> None:  # noqa: ANN001
    """Forms whose choices depend on the user validate against those choices (a regression)."""
    response = client_for("beiyuanmen").post("/people/accounts/new/", {
        "username": "hotel-cook", "display_name": "厨师甲", "phone": "", "role": "worker",
        "unit": unit("610104001001").pk, "password": ""})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert User.objects.filter(username="hotel-cook").exists()


def test_a_role_is_not_granted_when_its_audit_row_cannot_be_written(persona, unit, monkeypatch) -> None:  # noqa: ANN001
    """The role and its audit row are one transaction: no role without the record of who granted it."""
    from gonghui.core import audit
    from gonghui.orgs.models import RoleAssignment

    lianhu = persona("lianhu")

    def broken(**kwargs):  # noqa: ANN003, ANN202
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.grant_role(actor=persona("xian"), user=lianhu, role=Role.OFFICIAL, unit=unit("610114"))
    assert not RoleAssignment.objects.filter(user=lianhu, unit=unit("610114")).exists()


def test_a_role_stays_when_its_revocation_cannot_be_audited(persona, monkeypatch) -> None:  # noqa: ANN001
    from gonghui.core import audit
    from gonghui.orgs.models import RoleAssignment

    assignment = persona("beiyuanmen").active_roles()[0]

    def broken(**kwargs):  # noqa: ANN003, ANN202
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.revoke_role(actor=persona("lianhu"), assignment=assignment, reason="调离")
    assert RoleAssignment.objects.get(pk=assignment.pk).revoked_at is None
