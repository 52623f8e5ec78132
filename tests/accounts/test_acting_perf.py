"""Who is asking is loaded once, before the view (`load_identity`, one thread hop under
ASGI), so async views and the header need the database no more; and a key's "last used" is
written at most once a minute by the async client, not on every page."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import Group
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone

from portal.accounts import clients
from portal.accounts.acting import aacting_kind, ausable_key, load_identity
from portal.accounts.clients import AuditedAsyncReplicaAPI, AuditedReplicaAPI
from portal.accounts.models import ApiKey, KeyKind
from portal.accounts.roles import ADMIN, ADMIN_GROUP, MEMBER, ais_org_admin, is_org_admin, set_role
from tests.accounts.personas import signed_in, store_key
from tests.conftest import PERSONAL_KEY


def _request(user):
    cookie = signed_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    request = RequestFactory().get("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}={cookie}")
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    return request


def test_after_load_identity_the_async_helpers_ask_the_database_nothing(
    admin, django_assert_num_queries
):
    key = store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY)
    request = _request(admin)
    load_identity(request, with_key=True)

    async def ask():
        user = await request.auser()
        return (
            user,
            await ais_org_admin(user),
            await aacting_kind(request),
            await ausable_key(request),
        )

    with django_assert_num_queries(0):
        user, is_admin, kind, acting_key = asyncio.run(ask())
    assert user == admin and user is request.user._wrapped
    assert is_admin is True
    assert kind == KeyKind.PERSONAL
    assert acting_key.pk == key.pk


def test_load_identity_without_a_key_leaves_the_refusal_to_the_view(member):
    request = _request(member)
    load_identity(request, with_key=True)  # no key stored: no error here
    assert request.user == member


def test_views_that_need_a_key_say_so_to_the_middleware():
    assert resolve("/replicas/").func.requires_api_key is True
    assert not getattr(resolve("/").func, "requires_api_key", False)


@pytest.mark.django_db(transaction=True)
def test_the_async_client_writes_last_used_at_most_once_a_minute(admin, monkeypatch):
    monkeypatch.setattr(clients, "_last_touch", {})
    key = store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY)

    def touch_with_a_new_client(key):
        asyncio.run(AuditedAsyncReplicaAPI(PERSONAL_KEY, user=admin, key=key)._atouch())
        return ApiKey.objects.get(pk=key.pk).last_used_at

    assert touch_with_a_new_client(key) is not None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=None)
    assert touch_with_a_new_client(key) is None  # touched a moment ago: not written again

    later = clients.TOUCH_EVERY + 1
    clients._last_touch[(key.pk, key.added_at)] -= later
    assert touch_with_a_new_client(key) is not None  # a minute on: written again

    key.added_at = timezone.now() + timedelta(seconds=1)  # replaced: a new key
    key.save()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=None)
    assert touch_with_a_new_client(key) is not None


@pytest.mark.django_db(transaction=True)
def test_the_sync_client_writes_last_used_at_most_once_a_minute_too(admin, monkeypatch):
    monkeypatch.setattr(clients, "_last_touch", {})
    key = store_key(admin, KeyKind.PERSONAL, PERSONAL_KEY)
    AuditedReplicaAPI(PERSONAL_KEY, user=admin, key=key)._touch()
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=None)
    AuditedReplicaAPI(PERSONAL_KEY, user=admin, key=key)._touch()
    assert ApiKey.objects.get(pk=key.pk).last_used_at is None


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_the_admin_flag_comes_from_the_cache_and_follows_role_changes(
    admin, member, django_assert_num_queries
):
    assert is_org_admin(_fresh(admin)) is True
    fresh = _fresh(admin)
    with django_assert_num_queries(0):
        assert is_org_admin(fresh) is True

    set_role(_fresh(admin), MEMBER)
    assert is_org_admin(_fresh(admin)) is False
    set_role(_fresh(member), ADMIN)
    assert is_org_admin(_fresh(member)) is True

    group = Group.objects.get(name=ADMIN_GROUP)
    group.user_set.remove(member)  # from the group's side
    assert is_org_admin(_fresh(member)) is False
    group.user_set.add(member)
    assert is_org_admin(_fresh(member)) is True
    group.name = "Former admins"  # the group renamed: its members are no longer admins
    group.save()
    assert is_org_admin(_fresh(member)) is False


def test_a_recycled_user_id_does_not_inherit_the_admin_flag(admin):
    assert is_org_admin(_fresh(admin)) is True
    pk = admin.pk
    admin.delete()
    newcomer = type(admin).objects.create_user("newcomer", password="x-long-password-1")
    newcomer.pk, newcomer.date_joined = pk, timezone.now()  # same id, another user
    assert is_org_admin(newcomer) is False
