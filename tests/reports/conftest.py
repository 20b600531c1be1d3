"""Fixtures of the reporting tests: the street of the demo tree (北院门) and its official."""

from __future__ import annotations

import pytest

from gonghui.orgs.models import Unit, User


@pytest.fixture
def street(unit) -> Unit:  # noqa: ANN001
    return unit("610104001")


@pytest.fixture
def official(persona) -> User:  # noqa: ANN001
    return persona("beiyuanmen")
