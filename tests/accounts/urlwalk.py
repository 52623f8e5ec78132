"""Every URL pattern in the project, with plausible values in its path parameters.

Used by the authorization matrix and the secrecy walk, so a URL another issue adds later is
covered without anyone remembering to list it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

# Plausible values by converter name; a path parameter whose converter isn't here fails
# the walk loudly (add a value here rather than skipping the URL).
SAMPLE_VALUES: dict[str, str] = {
    "int": "1",
    "str": "sample",
    "slug": "sample-slug",
    "uuid": "00000000-0000-4000-8000-000000000001",
    "path": "sample/path",
}
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class UrlCase:
    route: str  # the pattern, as written ("team/<int:user_id>/role/")
    url: str  # a concrete URL for it
    name: str | None  # "accounts:team"
    callback: Any

    @property
    def admin_only(self) -> bool:
        return getattr(self.callback, "admin_only", False)

    def __str__(self) -> str:
        return self.route or "/"


def _fill_route(route: str, values: dict[str, str]) -> str:
    def sample(match: re.Match) -> str:
        converter = match.group("converter") or "str"
        name = match.group("name")
        if name in values:
            return values[name]
        if converter not in SAMPLE_VALUES:
            raise LookupError(f"no sample value for converter {converter!r} in {route!r}")
        return SAMPLE_VALUES[converter]

    return _ROUTE_PARAM.sub(sample, route)


def _fill_regex(regex: str) -> str:
    text = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    text = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", text)
    return text.replace("\\", "")


def _part(pattern, values: dict[str, str]) -> tuple[str, str]:
    """(route as written, concrete text) for one level of the URLconf."""
    if isinstance(pattern, RoutePattern):
        return str(pattern), _fill_route(str(pattern), values)
    if isinstance(pattern, RegexPattern):
        return str(pattern), _fill_regex(str(pattern))
    raise LookupError(f"unknown pattern type {type(pattern).__name__}")


def walk(values: dict[str, str] | None = None, urlconf: str | None = None) -> list[UrlCase]:
    """Every URL pattern in the URLconf, each with a concrete URL that resolves to it.

    `values` overrides samples by parameter name (e.g. {"user_id": "7"}).
    """
    values = values or {}
    cases: list[UrlCase] = []

    def visit(patterns, route_prefix: str, url_prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            route, text = _part(pattern.pattern, values)
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                visit(pattern.url_patterns, route_prefix + route, url_prefix + text, inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name
                if name and namespace:
                    name = f"{namespace}:{name}"
                url = "/" + url_prefix + text
                match = resolve(url, urlconf)
                if match.func is not pattern.callback:
                    raise LookupError(
                        f"the sample URL {url} for {route_prefix + route!r} resolves to another "
                        "view: give its parameters better samples in tests/accounts/urlwalk.py"
                    )
                cases.append(UrlCase(route_prefix + route, url, name, pattern.callback))

    visit(get_resolver(urlconf).url_patterns, "", "", None)
    return cases
