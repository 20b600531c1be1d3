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
