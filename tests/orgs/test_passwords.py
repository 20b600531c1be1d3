"""A new password is refused when it is on a list of common or published ones: Django's 20,000 and ours
(orgs/common-passwords.txt), the demo's own `Gonghui@2026` included. The demo still opens its accounts with it."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from gonghui.orgs import services
from gonghui.orgs.models import Role, User

pytestmark = pytest.mark.django_db

PUBLISHED = ["Gonghui@2026", "Password@123", "P@ssw0rd", "Admin@123", "1qaz@WSX", "Aa123456!", "Qwer@1234",
             "Huawei@123", "Woaini@1314", "gonghui@2025", " GONGHUI@2026 "]


@pytest.mark.parametrize("password", PUBLISHED)
def test_a_published_password_is_refused_by_the_validators(password: str) -> None:
    """Each of these passes the length and three-class rules: only the list stops it."""
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert "password_too_common" in [e.code for e in refused.value.error_list]


@pytest.mark.parametrize("password", ["Gonghui@2026x", "Hq7#maple-dusk", "Password@1234567"])
def test_a_password_near_the_list_but_not_on_it_is_accepted(password: str) -> None:
    validate_password(password)


def test_djangos_own_list_still_counts() -> None:
    """Ours extends Django's list, it does not replace it ("baseball1" is only on Django's)."""
    with pytest.raises(ValidationError):
        validate_password("baseball1")


def test_changing_ones_password_to_the_demo_password_is_refused_on_the_page(client_for, persona) -> None:  # noqa: ANN001
    user = persona("beiyuanmen")
    before = User.objects.get(pk=user.pk).password
    response = client_for("beiyuanmen").post("/accounts/security/", {
        "action": "password", "old_password": "Gonghui@2026", "new_password1": "Password@123",
        "new_password2": "Password@123"})
    assert response.status_code == 200
    assert "太常见" in response.content.decode()
    assert User.objects.get(pk=user.pk).password == before


def test_changing_ones_password_to_a_good_one_is_accepted_on_the_page(client_for, persona) -> None:  # noqa: ANN001
    user = persona("beiyuanmen")
    response = client_for("beiyuanmen").post("/accounts/security/", {
        "action": "password", "old_password": "Gonghui@2026", "new_password1": "Hq7#maple-dusk",
        "new_password2": "Hq7#maple-dusk"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password("Hq7#maple-dusk")


def test_an_account_opened_with_the_demo_password_is_refused(persona, unit) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        services.create_account(actor=persona("beiyuanmen"), username="newbie", display_name="新人",
                                role=Role.WORKER, unit=unit("610104001001"), password="Gonghui@2026")
    assert not User.objects.filter(username="newbie").exists()


def test_the_demo_accounts_still_sign_in_with_the_demo_password(client) -> None:  # noqa: ANN001
    """The demo sets its password directly (make_password), not as a user's choice: it may bypass the list."""
    response = client.post("/accounts/login/", {"username": "beiyuanmen", "password": "Gonghui@2026"})
    assert response.status_code == 302
