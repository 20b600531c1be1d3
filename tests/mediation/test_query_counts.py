"""The mediation desk, the case list, the figures and the API list cost a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.mediation import services
from gonghui.orgs.models import Person
from gonghui.orgs.services import issue_api_token
from tests.registry.sheets import valid_id


def _grow(body, mediator, employer, n: int) -> None:  # noqa: ANN001
    for i in range(n):
        services.record_oral_application(
            actor=mediator, body=body, employer=employer, category="wages", claims="支付工资", facts="未发工资",
            knew_on=timezone.localdate(), applicants=[services.Applicant(name=f"增{i}", id_number=valid_id(
                f"61010419800202{i:03d}"))])


@pytest.mark.parametrize("url", ["/mediation/", "/mediation/cases/", "/mediation/figures/", "/api/v1/mediation/cases"])
def test_lists_do_not_grow_with_their_rows(url: str, body, mediator, worker1, django_assert_max_num_queries) -> None:  # noqa: ANN001
    _, raw = issue_api_token(user=mediator)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.force_login(mediator)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(body, mediator, Person.objects.get(user=worker1).employer, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
