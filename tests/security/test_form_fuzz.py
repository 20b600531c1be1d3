"""Every form of every page, filled with hostile values, as each kind of user: nothing 500s, nothing shows unescaped.

The URL resolver says which pages exist; each page is opened with objects its viewer may see, and every
<form> in it is parsed (fields, hidden values, choices) and sent back three times:

- script-bearing: every typed field holds `<script>…</script>"'><img src=x onerror=…>` with a number
  naming the form and field; choices and hidden fields keep a valid value so that the form gets as far as
  it can (past "which action" to the service's own checks);
- oversized: 20,000 characters in every field (one field of 11 MB in a last request, over the 10 MB a request may carry);
- malformed: NUL bytes, right-to-left overrides, numbers past any column, impossible dates, choices that
  are not among the options.

No answer may be a server error. Afterwards every page is read again — with the newest objects too, those
the hostile posts may have created — and no page, and no answer to a post, may carry the markup raw: shown
back, it must be escaped (Django's autoescape; chart data through json_script).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gonghui.orgs import scoping
from gonghui.orgs.models import User
from tests import samples
from tests.security.test_scoping_sweep import SIGN_OUT, _fill, all_routes

PERSONAS = ["beiyuanmen", "meilihao", "worker1", "hr_meilihao", "tiaojie"]
RAW = re.compile(r"<script>gh-xss-\d+|<img src=x onerror=gh\d+")
ESCAPED = re.compile(r"&lt;script&gt;gh-xss-(\d+)")
OVERSIZED = "长" * 20_000
MALFORMED = {
    "text": "\x00\u202egh\x00" + "💥" * 10 + "'; DROP TABLE orgs_unit; --",
    "number": "-99999999999999999999999999e999",
    "date": "2026-02-30",
    "datetime-local": "9999-99-99T99:99",
    "time": "25:61",
    "email": "@@",
    "tel": "+86 ☎",
}


@dataclass
class Form:
    action: str
    method: str
    fields: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)


class FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self.current, self.select = page, [], None, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = Form(action=a.get("action") or self.page, method=a.get("method", "get").lower())
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag in ("input", "textarea", "select") and a.get("name"):
            kind = "textarea" if tag == "textarea" else "select" if tag == "select" else a.get("type", "text").lower()
            self.current.fields.append({"name": a["name"], "type": kind, "value": a.get("value", "")})
            if tag == "select":
                self.select = a["name"]
                self.current.options.setdefault(a["name"], [])
        elif tag == "option" and self.select is not None:
            self.current.options[self.select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


SIGN_OUT_PATHS = ("/accounts/logout/", "/admin/logout/", "/i18n/")


def forms_of(page: str, body: str) -> list[Form]:
    """The page's forms that act on the site (not signing out: the walk would go on signed out)."""
    parser = FormParser(page)
    parser.feed(body)
    return [f for f in parser.forms if f.action.startswith("/") and not f.action.startswith(SIGN_OUT_PATHS)]


counter = itertools.count(1)


def hostile(form: Form, variant: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in form.fields:
        name, kind = f["name"], f["type"]
        if name == "csrfmiddlewaretoken" or kind in ("submit", "button", "image", "reset"):
            continue
        choices = [o for o in form.options.get(name, []) if o]
        if kind in ("checkbox", "radio"):
            data.setdefault(name, f["value"] or "on")
        elif kind == "file":
            data[name] = SimpleUploadedFile(f'<img src=x onerror=gh{next(counter)}>.pdf', samples.pdf(),
                                            content_type="application/pdf")
        elif kind == "hidden" and variant != "malformed":
            data[name] = f["value"]  # which action a form is (the page's own value): the form goes as far as it can
        elif variant == "script":
            data[name] = choices[0] if kind == "select" and choices else (
                f'<script>gh-xss-{next(counter)}</script>"\'><img src=x onerror=gh{next(counter)}>')
        elif variant == "oversized":
            data[name] = OVERSIZED
        else:
            data[name] = MALFORMED.get(kind, MALFORMED["text"])
    return data


def _client(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def own_urls(user: Any, newest: bool = False) -> list[str]:
    """Every page URL filled with objects the user may see (the newest of each kind, or the oldest)."""
    urls = []
    for route in all_routes():
        if route.is_admin or route.name in SIGN_OUT or route.name.startswith("api:"):
            continue
        values = {}
        for kwarg in route.kwargs:
            policy = scoping.policy_for_kwarg(kwarg)
            obj = policy.filter(user).order_by("-pk" if newest else "pk").first() if policy else None
            if obj is None:
                break
            values[kwarg] = obj.pk
        else:
            urls.append(_fill(route.template, values))
    return urls


def _text(response: Any) -> str:
    if response.streaming or not response.get("Content-Type", "").startswith(("text/", "application/json")):
        return ""
    return response.content.decode(errors="replace")


def fuzz_forms_as(username: str, problems: list[str]) -> int:
    """Send every form of every page the user can open, three times over; how many were sent."""
    user = User.objects.get(username=username)
    client = _client(username)
    tried = 0
    for url in own_urls(user):
        if "_auth_user_id" not in client.session:
            problems.append(f"{username} signed out before {url}: the walk cannot go on")
            break
        page = client.get(url)
        if page.status_code != 200:
            continue
        for form in forms_of(url, _text(page)):
            for variant in ("script", "oversized", "malformed"):
                response = (client.post if form.method == "post" else client.get)(form.action, hostile(form, variant))
                tried += 1
                where = f"{username}: {form.method.upper()} {form.action} ({variant}, from {url})"
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                if RAW.search(_text(response)):
                    problems.append(f"{where}: shows the markup unescaped")
    assert tried >= 3 * 4 or problems, f"{username}: only {tried // 3} forms were found: the parser or the walk is broken"
    return tried


def test_every_form_holds_against_hostile_values(persona) -> None:  # noqa: ANN001
    """Each persona fills every form it reaches; then every persona reads every page it may see: what one of
    them typed, another is shown (an official's notice, a worker's claim), escaped."""
    problems: list[str] = []
    for username in PERSONAS:
        fuzz_forms_as(username, problems)
    huge = _client("beiyuanmen").post("/reports/notices/", {"title": "x" * 11 * 2**20})  # past DATA_UPLOAD_MAX_MEMORY_SIZE
    if huge.status_code != 400:
        problems.append(f"an 11 MB field: {huge.status_code} (want 400)")
    shown_back: set[str] = set()  # markers that were stored and shown again (escaped): the check had matter
    for viewer in PERSONAS:
        reader = _client(viewer)
        for url in sorted(set(own_urls(persona(viewer))) | set(own_urls(persona(viewer), newest=True))):
            response = reader.get(url)
            if response.status_code >= 500:
                problems.append(f"GET {url} as {viewer} after the fuzz: {response.status_code}")
            body = _text(response)
            found = RAW.search(body)
            if found:
                problems.append(f"GET {url} as {viewer}: shows {found.group(0)!r} unescaped")
            shown_back.update(ESCAPED.findall(body))
    assert not problems, "\n".join(problems)
    assert shown_back, "no hostile value was stored and shown again: the fuzz reached nothing that keeps input"


def test_anonymous_forms_hold_against_hostile_values(demo_tree) -> None:  # noqa: ANN001
    """Signing in, the SMS code, joining the union: the forms anyone can reach."""
    client = Client()
    problems, tried = [], 0
    for url in ("/accounts/login/", "/accounts/login/sms/", "/membership/join/", "/membership/rebind/"):
        page = client.get(url)
        for form in forms_of(url, _text(page)):
            for variant in ("script", "oversized", "malformed"):
                response = (client.post if form.method == "post" else client.get)(form.action, hostile(form, variant))
                tried += 1
                if response.status_code >= 500:
                    problems.append(f"{form.action} ({variant}): {response.status_code}")
                if RAW.search(_text(response)):
                    problems.append(f"{form.action} ({variant}): shows the markup unescaped")
    assert tried >= 6
    assert not problems, "\n".join(problems)


def test_the_fuzz_would_see_an_unescaped_value() -> None:
    """The detector itself: raw markup is seen, escaped markup is not."""
    form = Form(action="/x/", method="post", fields=[{"name": "title", "type": "text", "value": ""}])
    value = hostile(form, "script")["title"]
    from django.utils.html import escape

    assert RAW.search(f"<p>{value}</p>")
    assert not RAW.search(f"<p>{escape(value)}</p>")
