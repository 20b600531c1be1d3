"""Bad input on every mediation page and form: a clear message, never a server error."""

from __future__ import annotations

import re

import pytest

from gonghui.orgs import scoping
from tests.routes import app_routes

GARBAGE = [
    {},
    {"action": "nonsense"},
    {"action": "schedule", "mode": "online", "starts_at": "2026-13-45T99:99", "place": "javascript:alert(1)"},
    {"action": "schedule", "mode": "x", "starts_at": "", "minutes_long": "9" * 30},
    {"action": "draft", "terms": "", "payment_kind": "wages", "payment_amount": "1e400", "payment_due": "x"},
    {"action": "draft", "terms": "x", "payment_kind": "nope", "payment_amount": "-1", "payment_due": "2020-01-01"},
    {"action": "propose_extension", "days": "-3"},
    {"action": "assign", "mediator": "9" * 25, "declaration": ""},
    {"action": "add_workers", "applicant_name": "张", "applicant_id": "123", "applicant_phone": "abc"},
    {"action": "add_participant", "side": "boss", "kind": "judge", "name": ""},
    {"action": "paid", "payment": "abc", "paid_on": "yesterday"},
    {"action": "minutes", "session": "-1", "minutes": ""},
    {"action": "message", "text": "", "audience": "everyone"},
    {"action": "accept", "in_scope": "maybe", "reason": "\x00"},
    {"action": "settlement", "terms": ""},
    {"action": "mediator", "username": "nobody", "employer": "x" * 40},
    {"action": "seal"},
    {"body": "abc", "employer": "x" * 300, "category": "<script>", "knew_on": "31/02/2026", "amount_claimed": "很多",
     "applicant_name": "x", "applicant_id": "y"},
    {"name": "", "kind": "zzz", "unit": "999999999", "arbitration_commission": "", "enterprise": "bad"},
]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["tiaojie", "beiyuanmen", "worker1", "hr_meilihao"])
def test_garbage_never_breaks_a_mediation_page(username: str, persona, client_for) -> None:  # noqa: ANN001
    user = persona(username)
    objects = {kwarg: policy.filter(user).order_by("pk").first() for kwarg, policy in scoping.REGISTRY.items()}
    client = client_for(username)
    problems = []
    routes = app_routes("mediation")
    assert len(routes) > 15
    for template, kwargs in routes:
        if any(objects.get(k) is None for k in kwargs):
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(objects[m.group(1)].pk), template)
        for body in GARBAGE:
            response = client.post(url, body)
            if response.status_code >= 500:
                problems.append(f"POST {url} {body}: {response.status_code}")
        response = client.get(url, {"state": "<script>", "category": "x", "body": "abc", "q": "'" * 80,
                                    "start": "2026-99-01", "end": "x", "negotiation": "abc"})
        if response.status_code >= 500:
            problems.append(f"GET {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
