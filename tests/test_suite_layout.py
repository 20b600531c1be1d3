"""Guards on the suite itself: the PostgreSQL pass selects what the list in conftest names."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import POSTGRES_TOO

ROOT = Path(__file__).resolve().parent.parent


def test_every_postgres_entry_names_a_test_that_exists() -> None:
    for entry in POSTGRES_TOO:
        path, _, name = entry.partition("::")
        source = ROOT / path
        assert source.is_file(), f"{entry}: no such file"
        if name:
            assert f"def {name}(" in source.read_text(encoding="utf-8"), f"{entry}: no such test"
