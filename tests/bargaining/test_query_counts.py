"""The bargaining desk, the registry, coverage and the API lists cost a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gonghui.bargaining import services
from gonghui.bargaining.models import Reach
from gonghui.orgs.models import Enterprise
from gonghui.orgs.services import issue_api_token


def _grow(official, n: int) -> None:  # noqa: ANN001
    street = official.primary_unit
    enterprises = list(Enterprise.objects.filter(unit__path__startswith=street.path, unit__level=6)[:n + 2])
    today = timezone.localdate()
    for i in range(n):
        services.register_contract(
            actor=official, unit=street, kind="wages", reach=Reach.REGIONAL, title=f"区域合同{i}",
            employer_party="企业联合会", covered=[services.Covered(enterprise=e, workers=10) for e in enterprises[i:i + 3]],
            signed_on=today, term_months=12, effective_from=today)
        services.request_bargaining(actor=official, kind="wages", reach=Reach.REGIONAL, unit=street, title=f"协商{i}",
                                    request_text="区域工资协商", enterprises=enterprises[i:i + 2],
                                    employer_party="企业联合会")


@pytest.mark.parametrize("url", ["/bargaining/", "/bargaining/contracts/", "/bargaining/coverage/",
                                 "/api/v1/bargaining/contracts", "/api/v1/bargaining/bargainings"])
def test_lists_do_not_grow_with_their_rows(url: str, persona, django_assert_max_num_queries) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    _, raw = issue_api_token(user=official)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.force_login(official)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _grow(official, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
