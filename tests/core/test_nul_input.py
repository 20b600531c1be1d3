"""Input with a NUL character: refused in one place (core.middleware.RefuseNulMiddleware), on SQLite as on
PostgreSQL, whose text columns cannot hold it."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("where", ["query", "form", "json"])
def test_a_nul_character_is_refused_before_any_view_reads_it(where: str, client_for) -> None:  # noqa: ANN001
    """PostgreSQL text cannot hold NUL: it used to reach the database from a search box and fail as a 500."""
    from gonghui.orgs.models import Unit

    client = client_for("beiyuanmen")
    before = Unit.objects.count()
    if where == "query":
        response = client.get("/units/", {"q": "北院\x00门"})
    elif where == "form":
        response = client.post("/units/5/new-child/", {"code": "610104001099", "name": "新\x00工会"})
    else:
        response = client.post("/api/v1/orgs/5/children", {"code": "610104001099", "name": "新\x00工会", "level": 5},
                               content_type="application/json")
    assert response.status_code == 400
    assert "空字符" in response.content.decode()
    assert Unit.objects.count() == before
    assert client.get("/units/", {"q": "北院门"}).status_code == 200


@pytest.mark.parametrize("declared", ["text/plain", "application/x-www-form-urlencoded", "", "application/octet-stream"])
@pytest.mark.parametrize("nul", ["escaped", "raw"])
def test_a_nul_in_a_json_body_is_refused_whatever_type_the_body_declares(declared: str, nul: str,
                                                                         client_for) -> None:  # noqa: ANN001
    """The API parses a body as JSON without asking its declared type: a JSON body labelled text/plain or as a
    form used to pass the check (which looked only at application/json) and reach the database with its NUL."""
    from gonghui.orgs.models import Unit

    client = client_for("beiyuanmen")
    before = Unit.objects.count()
    name = '新\\u0000工会' if nul == "escaped" else "新\x00工会"
    body = ('{"code": "610104001099", "name": "' + name + '", "level": 5}').encode()
    response = client.post("/api/v1/orgs/5/children", body, content_type=declared)
    assert response.status_code == 400, response.content
    assert "空字符" in response.json()["message"]
    assert Unit.objects.count() == before


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(client_for) -> None:  # noqa: ANN001
    """The other side: "\\\\u0000" in JSON is a backslash and the letters u0000, which PostgreSQL keeps."""
    client = client_for("beiyuanmen")
    body = '{"code": "610104001099", "name": "新工会\\\\u0000", "level": 6}'.encode()
    response = client.post("/api/v1/orgs/5/children", body, content_type="text/plain")
    assert response.status_code != 400, response.content


def test_the_same_json_body_without_a_nul_is_still_read_whatever_its_declared_type(client_for) -> None:  # noqa: ANN001
    from gonghui.orgs.models import Unit

    client = client_for("beiyuanmen")
    body = '{"code": "610104001099", "name": "新工会", "level": 6}'.encode()
    response = client.post("/api/v1/orgs/5/children", body, content_type="text/plain")
    assert response.status_code in (200, 201), response.content
    assert Unit.objects.filter(code="610104001099").exists()
