"""The scoping sweep: every URL pattern and every API operation, tried with another unit's objects.

Nothing here is a hand-kept list of routes. The URL resolver and the OpenAPI schema say what
exists; the scoping registry (`gonghui.orgs.scoping.REGISTRY`) says which objects a URL
keyword names. For the street official 北院门 (`beiyuanmen`), the chair of a grassroots union
under it (`meilihao`), a worker (`worker1`) and an anonymous visitor, each route is tried
with objects of the sibling street 青年路 (`qingnianlu`) that the viewer may not see:

- reads and writes of another unit's object answer 404 (never 403, never 200) and change
  nothing (no audit entry, no field changed);
- list pages and list endpoints never show another unit's objects (their canaries);
- a URL keyword that no policy claims fails the sweep: a new route must be scoped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gonghui.api.urls import api
from gonghui.core.models import AuditEvent, Job
from gonghui.orgs import scoping
from gonghui.orgs.models import User
from gonghui.orgs.services import issue_api_token

OWNER = "qingnianlu"
VIEWERS = ["beiyuanmen", "meilihao", "worker1", "shegong"]

# Pages that show the public directory of union organisations (a worker picks where they work when
# joining): union names are public there; every other object still may not appear.
DIRECTORY = {"membership:join", "membership:mine"}
# Routes anyone may open without signing in.
PUBLIC = {"healthz", "set_language", "orgs:login", "orgs:login_sms", "orgs:login_sms_send", "orgs:login_otp",
          "orgs:logout", "api:openapi-json", "orgs:privacy",
          # joining the union and checking an e-card need no account
          "membership:join", "membership:send_code", "membership:verify", "membership:card_keys", "membership:rebind"}
# API routes open without an account, as their pages are (joining, re-binding one's number, checking a card).
PUBLIC_API = {"/api/v1/membership/code", "/api/v1/membership/join", "/api/v1/membership/rebind",
              "/api/v1/membership/verify"}
# Signing out acts on the caller's own session only (and would end the sweep's session).
SIGN_OUT = {"orgs:logout", "admin:logout"}
# Keywords of Django's own admin, which only superusers enter (everyone else is sent to its login).
ADMIN_VALUES = {"app_label": "orgs", "model_name": "unit", "url": "x", "content_type_id": "1", "uidb64": "x",
                "token": "x", "user_id": "1"}


@pytest.fixture(autouse=True)
def _owner_has_a_job(persona) -> None:  # noqa: ANN001
    """The owner's own background job (an import with its uploaded file): nobody else's to read."""
    owner = persona(OWNER)
    Job.objects.create(kind="people.import", created_by=owner, unit_path=owner.primary_unit.path,
                       source_file="imports/none.xlsx", source_name="青年路名册.xlsx",
                       params={"unit": owner.primary_unit.pk, "mode": "validate"}, state=Job.State.DONE)


@dataclass
class Route:
    template: str
    name: str
    kwargs: list[str]
    is_admin: bool


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            template = prefix + str(entry.pattern)
            kwargs = re.findall(r"<(?:\w+:)?(\w+)>", template) + re.findall(r"\(\?P<(\w+)>", template)
            name = f"{namespace}{entry.name}" if entry.name else template
            yield Route(template, name, kwargs, namespace.startswith("admin:"))


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


def _fill(template: str, values: dict[str, Any]) -> str:
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), template)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), url)
    url = url.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + url


def foreign_objects(viewer: Any, owner: User) -> dict[str, Any]:
    """One object per registered keyword that the owner may see and the viewer may not."""
    found = {}
    for kwarg, policy in scoping.REGISTRY.items():
        if policy.shared:  # reference data every official reads alike: any object will do
            found[kwarg] = policy.base_queryset().order_by("pk").first()
            assert found[kwarg] is not None, f"the demo tree has no {kwarg}"
            continue
        theirs = policy.filter(owner)
        mine = policy.filter(viewer).values("pk")
        obj = theirs.exclude(pk__in=mine).order_by("pk").first()
        assert obj is not None, f"the demo tree has no {kwarg} of {owner} hidden from {viewer}"
        found[kwarg] = obj
    return found


def canaries(viewer: Any, owner: User, directory: bool = False) -> set[str]:
    marks = set()
    for policy in set(scoping.REGISTRY.values()):
        if policy.shared or (directory and policy is scoping.units):
            continue
        for obj in policy.filter(owner).exclude(pk__in=policy.filter(viewer).values("pk"))[:200]:
            marks.add(policy.canary(obj))
    return {m for m in marks if len(m) >= 4}


def snapshot(objects: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The foreign objects' fields, and how many audit entries concern them or the owner's subtree.

    (The viewer's own actions, such as exporting their own list, are audited in their own subtree.)
    """
    state = {}
    about = Q(unit_path__startswith=User.objects.get(username=OWNER).primary_unit.path)
    for kwarg, obj in objects.items():
        fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
        state[kwarg] = model_to_dict(fresh) if fresh is not None else None
        about |= Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return AuditEvent.objects.filter(about).count(), state


def leaked(body: str, marks: set[str]) -> list[str]:
    return sorted(m for m in marks if m in body)


def _client(viewer: str | None) -> Client:
    client = Client()
    if viewer is not None:
        client.force_login(User.objects.get(username=viewer))
    return client


@pytest.mark.parametrize("viewer", VIEWERS)
def test_pages_never_reach_another_units_objects(viewer: str, persona) -> None:  # noqa: ANN001
    me, owner = persona(viewer), persona(OWNER)
    objects = foreign_objects(me, owner)
    marks = canaries(me, owner)
    directory_marks = canaries(me, owner, directory=True)
    client = _client(viewer)
    problems: list[str] = []
    routes = all_routes()
    assert len(routes) > 20, "the URL walk found almost nothing"
    for route in routes:
        if route.name in SIGN_OUT:
            continue
        if route.is_admin:
            values = {k: ADMIN_VALUES.get(k, objects["unit_id"].pk) for k in route.kwargs}
            values.update({k: objects[k].pk for k in route.kwargs if k in objects and k != "user_id"})
        else:
            unknown = [k for k in route.kwargs if scoping.policy_for_kwarg(k) is None]
            if unknown:
                problems.append(f"{route.template}: keyword {unknown} is claimed by no scoping policy: register one")
                continue
            values = {k: objects[k].pk for k in route.kwargs}
        shared_only = (not route.is_admin and bool(route.kwargs)
                       and all(scoping.policy_for_kwarg(k).shared for k in route.kwargs))
        url = _fill(route.template, values)
        for method in ("get", "post"):
            before = snapshot(objects)
            response = getattr(client, method)(url)
            after = snapshot(objects)
            status = response.status_code
            body = response.content.decode(errors="replace") if not response.streaming else ""
            if status >= 500:
                problems.append(f"{method.upper()} {url}: server error {status}")
            if route.is_admin:
                if status == 200 and route.name != "admin:login":
                    problems.append(f"{method.upper()} {url}: the admin opened for a non-superuser")
            elif route.name.startswith("api:"):
                # Without a JSON body the API refuses before any lookup; the API sweep below
                # sends valid bodies. Here it must simply not answer with data.
                if route.kwargs and status not in (400, 404, 405, 422):
                    problems.append(f"{method.upper()} {url}: answered {status} for another unit's object")
            elif shared_only and method == "get" and status == 200:
                pass  # shared reference data (a relief policy) reads the same for every official
            elif route.kwargs and status not in (404, 405):
                problems.append(f"{method.upper()} {url}: answered {status} for another unit's object (want 404)")
            if after != before:
                problems.append(f"{method.upper()} {url}: changed data of another unit")
            found = leaked(body, directory_marks if route.name in DIRECTORY else marks)
            if found:
                problems.append(f"{method.upper()} {url}: shows another unit's {found[:3]}")
    assert not problems, "\n".join(problems)


def _schema_value(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _schema_value(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _schema_value(schema[key][0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        return {name: _schema_value(prop, components) for name, prop in schema.get("properties", {}).items()
                if name in required}
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if schema.get("format") == "date-time":
        return "2030-01-01T10:00:00+08:00"
    if schema.get("format") == "date":
        return "2030-01-01"
    return "x" * max(1, schema.get("minLength", 1))


def api_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = None
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _schema_value(content["application/json"]["schema"], components)
            yield path, method, {"body": body, "operation": operation}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_api_never_reaches_another_units_objects(viewer: str, persona) -> None:  # noqa: ANN001
    me, owner = persona(viewer), persona(OWNER)
    objects = foreign_objects(me, owner)
    marks = canaries(me, owner)
    _, raw = issue_api_token(user=me)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    problems: list[str] = []
    operations = list(api_operations())
    assert len(operations) >= 5, "the OpenAPI walk found almost nothing"
    for path, method, info in operations:
        params = re.findall(r"{(\w+)}", path)
        unknown = [p for p in params if scoping.policy_for_kwarg(p) is None]
        if unknown:
            problems.append(f"{path}: path parameter {unknown} is claimed by no scoping policy: register one")
            continue
        if path.startswith("/api/v1/auth/"):
            continue  # signing in and out act on the caller's own credentials only
        url = re.sub(r"{(\w+)}", lambda m: str(objects[m.group(1)].pk), path)
        before = snapshot(objects)
        kwargs: dict[str, Any] = {}
        if info["body"] is not None:
            kwargs = {"data": info["body"], "content_type": "application/json"}
        response = getattr(client, method)(url, **kwargs)
        after = snapshot(objects)
        status = response.status_code
        if status >= 500:
            problems.append(f"{method.upper()} {url}: server error {status}")
        if params and all(scoping.policy_for_kwarg(p).shared for p in params) and method == "get":
            pass
        elif params and status != 404:
            problems.append(f"{method.upper()} {url}: answered {status} for another unit's object (want 404)")
        if params and status == 404 and response.json().get("code") != "not_found":  # noqa: SIM102
            problems.append(f"{method.upper()} {url}: 404 without the JSON error shape")
        if after != before:
            problems.append(f"{method.upper()} {url}: changed data of another unit")
        found = leaked(response.content.decode(errors="replace"), marks)
        if found:
            problems.append(f"{method.upper()} {url}: shows another unit's {found[:3]}")
    assert not problems, "\n".join(problems)


def test_anonymous_visitors_reach_only_public_routes(persona) -> None:  # noqa: ANN001
    owner = persona(OWNER)
    anonymous = AnonymousUser()
    objects = {k: p.filter(owner).order_by("pk").first() for k, p in scoping.REGISTRY.items()}
    marks = canaries(anonymous, owner)
    directory_marks = canaries(anonymous, owner, directory=True)
    client = Client()
    problems = []
    for route in all_routes():
        if route.is_admin or route.name in PUBLIC:
            continue
        url = _fill(route.template, {k: objects[k].pk for k in route.kwargs if k in objects})
        response = client.get(url)
        status = response.status_code
        to_login = status == 302 and "/accounts/login/" in response["Location"]
        if not (to_login or status in (401, 404, 405)):
            problems.append(f"GET {url}: anonymous got {status}")
        found = leaked(response.content.decode(errors="replace"), directory_marks if route.name in DIRECTORY else marks)
        if found:
            problems.append(f"GET {url}: anonymous sees {found[:3]}")
    for path, method, _info in api_operations():
        if path.startswith("/api/v1/auth/") or path in PUBLIC_API:
            continue
        url = re.sub(r"{(\w+)}", lambda m: str(objects[m.group(1)].pk), path)
        response = getattr(Client(), method)(url)
        if response.status_code != 401:
            problems.append(f"{method.upper()} {url}: anonymous got {response.status_code} (want 401)")
    assert not problems, "\n".join(problems)


def test_the_sweep_sees_the_routes_it_must(persona) -> None:  # noqa: ANN001
    """A guard on the sweep itself: it walks the console's object pages and the API's object routes."""
    templates = {r.template for r in all_routes()}
    assert "units/<int:unit_id>/" in templates
    assert "people/accounts/<int:user_id>/" in templates
    paths = {path for path, _m, _i in api_operations()}
    assert "/api/v1/orgs/{unit_id}" in paths
    assert set(scoping.REGISTRY) >= {"unit_id", "user_id", "event_id", "assignment_id"}
