"""Helpers for browser tests (import them; fixtures live in conftest.py)."""

from __future__ import annotations


def sign_in(page, username: str, password: str) -> None:
    """Sign in through the login form and wait to leave it."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
