"""The scoping sweep: every URL pattern and every API operation, tried with another unit's objects.

Nothing here is a hand-kept list of routes. The URL resolver and the OpenAPI schema say what
exists; the scoping registry (`gonghui.orgs.scoping.REGISTRY`) says which objects a URL
keyword names. Every demo role of the street 北院门 (its official, social worker and mediator,
the chair, a worker, a worker representative, the HR contact and the daily reporter of the
hotel under it) is tried with the objects of the sibling street 青年路 it may not see; every
role of 青年路 (official, worker, HR contact) with 北院门's; a worker with another worker's of the
same enterprise; an anonymous visitor with everything:

- reads and writes of another unit's object answer 404 (never 403, never 200) and change
  nothing (no audit entry, no field changed);
- list pages and list endpoints never show another unit's objects (their canaries);
- a URL keyword that no policy claims fails the sweep: a new route must be scoped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
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
# (viewer, owner of the objects tried). The two streets are siblings under 莲湖区.
BEIYUANMEN_ROLES = ["beiyuanmen", "shegong", "tiaojie", "meilihao", "worker1", "daibiao1", "hr_meilihao", "tianbao"]
QINGNIANLU_ROLES = ["qingnianlu", "worker2", "hr_qingnian"]
SIBLINGS = [(v, "qingnianlu") for v in BEIYUANMEN_ROLES] + [(v, "beiyuanmen") for v in QINGNIANLU_ROLES]
# A worker and a fellow worker of the same hotel: nothing of the one is the other's to open.
FELLOW_WORKERS = [("worker1", "daibiao1")]
SWEEPS = SIBLINGS + FELLOW_WORKERS

# Pages that show the public directory of union organisations (a worker picks where they work when
# joining): union names are public there; every other object still may not appear.
DIRECTORY = {"membership:join", "membership:mine"}
# Routes anyone may open without signing in.
PUBLIC = {"healthz", "set_language", "orgs:login", "orgs:login_sms", "orgs:login_sms_send", "orgs:login_otp",
          "orgs:logout", "api:openapi-json", "orgs:privacy",
          # joining the union and checking an e-card need no account
          "membership:join", "membership:send_code", "membership:verify", "membership:card_keys", "membership:rebind",
          # the owner of a number cancels a change of their login number they did not ask for (code to that number)
          "membership:rebind_cancel"}
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
    for name in ("qingnianlu", "beiyuanmen"):
        owner = persona(name)
        Job.objects.create(kind="people.import", created_by=owner, unit_path=owner.primary_unit.path,
                           source_file="imports/none.xlsx", source_name=f"{owner.primary_unit.name}名册.xlsx",
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


def foreign_objects(viewer: Any, owner: User, *, every_kind: bool = True) -> dict[str, Any]:
    """One object per registered keyword that the owner may see and the viewer may not.

    Between two streets every kind of object exists on both sides (`every_kind`); a worker owns only a
    few kinds, and routes naming the other kinds are left to the street sweeps.
    """
    found = {}
    for kwarg, policy in scoping.REGISTRY.items():
        if policy.shared:  # reference data every official reads alike: any object will do
            found[kwarg] = policy.base_queryset().order_by("pk").first()
            assert found[kwarg] is not None, f"the demo tree has no {kwarg}"
            continue
        theirs = policy.filter(owner)
        mine = policy.filter(viewer).values("pk")
        obj = theirs.exclude(pk__in=mine).order_by("pk").first()
        if obj is not None:
            found[kwarg] = obj
        else:
            assert not every_kind, f"the demo tree has no {kwarg} of {owner} hidden from {viewer}"
    return found


def canaries(viewer: Any, owner: User, directory: bool = False) -> set[str]:
    """Marks of the owner's objects hidden from the viewer, less any mark an object the viewer may see also
    bears (青年路's copy of a shipped form carries the shipped form's name, which 北院门's people see)."""
    marks, visible = set(), set()
    for policy in set(scoping.REGISTRY.values()):
        if policy.shared or (directory and policy is scoping.units):
            continue
        for obj in policy.filter(owner).exclude(pk__in=policy.filter(viewer).values("pk"))[:200]:
            marks.add(policy.canary(obj))
        if not isinstance(viewer, AnonymousUser):
            visible.update(policy.canary(obj) for obj in policy.filter(viewer)[:2000])
    return {m for m in marks - visible if len(m) >= 4}


def snapshot(objects: dict[str, Any], owner: User, viewer: Any = None) -> tuple[int, dict[str, Any]]:
    """The foreign objects' fields, and how many audit entries concern them or the owner's subtree.

    (The viewer's own actions, such as exporting their own list, are audited in their own subtree.)
    """
    about = Q(subject_user_id=owner.pk)
    viewer_path = getattr(getattr(viewer, "primary_unit", None), "path", "")
    if not viewer_path.startswith(owner.primary_unit.path):  # a fellow worker's own actions are audited there too
        about |= Q(unit_path__startswith=owner.primary_unit.path)
    by_model: dict[type, list[Any]] = defaultdict(list)
    for obj in objects.values():
        by_model[type(obj)].append(obj.pk)
        about |= Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    # A query a model and its many-to-many fields (a query an object made the sweep take minutes a viewer).
    state = {model._meta.label: [model_to_dict(fresh) for fresh in
                                 model._default_manager.filter(pk__in=pks).order_by("pk")
                                 .prefetch_related(*(f.name for f in model._meta.many_to_many))]
             for model, pks in by_model.items()}
    return AuditEvent.objects.filter(about).count(), state


def rows_written() -> int:
    """How many rows this connection has inserted, updated or deleted so far (the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_all_tables")
        else:
            cursor.execute("SELECT total_changes()")
        return int(cursor.fetchone()[0])


class Watch:
    """Whether a request changed the foreign objects. The full snapshot is taken again only after a request that
    wrote a row somewhere; a request that wrote nothing cannot have changed them."""

    def __init__(self, objects: dict[str, Any], owner: User, viewer: Any = None) -> None:
        self.objects, self.owner, self.viewer = objects, owner, viewer
        self.state = snapshot(objects, owner, viewer)
        self.written = rows_written()

    def changed(self) -> bool:
        written = rows_written()
        if written == self.written:
            return False
        before, self.state, self.written = self.state, snapshot(self.objects, self.owner, self.viewer), written
        return self.state != before


def leaked(body: str, marks: set[str]) -> list[str]:
    return sorted(m for m in marks if m in body)


def _client(viewer: str | None) -> Client:
    client = Client()
    if viewer is not None:
        client.force_login(User.objects.get(username=viewer))
    return client


@pytest.mark.parametrize(("viewer", "owner_name"), SWEEPS)
def test_pages_never_reach_another_units_objects(viewer: str, owner_name: str, persona) -> None:  # noqa: ANN001
    me, owner = persona(viewer), persona(owner_name)
    objects = foreign_objects(me, owner, every_kind=(viewer, owner_name) in SIBLINGS)
    marks = canaries(me, owner)
    directory_marks = canaries(me, owner, directory=True)
    client = _client(viewer)
    watch = Watch(objects, owner, me)
    problems: list[str] = []
    routes = all_routes()
    assert len(routes) > 20, "the URL walk found almost nothing"
    for route in routes:
        if route.name in SIGN_OUT:
            continue
        if route.is_admin:
            some_unit = objects["unit_id"].pk if "unit_id" in objects else 1  # a fellow worker owns no unit
            values = {k: ADMIN_VALUES.get(k, some_unit) for k in route.kwargs}
            values.update({k: objects[k].pk for k in route.kwargs if k in objects and k != "user_id"})
        else:
            unknown = [k for k in route.kwargs if scoping.policy_for_kwarg(k) is None]
            if unknown:
                problems.append(f"{route.template}: keyword {unknown} is claimed by no scoping policy: register one")
                continue
            if any(k not in objects for k in route.kwargs):
                continue  # the owner (a worker) has no object of this kind: the street sweeps try the route
            values = {k: objects[k].pk for k in route.kwargs}
        shared_only = (not route.is_admin and bool(route.kwargs)
                       and all(scoping.policy_for_kwarg(k).shared for k in route.kwargs))
        url = _fill(route.template, values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
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
            if watch.changed():
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


@pytest.mark.parametrize(("viewer", "owner_name"), SWEEPS)
def test_api_never_reaches_another_units_objects(viewer: str, owner_name: str, persona) -> None:  # noqa: ANN001
    me, owner = persona(viewer), persona(owner_name)
    objects = foreign_objects(me, owner, every_kind=(viewer, owner_name) in SIBLINGS)
    marks = canaries(me, owner)
    _, raw = issue_api_token(user=me)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    watch = Watch(objects, owner, me)
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
        if any(p not in objects for p in params):
            continue  # the owner (a worker) has no object of this kind: the street sweeps try the route
        url = re.sub(r"{(\w+)}", lambda m: str(objects[m.group(1)].pk), path)
        kwargs: dict[str, Any] = {}
        if info["body"] is not None:
            kwargs = {"data": info["body"], "content_type": "application/json"}
        response = getattr(client, method)(url, **kwargs)
        status = response.status_code
        if status >= 500:
            problems.append(f"{method.upper()} {url}: server error {status}")
        if params and all(scoping.policy_for_kwarg(p).shared for p in params) and method == "get":
            pass
        elif params and status != 404:
            problems.append(f"{method.upper()} {url}: answered {status} for another unit's object (want 404)")
        if params and status == 404 and response.json().get("code") != "not_found":  # noqa: SIM102
            problems.append(f"{method.upper()} {url}: 404 without the JSON error shape")
        if watch.changed():
            problems.append(f"{method.upper()} {url}: changed data of another unit")
        found = leaked(response.content.decode(errors="replace"), marks)
        if found:
            problems.append(f"{method.upper()} {url}: shows another unit's {found[:3]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("owner_name", ["qingnianlu", "beiyuanmen"])
def test_anonymous_visitors_reach_only_public_routes(owner_name: str, persona) -> None:  # noqa: ANN001
    owner = persona(owner_name)
    anonymous = AnonymousUser()
    objects = {k: p.filter(owner).order_by("pk").first() for k, p in scoping.REGISTRY.items()}
    marks = canaries(anonymous, owner)
    directory_marks = canaries(anonymous, owner, directory=True)
    client = Client()
    watch = Watch({k: v for k, v in objects.items() if v is not None}, owner)
    problems = []
    for route in all_routes():
        if route.is_admin or route.name in PUBLIC:
            continue
        if route.name.startswith("api:"):
            continue  # every API operation is tried below, with the API's own open list
        url = _fill(route.template, {k: objects[k].pk for k in route.kwargs if objects.get(k) is not None})
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            to_login = status == 302 and "/accounts/login/" in response["Location"]
            if not (to_login or status in (401, 404, 405)):
                problems.append(f"{method.upper()} {url}: anonymous got {status}")
            if watch.changed():
                problems.append(f"{method.upper()} {url}: anonymous changed data")
            found = leaked(response.content.decode(errors="replace"),
                           directory_marks if route.name in DIRECTORY else marks)
            if found:
                problems.append(f"{method.upper()} {url}: anonymous sees {found[:3]}")
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


def test_the_fellow_worker_sweep_tries_a_workers_own_things(persona) -> None:  # noqa: ANN001
    """worker1 against daibiao1 must have something to try: the other's account, file and own requests."""
    for viewer, owner in FELLOW_WORKERS:
        tried = set(foreign_objects(persona(viewer), persona(owner), every_kind=False))
        own_kinds = {k for k, p in scoping.REGISTRY.items() if not p.shared}
        assert {"user_id", "person_id"} <= tried, tried
        assert len(tried & own_kinds) >= 3, tried


def test_the_watch_sees_a_change_and_only_a_change(persona) -> None:  # noqa: ANN001
    """The sweep's change detector: a read leaves it quiet, a write to a foreign object is seen, a write elsewhere
    (the viewer's own session, say) is looked at and let pass."""
    me, owner = persona("beiyuanmen"), persona("qingnianlu")
    objects = foreign_objects(me, owner)
    watch = Watch(objects, owner, me)
    Client().get("/healthz")
    assert not watch.changed()
    me.display_name = "白院门二"
    me.save(update_fields=["display_name"])
    assert not watch.changed()
    enterprise = objects["enterprise_id"]
    type(enterprise).objects.filter(pk=enterprise.pk).update(name=enterprise.name + "（改）")
    assert watch.changed()
    assert not watch.changed()
