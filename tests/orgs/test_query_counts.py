"""List pages and API lists cost a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.test import Client

from gonghui.orgs import services
from gonghui.orgs.models import Level, Role

pytestmark = pytest.mark.django_db


def _grow(persona, unit, n: int) -> None:  # noqa: ANN001
    admin = persona("admin")
    street = unit("610104001")
    for i in range(n):
        grassroots = services.create_unit(actor=admin, parent=street, code=f"Q{i:03d}", name=f"查询测试{i}工会",
                                          level=Level.GRASSROOTS)
        services.create_account(actor=admin, username=f"q{i:03d}", display_name=f"测试{i}", role=Role.WORKER,
                                unit=grassroots)


@pytest.mark.parametrize("url", ["/units/", "/people/accounts/", "/audit/", "/console/"])
def test_list_pages_do_not_grow_with_their_rows(url: str, client_for, persona, unit,  # noqa: ANN001
                                                django_assert_max_num_queries) -> None:
    client = client_for("lianhu")
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(persona, unit, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_api_list_does_not_grow_with_its_rows(persona, unit, django_assert_max_num_queries) -> None:  # noqa: ANN001
    _, raw = services.issue_api_token(user=persona("lianhu"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/orgs").status_code == 200
    _grow(persona, unit, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/orgs")
    assert response.json()["count"] == 11 + 12


def _more_people(persona, unit, n: int) -> None:  # noqa: ANN001
    from gonghui.orgs.models import Tag
    from tests.registry.sheets import valid_id

    tag = Tag.objects.first()
    for i in range(n):
        person = services.create_person(actor=persona("admin"), id_number=valid_id(f"61010419750115{i:03d}"),
                                        name=f"加{i}", unit=unit("610104001001"), phone=f"1360000{i:04d}")
        person.tags.add(tag)


@pytest.mark.parametrize("url", ["/people/", "/enterprises/"])
def test_registry_lists_do_not_grow_with_their_rows(url: str, client_for, persona, unit,  # noqa: ANN001
                                                    django_assert_max_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("lianhu")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more_people(persona, unit, 15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_people_api_does_not_grow_with_its_rows(persona, unit, django_assert_max_num_queries) -> None:  # noqa: ANN001
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, raw = services.issue_api_token(user=persona("lianhu"))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/people?limit=100").status_code == 200
    _more_people(persona, unit, 15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/people?limit=100").status_code == 200
