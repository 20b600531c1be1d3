"""Abuse limits outside mediation, written as the attack: a script floods employers with bargaining
requests, registers joiners by the hundred, or has an official's account text every enterprise again
and again. At the limit the action still works; one more is refused with a clear message, on the page
and on the API (429)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.bargaining.models import Bargaining
from gonghui.core import sms
from gonghui.core.models import RateEvent
from gonghui.orgs.models import Unit
from gonghui.orgs.services import issue_api_token
from gonghui.reports.models import Assignment
from tests.registry.sheets import valid_id

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def limits(settings) -> dict[str, Any]:  # noqa: ANN001
    settings.GONGHUI_ABUSE_LIMITS = copy.deepcopy(settings.GONGHUI_ABUSE_LIMITS)
    return settings.GONGHUI_ABUSE_LIMITS


def _api(user: Any, ip: str = "127.0.0.1") -> Client:  # noqa: ANN401
    _, raw = issue_api_token(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=ip)


def test_bargaining_requests_stop_one_past_the_limit_on_the_page(client_for, persona, limits) -> None:  # noqa: ANN001
    limits["bargaining.request"]["per_person"] = 2
    hotel_id = persona("worker1").person.employer_id
    official = client_for("meilihao")
    for n in range(2):
        response = official.post("/bargaining/start/", {"kind": "safety", "reach": "enterprise", "title": f"专项{n}",
                                                        "enterprises": [str(hotel_id)], "request_text": "专项协商"})
        assert response.status_code == 302
    refused = official.post("/bargaining/start/", {"kind": "safety", "reach": "enterprise", "title": "专项3",
                                                   "enterprises": [str(hotel_id)], "request_text": "专项协商"})
    assert refused.status_code == 422 and "2次集体协商要求" in refused.content.decode()
    assert not Bargaining.objects.filter(title="专项3").exists()


def test_bargaining_requests_stop_one_past_the_limit_on_the_api(persona, limits) -> None:  # noqa: ANN001
    limits["bargaining.request"]["per_person"] = 1
    hotel_id = persona("worker1").person.employer_id
    union = _api(persona("meilihao"))
    body = {"kind": "women", "title": "女职工专项", "request_text": "专项协商", "enterprise_ids": [hotel_id]}
    assert union.post("/api/v1/bargaining/bargainings", body, content_type=JSON).status_code == 201
    refused = union.post("/api/v1/bargaining/bargainings", body, content_type=JSON)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert "1次集体协商要求" in refused.json()["message"]


def _join(client: Client, phone: str, serial: str, ip: str) -> Any:  # noqa: ANN401
    client.post("/api/v1/membership/code", {"phone": phone}, content_type=JSON, REMOTE_ADDR=ip)
    code = re.search(r"验证码 (\d{6})", sms.outbox[-1].text).group(1)
    return client.post("/api/v1/membership/join", {
        "name": "骆小骑", "id_number": valid_id(f"610104199701011{serial}"), "phone": phone, "code": code,
        "new_form": "courier", "place_unit_id": Unit.objects.get(code="610104002").pk, "consent": True},
        content_type=JSON, REMOTE_ADDR=ip)


def test_join_applications_from_one_address_stop_one_past_the_limit(demo_tree, limits) -> None:  # noqa: ANN001
    limits["membership.application"]["per_address"] = 2
    assert _join(Client(), "13712340001", "01", "10.3.3.3").status_code == 201
    assert _join(Client(), "13712340002", "02", "10.3.3.3").status_code == 201
    refused = _join(Client(), "13712340003", "03", "10.3.3.3")
    assert refused.status_code == 429 and "同一网络地址" in refused.json()["message"]
    assert _join(Client(), "13712340003", "03", "10.3.3.4").status_code == 201


def test_a_refused_join_does_not_use_up_the_limit(demo_tree, limits) -> None:  # noqa: ANN001
    limits["membership.application"]["per_address"] = 1
    client = Client()
    client.post("/api/v1/membership/code", {"phone": "13712340009"}, content_type=JSON, REMOTE_ADDR="10.3.3.5")
    wrong = client.post("/api/v1/membership/join", {
        "name": "骆小骑", "id_number": valid_id("61010419970101109"), "phone": "13712340009", "code": "000000",
        "new_form": "courier", "place_unit_id": Unit.objects.get(code="610104002").pk, "consent": True},
        content_type=JSON, REMOTE_ADDR="10.3.3.5")
    assert wrong.status_code == 422
    assert not RateEvent.objects.exists()


def _assignment() -> Assignment:
    return Assignment.objects.get(unit__code="610104001")


def test_an_official_texting_every_enterprise_stops_one_past_the_limit_on_the_page(client_for, limits) -> None:  # noqa: ANN001
    limits["sms.fanout"]["per_person"] = 2
    client = client_for("beiyuanmen")
    page = f"/reports/{_assignment().pk}/"
    url = f"{page}remind/"
    for _ in range(2):
        assert "已提醒" in client.post(url, follow=True).content.decode()
    sent = len(sms.outbox)
    refused = client.post(url, follow=True, HTTP_REFERER=page).content.decode()
    assert "2次群发短信提醒" in refused and "已提醒" not in refused
    assert len(sms.outbox) == sent


def test_the_fanout_limit_holds_on_the_api(persona, limits) -> None:  # noqa: ANN001
    limits["sms.fanout"]["per_person"] = 1
    street = _api(persona("beiyuanmen"))
    url = f"/api/v1/reports/assignments/{_assignment().pk}/remind"
    assert street.post(url, {}, content_type=JSON).status_code == 200
    refused = street.post(url, {}, content_type=JSON)
    assert refused.status_code == 429 and "群发短信提醒" in refused.json()["message"]


def test_publishing_notices_counts_as_a_fanout(client_for, limits) -> None:  # noqa: ANN001
    limits["sms.fanout"]["per_person"] = 1
    client = client_for("beiyuanmen")
    assert client.post("/reports/notices/", {"title": "通知一", "body": "内容", "kind": "notice"}).status_code == 302
    refused = client.post("/reports/notices/", {"title": "通知二", "body": "内容", "kind": "notice"}, follow=True)
    assert "1次群发短信提醒" in refused.content.decode()


def test_old_uses_fall_out_of_the_window(persona, limits) -> None:  # noqa: ANN001
    from datetime import timedelta

    from gonghui.core import ratelimit

    limits["sms.fanout"]["per_person"] = 1
    RateEvent.objects.create(kind="sms.fanout", who="user:1", ip=None, at=timezone.now() - timedelta(hours=24, seconds=1))
    ratelimit.check("sms.fanout", who="user:1", ip=None)  # a day and a second ago: forgotten
    RateEvent.objects.create(kind="sms.fanout", who="user:1", ip=None, at=timezone.now() - timedelta(hours=23, minutes=59))
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check("sms.fanout", who="user:1", ip=None)
    assert ratelimit.prune() == 1


def _join_page(phone: str, serial: str, ip: str) -> Any:  # noqa: ANN401
    client = Client()
    client.post("/membership/join/code/", {"phone": phone}, REMOTE_ADDR=ip)
    code = re.search(r"验证码 (\d{6})", sms.outbox[-1].text).group(1)
    return client.post("/membership/join/", {
        "name": "骆小骑", "id_number": valid_id(f"610104199701011{serial}"), "phone": phone, "code": code,
        "new_form": "courier", "place": str(Unit.objects.get(code="610104002").pk), "consent": "1"}, REMOTE_ADDR=ip)


def test_join_applications_on_the_page_stop_one_past_the_limit(demo_tree, limits) -> None:  # noqa: ANN001
    limits["membership.application"]["per_address"] = 1
    assert _join_page("13712340011", "11", "10.3.3.7").status_code == 302
    refused = _join_page("13712340012", "12", "10.3.3.7")
    assert refused.status_code == 200 and "同一网络地址" in refused.content.decode()
