"""The pages each side uses, the API's own path through a bargaining, and bad input on every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gonghui.bargaining.models import Bargaining, Contract, Vote
from gonghui.orgs import scoping
from gonghui.orgs.models import User
from gonghui.orgs.services import issue_api_token
from tests.routes import app_routes


def _demo_wages() -> Bargaining:
    return Bargaining.objects.get(title="2020年度工资集体协商")


def test_the_union_desk_and_registry_pages(client_for) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    wages = _demo_wages()
    for url in ("/bargaining/", "/bargaining/contracts/", "/bargaining/coverage/", "/bargaining/templates/",
                "/bargaining/contracts/register/", "/bargaining/start/", f"/bargaining/{wages.pk}/"):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/bargaining/{wages.pk}/").content.decode()
    assert "职工代表大会" in page and "1800" in page  # the vote, and 西安's minimum wage for the wage talks
    coverage = client.get("/bargaining/coverage/").content.decode()
    assert "北院门街道餐饮行业" not in coverage or "覆盖" in coverage
    assert client.get("/bargaining/coverage.xlsx").content[:2] == b"PK"
    contract = Contract.objects.filter(title="陕西美丽豪酒店集体合同").get()
    pdf = client.get(f"/bargaining/contracts/{contract.pk}.pdf")
    assert pdf.content[:4] == b"%PDF"


def test_a_round_is_a_calendar_invitation_with_its_link(client_for) -> None:  # noqa: ANN001
    round_ = _demo_wages().rounds.get()
    body = client_for("hr_meilihao").get(f"/bargaining/rounds/{round_.pk}.ics").content.decode()
    assert "BEGIN:VEVENT" in body and "https://meeting.example.cn/j/610104001001" in body


def test_a_representative_votes_on_a_phone_page(client_for, persona) -> None:  # noqa: ANN001
    wages = _demo_wages()
    client = client_for("worker1")
    page = client.get(f"/bargaining/{wages.pk}/vote/").content.decode()
    assert "不记名" in page and "第一条" in page
    response = client.post(f"/bargaining/{wages.pk}/vote/", {"choice": "yes"})
    receipt = re.search(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", response.content.decode()).group(0)
    again = client.post(f"/bargaining/{wages.pk}/vote/", {"choice": "no"}, follow=True).content.decode()
    assert "只能投一次" in again
    checked = client.post(f"/bargaining/{wages.pk}/vote/", {"action": "check", "receipt": receipt}).content.decode()
    assert "您的票已计入" in checked
    assert wages.votes.get().ballots.count() == 1
    # Someone off the roll reaches neither the ballot nor the bargaining.
    assert client_for("worker2").get(f"/bargaining/{wages.pk}/vote/").status_code == 404
    assert client_for("worker2").get(f"/bargaining/{wages.pk}/").status_code == 404


def test_the_employer_answers_on_its_page(client_for, persona) -> None:  # noqa: ANN001
    official = client_for("meilihao")
    hotel_id = persona("worker1").person.employer_id
    response = official.post("/bargaining/start/", {"kind": "safety", "reach": "enterprise", "title": "安全专项协商",
                                                    "enterprises": [str(hotel_id)], "request_text": "劳动安全卫生专项协商"})
    bargaining = Bargaining.objects.get(title="安全专项协商")
    assert response.status_code == 302
    hr = client_for("hr_meilihao")
    assert "安全专项协商" in hr.get("/bargaining/mine/").content.decode()
    hr.post(f"/bargaining/{bargaining.pk}/act/", {"action": "agree", "answer": "同意协商"})
    bargaining.refresh_from_db()
    assert bargaining.state == Bargaining.State.TALKING


def test_the_api_walks_a_bargaining(persona) -> None:  # noqa: ANN001
    def client(username: str) -> Client:
        _, raw = issue_api_token(user=persona(username))
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    union, employer = client("meilihao"), client("hr_meilihao")
    hotel_id = persona("worker1").person.employer_id
    made = union.post("/api/v1/bargaining/bargainings", {
        "kind": "women", "title": "女职工专项", "request_text": "女职工权益保护专项协商", "enterprise_ids": [hotel_id]},
        content_type="application/json")
    assert made.status_code == 201, made.content
    bargaining_id = made.json()["id"]
    assert employer.post(f"/api/v1/bargaining/bargainings/{bargaining_id}/transitions",
                         {"action": "agree", "text": "同意"}, content_type="application/json").json()["state"] == "talking"
    for side, who in (("worker", union), ("employer", employer)):
        for index, name in enumerate(("甲", "乙", "丙")):
            seat = who.post(f"/api/v1/bargaining/bargainings/{bargaining_id}/representatives", {
                "side": side, "name": f"{side}{name}", "chief": index == 0,
                "delegation": "委托书1号" if index == 0 else ""}, content_type="application/json")
            assert seat.status_code == 201, seat.content
    clause = union.post(f"/api/v1/bargaining/bargainings/{bargaining_id}/clauses", {"area": "protection"},
                        content_type="application/json").json()
    union.patch(f"/api/v1/bargaining/bargainings/{bargaining_id}/clauses",
                {"clause_id": clause["id"], "state": "agreed"}, content_type="application/json")
    draft = union.get(f"/api/v1/bargaining/bargainings/{bargaining_id}/draft").json()
    assert draft["text"].startswith("第一条 女职工和未成年工特殊保护")
    voter_ids = list(User.objects.filter(person__employer_id=hotel_id).values_list("pk", flat=True))
    opened = union.post(f"/api/v1/bargaining/bargainings/{bargaining_id}/vote", {
        "body": "congress", "voter_ids": voter_ids, "closes_at": (timezone.now() + timedelta(hours=1)).isoformat()},
        content_type="application/json")
    assert opened.status_code == 201 and opened.json()["quorum_needed"] == -(-2 * len(voter_ids) // 3)
    ballot = client("worker1").post(f"/api/v1/bargaining/bargainings/{bargaining_id}/ballots", {"choice": "yes"},
                                    content_type="application/json")
    assert ballot.status_code == 201
    assert client("worker1").post(f"/api/v1/bargaining/bargainings/{bargaining_id}/ballots", {"choice": "yes"},
                                  content_type="application/json").status_code == 422
    assert Vote.objects.get(bargaining_id=bargaining_id).ballots.count() == 1
    assert client("hr_qingnian").get(f"/api/v1/bargaining/bargainings/{bargaining_id}").status_code == 404
    listed = union.get("/api/v1/bargaining/contracts").json()
    assert all(item["unit_id"] for item in listed["items"])


GARBAGE = [
    {},
    {"action": "nonsense"},
    {"action": "agree", "answer": ""},
    {"action": "seat", "side": "boss", "name": "", "id_number": "123", "contract_ends_on": "31/02"},
    {"action": "seat", "side": "worker", "name": "x" * 300, "chief": "1", "outside_expert": "1"},
    {"action": "vacate", "representative": "9" * 25, "reason": ""},
    {"action": "election", "consenting": "-1", "workforce": "abc"},
    {"action": "round", "starts_at": "2026-13-45T99:99", "agenda": "", "meeting_url": "javascript:alert(1)",
     "minutes_long": "9" * 30},
    {"action": "minutes", "round": "-1", "minutes": ""},
    {"action": "add_clause", "area": "<script>"},
    {"action": "clause", "clause": "abc", "state": "maybe"},
    {"action": "wage_data", "headcount": "很多", "average_wage": "1e400", "last_rise_pct": "x"},
    {"action": "term", "term_months": "99"},
    {"action": "open_vote", "body": "x", "voters": ["a"], "closes_at": "never"},
    {"action": "tally"}, {"action": "sign", "side": "nobody"}, {"action": "abandon", "reason": ""},
    {"action": "submit", "submitted_on": "x", "received_on": "2999-01-01"},
    {"action": "objection", "objection": ""}, {"action": "approved", "approved_on": "yesterday"},
    {"action": "renew", "request_text": ""},
    {"choice": "maybe"}, {"action": "check", "receipt": "'" * 80},
    {"kind": "zzz", "reach": "planet", "title": "", "enterprises": ["x", "99999999"], "request_text": "",
     "received_on": "2999-99-99", "unit": "999999999"},
    {"kind": "wages", "reach": "enterprise", "title": "t", "employer_party": "", "signed_on": "x", "term_months": "5",
     "submitted_on": "", "effective_from": "bad", "enterprises": []},
    {"area": "pay", "title": "", "text": ""},
]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["meilihao", "beiyuanmen", "worker1", "hr_meilihao"])
def test_garbage_never_breaks_a_bargaining_page(username: str, persona, client_for) -> None:  # noqa: ANN001
    user = persona(username)
    objects = {kwarg: policy.filter(user).order_by("pk").first() for kwarg, policy in scoping.REGISTRY.items()}
    client = client_for(username)
    problems = []
    routes = app_routes("bargaining")
    assert len(routes) >= 14
    before = Contract.objects.count(), Bargaining.objects.count()
    for template, kwargs in routes:
        if any(objects.get(k) is None for k in kwargs):
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(objects[m.group(1)].pk), template)
        for body in GARBAGE:
            response = client.post(url, body)
            if response.status_code >= 500:
                problems.append(f"POST {url} {body}: {response.status_code}")
        response = client.get(url, {"kind": "<script>", "state": "x", "q": "'" * 80, "unit": "abc"})
        if response.status_code >= 500:
            problems.append(f"GET {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert (Contract.objects.count(), Bargaining.objects.count()) == before
