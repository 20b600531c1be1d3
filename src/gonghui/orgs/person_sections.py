"""What each service records about a person, shown on their file (一人一档). Service apps register a section.

A section is a function (viewer, person) -> {"title", "items": [{"label", "url", "detail"}]} or None;
it must read through its own scoped selectors (the viewer may see only part of it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Section = Callable[[Any, Any], dict[str, Any] | None]
_sections: list[Section] = []


def register(section: Section) -> None:
    _sections.append(section)


def for_person(viewer: Any, person: Any) -> list[dict[str, Any]]:
    return [s for s in (section(viewer, person) for section in _sections) if s]
