"""The URL patterns of one app's namespace, for the sweeps that try every page of an app."""

from __future__ import annotations

import re

from django.urls import get_resolver


def app_routes(namespace: str) -> list[tuple[str, list[str]]]:
    """(template, URL keywords) of every route in `namespace`."""
    routes = []
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) != namespace:
            continue
        for entry in pattern.url_patterns:
            template = str(entry.pattern)
            routes.append((template, re.findall(r"<(?:\w+:)?(\w+)>", template)))
    return routes
