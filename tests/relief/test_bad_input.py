"""Bad input on every relief page and form: a clear message, never a server error, nothing half-written."""

from __future__ import annotations

import re

import pytest

from gonghui.orgs import scoping
from tests.routes import app_routes

GARBAGE = [
    {},
    {"action": "nonsense"},
    {"action": "confirm_category", "category": "x" * 500},
    {"action": "add_flag", "kind": "illness", "starts_on": "2026-13-45"},
    {"action": "log_contact", "on": "tomorrow", "channel": "visit"},
    {"action": "monthly_income", "month": "2026-02", "per_head": "很多"},
    {"action": "exit", "status": "exited", "reason": ""},
    {"action": "reverse", "reason": ""},
    {"action": "retry", "bank_account": "abc"},
    {"action": "publish"},
    {"decision": "approve", "reason": "\x00"},
    {"policy": "999999", "amount": "-5", "kind": "allocate"},
    {"policy": "1", "amount": "1e400", "kind": "transfer_out", "to_unit": "999999"},
    {"upheld": "1", "resolution": ""},
    {"text": ""},
    {"city": "abc", "monthly": "NaN", "effective_from": "x"},
    {"spec": "{not json", "notice_days": "many"},
    {"self_paid": "-1", "policy": "1", "bank_account": "1" * 40},
]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["beiyuanmen", "xian", "worker1"])
def test_garbage_never_breaks_a_relief_page(username: str, persona, client_for) -> None:  # noqa: ANN001
    user = persona(username)
    objects = {kwarg: policy.filter(user).order_by("pk").first() for kwarg, policy in scoping.REGISTRY.items()}
    client = client_for(username)
    problems = []
    routes = app_routes("relief")
    assert len(routes) > 20
    for template, kwargs in routes:
        if any(objects.get(k) is None for k in kwargs):
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(objects[m.group(1)].pk), template)
        for body in GARBAGE:
            response = client.post(url, body)
            if response.status_code >= 500:
                problems.append(f"POST {url} {body}: {response.status_code}")
        response = client.get(url, {"year": "abc", "page": "-1", "state": "<script>", "spot": "x", "simulate": "1"})
        if response.status_code >= 500:
            problems.append(f"GET {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
