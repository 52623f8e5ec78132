"""`site`: the addresses every page's header links to, reversed once per process (reversing a
dozen URLs on every page was a measurable part of the portal's own time)."""

from __future__ import annotations

from functools import cache

from django.urls import NoReverseMatch, get_script_prefix, reverse

SITE_URLS = {
    "home": "home",
    "login": "login",
    "logout": "logout",
    "replicas": "replicas:list",
    "new_replica": "replicas:create",
    "environments": "environments:list",
    "automations": "automations:list",
    "keys": "accounts:api_keys",
    "team": "accounts:team",
    "audit": "accounts:audit_log",
    "password": "accounts:change_password",
    "switch_acting": "accounts:switch_acting",
    "board": "fleet:board",
    "usage": "fleet:usage",
    "notifications": "notifications:centre",
    "notifications_menu": "notifications:menu",
    "notifications_stream": "notifications:stream",
}


@cache
def _site_urls(script_prefix: str) -> dict[str, str]:
    urls = {}
    for key, name in SITE_URLS.items():
        try:
            urls[key] = reverse(name)
        except NoReverseMatch:  # an area not installed
            continue
    return urls


def site(request) -> dict:
    return {"site": _site_urls(get_script_prefix())}
