"""Schemathesis against `/api/v1/openapi.json`: every operation, generated input, signed-in callers.

Each operation is called with input generated from its schema (valid and invalid), by a street official
and by a worker, in-process through Django's WSGI handler on the test database. No answer may be a
server error, and every answer must match what the schema says of it (status, content type, body).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gonghui.orgs.models import User
from gonghui.orgs.services import issue_api_token

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _connection_kept_between_requests() -> Iterator[None]:
    """Django closes the database connection at the end of each request it serves; the test's transaction lives
    on that connection. Django's own test client unhooks the closing for the same reason; so does this."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Examples an operation and caller; `GONGHUI_FUZZ_EXAMPLES=500 make test` digs deeper.
EXAMPLES = int(os.environ.get("GONGHUI_FUZZ_EXAMPLES", "25"))
# `make test` draws the same examples every run (a CI run is not a lottery); a deeper run draws new ones.
DERANDOMIZE = "GONGHUI_FUZZ_EXAMPLES" not in os.environ
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _call_as(username: str, case) -> None:  # noqa: ANN001
    _, raw = issue_api_token(user=User.objects.get(username=username))
    case.call_and_validate(headers={"Authorization": f"Bearer {raw}"}, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE)
@pytest.mark.django_db
def test_every_operation_holds_for_a_street_official(case, demo_tree) -> None:  # noqa: ANN001
    _call_as("beiyuanmen", case)


@schema.parametrize()
@settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE)
@pytest.mark.django_db
def test_every_operation_holds_for_a_worker(case, demo_tree) -> None:  # noqa: ANN001
    _call_as("worker1", case)


def test_no_two_api_schemas_share_a_name() -> None:
    """The OpenAPI components are keyed by the schema class's name: two classes of one name (a relief and a
    membership `ApplicationOut`) made one of them describe the other's answers."""
    from ninja import Schema

    import gonghui.api.urls  # noqa: F401  (every router imported)

    def walk(cls: type) -> list[type]:
        return [cls, *(c for sub in cls.__subclasses__() for c in walk(sub))]

    ours = [c for c in walk(Schema) if c.__module__.startswith("gonghui.") and c.__name__ != "Input"]
    names = [c.__name__ for c in ours]
    assert len(ours) > 30
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_the_people_export_of_unit_zero_is_not_found(client_for) -> None:  # noqa: ANN001
    """Found by the fuzz: `unit=0` was taken for "no unit" by one check and for a unit by the next."""
    assert client_for("beiyuanmen").get("/api/v1/people/export.xlsx?unit=0").status_code == 404


def test_an_offset_past_the_bound_is_bad_input(client_for) -> None:  # noqa: ANN001
    from gonghui.api.pagination import MAX_OFFSET

    client = client_for("beiyuanmen")
    assert client.get(f"/api/v1/people?offset={MAX_OFFSET}").status_code == 200
    refused = client.get(f"/api/v1/people?offset={MAX_OFFSET + 1}")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"


def test_a_page_of_500_is_served_and_501_is_bad_input(client_for) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    assert client.get("/api/v1/people?limit=500").status_code == 200
    assert client.get("/api/v1/people?limit=501").status_code == 422


def test_an_id_past_64_bits_in_a_list_is_bad_input(client_for) -> None:  # noqa: ANN001
    """The bargaining request's enterprise ids were the fuzz's 500: too large for the database's integer."""
    body = {"kind": "wages", "title": "工资集体协商", "request_text": "要约", "enterprise_ids": [2**63]}
    refused = client_for("beiyuanmen").post("/api/v1/bargaining/bargainings", body, content_type="application/json")
    assert refused.status_code == 422
