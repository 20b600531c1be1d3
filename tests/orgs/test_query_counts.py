"""List pages and API lists cost a fixed number of queries, however many rows they show.

Each test looks through the eyes of the official of a new, empty street, so its lists start with a row or
two and every row the test adds is on the first page: the second measurement really shows more rows (each
test checks it does) and must cost no more queries than the first.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gonghui.orgs import services
from gonghui.orgs.models import Level, Role, Tag, Unit, User
from tests.factories import AccountFactory, EnterpriseFactory, GrassrootsUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 14  # both well inside one page of 50


def _new_street(persona) -> tuple[User, Unit, Unit]:  # noqa: ANN001
    """A street of its own under 莲湖区 with one grassroots union and its official."""
    admin = persona("admin")
    street = services.create_unit(actor=admin, parent=Unit.objects.get(code="610104"), code="610104777",
                                  name="计数街道总工会", level=Level.STREET)
    official = services.create_account(actor=admin, username="jishu", display_name="计数干部", role=Role.OFFICIAL,
                                       unit=street)
    grassroots = GrassrootsUnitFactory(parent=street)
    return official, street, grassroots


def _grow_units(street: Unit, grassroots: Unit, n: int) -> None:
    for _ in range(n):
        AccountFactory(unit=GrassrootsUnitFactory(parent=street))


def _grow_people(street: Unit, grassroots: Unit, n: int) -> None:
    tag = Tag.objects.order_by("pk").first()
    for _ in range(n):
        PersonFactory(unit=grassroots).tags.add(tag)


def _grow_enterprises(street: Unit, grassroots: Unit, n: int) -> None:
    for _ in range(n):
        EnterpriseFactory(unit=grassroots)


GROWERS: dict[str, tuple[Callable[[Unit, Unit, int], None], str]] = {
    # url: (what grows, the mark each grown row shows on the page)
    "/units/": (_grow_units, "工厂测试"),
    "/people/accounts/": (_grow_units, "测试账号"),
    "/audit/": (_grow_units, "工厂测试"),
    "/console/": (_grow_units, "工厂测试"),
    "/people/": (_grow_people, "工厂"),
    "/enterprises/": (_grow_enterprises, "有限公司"),
}


def _measure(client: Client, url: str, mark: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode().count(mark)


@pytest.mark.parametrize("url", list(GROWERS))
def test_list_pages_do_not_grow_with_their_rows(url: str, persona) -> None:  # noqa: ANN001
    official, street, grassroots = _new_street(persona)
    grow, mark = GROWERS[url]
    grow(street, grassroots, FEW)
    client = Client()
    client.force_login(official)
    client.get(url)  # warm the session
    few_queries, few_rows = _measure(client, url, mark)
    grow(street, grassroots, MANY - FEW)
    many_queries, many_rows = _measure(client, url, mark)
    assert many_rows >= few_rows + (MANY - FEW), f"{url} did not show the rows it grew ({few_rows} → {many_rows})"
    assert many_queries <= few_queries, f"{url}: {few_queries} queries for {few_rows} marks, {many_queries} for {many_rows}"


@pytest.mark.parametrize(("path", "grow"), [("/api/v1/orgs", _grow_units), ("/api/v1/people?limit=100", _grow_people)])
def test_api_lists_do_not_grow_with_their_rows(path: str, grow, persona) -> None:  # noqa: ANN001
    official, street, grassroots = _new_street(persona)
    grow(street, grassroots, FEW)
    _, raw = services.issue_api_token(user=official)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with CaptureQueriesContext(connection) as few:
        first = client.get(path).json()["count"]
    grow(street, grassroots, MANY - FEW)
    with CaptureQueriesContext(connection) as many:
        second = client.get(path).json()["count"]
    assert second == first + (MANY - FEW)
    assert len(many.captured_queries) <= len(few.captured_queries)
