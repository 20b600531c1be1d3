from __future__ import annotations

import pytest
from django.test import Client

from gonghui.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Gonghui@2026"


def _token(username: str) -> str:
    response = Client().post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                             content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_token_opens_the_api_and_can_be_revoked(demo_tree) -> None:  # noqa: ANN001
    token = _token("beiyuanmen")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    listing = client.get("/api/v1/orgs")
    assert listing.status_code == 200
    names = {u["name"] for u in listing.json()["items"]}
    assert "北院门街道总工会" in names and "青年路街道总工会" not in names
    assert listing.json()["count"] == len(names) == 6
    assert client.delete("/api/v1/auth/token").json() == {"revoked": 1}
    refused = client.get("/api/v1/orgs")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"


def test_bad_credentials_are_a_json_error(demo_tree) -> None:  # noqa: ANN001
    response = Client().post("/api/v1/auth/token", {"username": "beiyuanmen", "password": "nope-Nope1"},
                             content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["message"]


def test_a_malformed_request_is_a_json_error(demo_tree) -> None:  # noqa: ANN001
    response = Client().post("/api/v1/auth/token", {"username": "x"}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_one_unit_and_scoping_by_404(demo_tree, unit) -> None:  # noqa: ANN001
    client = Client(HTTP_AUTHORIZATION=f"Bearer {_token('beiyuanmen')}")
    mine = client.get(f"/api/v1/orgs/{unit('610104001001').pk}")
    assert mine.status_code == 200 and mine.json()["level_label"] == "基层工会"
    theirs = client.get(f"/api/v1/orgs/{unit('610104002').pk}")
    assert theirs.status_code == 404 and theirs.json()["code"] == "not_found"
    missing = client.get("/api/v1/orgs/999999")
    assert missing.status_code == 404 and missing.json() == theirs.json()


def test_the_api_changes_a_unit_through_the_service(demo_tree, unit) -> None:  # noqa: ANN001
    client = Client(HTTP_AUTHORIZATION=f"Bearer {_token('beiyuanmen')}")
    hotel = unit("610104001001")
    response = client.patch(f"/api/v1/orgs/{hotel.pk}", {"address": "西安市莲湖区北院门大街 1 号"},
                            content_type="application/json")
    assert response.status_code == 200 and response.json()["address"] == "西安市莲湖区北院门大街 1 号"
    assert AuditEvent.objects.filter(action="update", object_id=str(hotel.pk)).exists()
    child = client.post(f"/api/v1/orgs/{unit('610104001').pk}/children",
                        {"code": "API1", "name": "接口新建工会", "level": 6, "kind": "enterprise"},
                        content_type="application/json")
    assert child.status_code == 201 and child.json()["parent_id"] == unit("610104001").pk


def test_english_errors_on_request(demo_tree) -> None:  # noqa: ANN001
    response = Client().get("/api/v1/orgs", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert "sign in" in response.json()["message"].lower()


def test_the_schema_is_published() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/auth/token" in schema["paths"]
    assert "/api/v1/orgs/{unit_id}" in schema["paths"]
