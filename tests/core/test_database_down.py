"""The database unreachable: pages and the API answer a clean 503 with a message, not a 500, and nothing is written."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends import utils
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):  # noqa: ANN001, ANN201
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OperationalError("connection to server at \"127.0.0.1\", port 5432 failed: Connection refused")

    def stop() -> None:
        monkeypatch.setattr(utils.CursorWrapper, "execute", refuse)
        monkeypatch.setattr(utils.CursorWrapper, "executemany", refuse)

    return stop


def test_a_page_answers_503_with_a_message_when_the_database_is_down(client_for, database_down) -> None:  # noqa: ANN001
    client = client_for("beiyuanmen")
    client.raise_request_exception = False
    database_down()
    response = client.get("/people/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "数据库暂时无法连接" in response.content.decode()


def test_the_api_answers_503_json_when_the_database_is_down(database_down) -> None:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    database_down()
    response = client.post("/api/v1/auth/token", {"username": "beiyuanmen", "password": "x"},
                           content_type="application/json")
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable" and "数据库" in response.json()["message"]


def test_other_errors_stay_the_plain_500_page(client_for, monkeypatch) -> None:  # noqa: ANN001
    from gonghui.orgs import selectors

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "people_list", broken)
    client = client_for("beiyuanmen")
    client.raise_request_exception = False
    response = client.get("/people/")
    assert response.status_code == 500 and "系统繁忙" in response.content.decode()


def test_a_session_that_cannot_be_saved_because_the_database_left_is_a_503_not_a_400(client_for, monkeypatch) -> None:  # noqa: ANN001
    """The page was served, then the database went away before the session was saved (Django answers 400)."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.backends.db import SessionStore

    def refuse(self, must_create=False):  # noqa: ANN001, ANN202
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            raise UpdateError  # noqa: B904 - as Django's database session store raises it: inside the except

    client = client_for("beiyuanmen")
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "save", refuse)
    response = client.get("/people/")
    assert response.status_code == 503 and "数据库暂时无法连接" in response.content.decode()


def test_other_bad_requests_get_the_chinese_400_page() -> None:
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and "请求有误" in response.content.decode()

