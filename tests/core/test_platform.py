"""Health check, deploy settings, security headers: checked against the real thing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import Client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _clean_env() -> dict[str, str]:
    """The environment without this test run's own settings."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("GONGHUI_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG",
                                                          "DJANGO_ALLOW_ASYNC_UNSAFE",
                                                          "SECRET_KEY", "ALLOWED_HOSTS"}}


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = _clean_env()
    base.update({"SECRET_KEY": "x" * 60 + "Aa1!", "GONGHUI_DATA_KEY": "k" * 40, "DJANGO_SETTINGS_MODULE": "gonghui.settings",
                 "GONGHUI_VAR_DIR": os.path.join(ROOT, "var", "test-subprocess")})
    base.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=base, cwd=ROOT, timeout=120)


@pytest.mark.django_db
def test_healthz_reports_the_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_naming_the_database_when_it_is_down() -> None:
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, json.dumps(r.json()))"
    )
    result = _run(code, DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere", GONGHUI_HTTPS="0",
                  ALLOWED_HOSTS="testserver")
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stderr
    assert json.loads(body)["database"] == "error"


def test_deploy_check_is_clean_in_production_settings() -> None:
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "gonghui"), "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, cwd="/", timeout=120,
        env={**_clean_env(),
             "SECRET_KEY": "Zq8" * 20 + "!x", "GONGHUI_DATA_KEY": "k" * 40, "ALLOWED_HOSTS": "gonghui.example.cn",
             "GONGHUI_VAR_DIR": os.path.join(ROOT, "var", "test-subprocess"), "DJANGO_SETTINGS_MODULE": "gonghui.settings"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_safe() -> None:
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)"
    )
    result = _run(code)
    assert result.stdout.split() == ["False", "True", "True", "True", "True"], result.stderr


def test_missing_keys_stop_the_start_with_a_clear_message() -> None:
    result = _run("import django; django.setup()", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client_for) -> None:  # noqa: ANN001
    response = client_for("beiyuanmen").get("/console/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert not re.search(r"https?://", policy), "no third-party origin may be allowed"
    html = response.content.decode()
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert inline_scripts == []
    assert " style=" not in html and "onclick=" not in html


@pytest.mark.django_db
def test_forms_are_protected_against_cross_site_requests(persona) -> None:  # noqa: ANN001
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("beiyuanmen"))
    unit = persona("beiyuanmen").primary_unit
    response = client.post(f"/units/{unit.pk}/edit/", {"name": "被篡改"})
    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.name == "北院门街道总工会"


@pytest.mark.django_db
def test_chinese_by_default_and_english_on_request(client_for) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    assert "工作台" in client.get("/console/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    page = client.get("/console/").content.decode()
    assert "Dashboard" in page
    assert 'lang="en"' in page
