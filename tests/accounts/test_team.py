"""The Team page: admins add members, change roles, deactivate; members get a 403 page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from portal.accounts import roles
from portal.accounts.models import AuditEntry
from portal.accounts.roles import ADMIN, is_org_admin, set_role
from tests.accounts.personas import PASSWORD

TEAM = reverse("accounts:team")
ADD = reverse("accounts:add_member")
User = get_user_model()


def test_admin_sees_the_team(as_admin, member, outsider, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        response = as_admin.get(TEAM)
    body = response.content.decode()
    assert response.status_code == 200
    assert "grace" in body and "alan" in body and "Org admin" in body


def test_member_gets_a_proper_403_page_on_admin_pages(as_member):
    for url in (TEAM, ADD):
        response = as_member.get(url)
        assert response.status_code == 403
        body = response.content.decode()
        assert "You can't open this page" in body
        assert "This page is for org admins." in body
        assert "<header" in body  # the site's own page, not a bare error


def test_team_link_only_in_admin_header(as_admin, as_member):
    assert f'href="{TEAM}"' in as_admin.get(reverse("accounts:api_keys")).content.decode()
    assert f'href="{TEAM}"' not in as_member.get(reverse("accounts:api_keys")).content.decode()


def test_superuser_counts_as_admin(db):
    root = User.objects.create_superuser("root", password=PASSWORD)
    assert is_org_admin(root)


def test_add_member_with_an_initial_password(as_admin, client):
    response = as_admin.post(
        ADD,
        {
            "username": "linus",
            "first_name": "Linus",
            "last_name": "Torvalds",
            "email": "linus@example.com",
            "role": "member",
            "how": "password",
            "password": "a-good-initial-passphrase-9",
        },
    )
    assert response.status_code == 302
    linus = User.objects.get(username="linus")
    assert not is_org_admin(linus)
    assert client.login(username="linus", password="a-good-initial-passphrase-9")
    entry = AuditEntry.objects.get(operation="portal.addMember")
    assert entry.target_id == "linus" and "initial password" in entry.detail
    assert "a-good-initial-passphrase-9" not in entry.detail


def test_add_member_password_must_pass_the_validators(as_admin):
    response = as_admin.post(
        ADD, {"username": "linus", "role": "member", "how": "password", "password": "123"}
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not User.objects.filter(username="linus").exists()


def test_add_member_rejects_a_taken_username(as_admin, member):
    response = as_admin.post(ADD, {"username": "Grace", "role": "member", "how": "link"})
    assert "already has that username" in response.content.decode()


def test_one_time_link_is_shown_once_and_works_once(as_admin, client):
    response = as_admin.post(
        ADD, {"username": "linus", "role": "admin", "how": "link"}, follow=True
    )
    body = response.content.decode()
    match = re.search(r'value="(http://testserver/set-password/[^"]+)"', body)
    assert match, body
    link = match.group(1).replace("http://testserver", "")
    assert "shown only this once" in body
    assert "set-password/" not in as_admin.get(TEAM).content.decode()  # gone on reload
    linus = User.objects.get(username="linus")
    assert is_org_admin(linus) and not linus.has_usable_password()

    form_page = client.get(link, follow=True)
    assert "Set your password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "linus-own-passphrase-77", "new_password2": "linus-own-passphrase-77"},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    assert client.login(username="linus", password="linus-own-passphrase-77")
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_admin_can_make_a_new_link_for_an_existing_member(as_admin, member):
    response = as_admin.post(reverse("accounts:set_password_link", args=[member.pk]), follow=True)
    assert "One-time link for grace" in response.content.decode()
    assert AuditEntry.objects.filter(operation="portal.makeSetPasswordLink").exists()


def test_change_role(as_admin, member):
    as_admin.post(reverse("accounts:change_role", args=[member.pk]), {"role": "admin"})
    member = User.objects.get(pk=member.pk)
    assert is_org_admin(member)
    as_admin.post(reverse("accounts:change_role", args=[member.pk]), {"role": "member"})
    assert not is_org_admin(User.objects.get(pk=member.pk))
    details = list(
        AuditEntry.objects.filter(operation="portal.changeRole").values_list("detail", flat=True)
    )
    assert sorted(details) == ["now admin", "now member"]


def test_change_role_with_htmx_swaps_the_row(as_admin, member):
    response = as_admin.post(
        reverse("accounts:change_role", args=[member.pk]),
        {"role": "admin"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="member-{member.pk}"')
    assert "grace is now an org admin." in body


def test_admin_cannot_demote_or_deactivate_themselves(as_admin, admin):
    as_admin.post(reverse("accounts:change_role", args=[admin.pk]), {"role": "member"})
    as_admin.post(reverse("accounts:set_active", args=[admin.pk]), {"active": "0"})
    admin = User.objects.get(pk=admin.pk)
    assert is_org_admin(admin) and admin.is_active


def test_superusers_role_is_locked(as_admin, db):
    root = User.objects.create_superuser("root", password=PASSWORD)
    as_admin.post(reverse("accounts:change_role", args=[root.pk]), {"role": "member"})
    assert is_org_admin(User.objects.get(pk=root.pk))


def test_deactivate_and_reactivate(as_admin, member, client):
    as_admin.post(reverse("accounts:set_active", args=[member.pk]), {"active": "0"})
    member.refresh_from_db()
    assert not member.is_active
    assert not client.login(username="grace", password=PASSWORD)
    assert "deactivated" in as_admin.get(TEAM).content.decode()
    as_admin.post(reverse("accounts:set_active", args=[member.pk]), {"active": "1"})
    assert client.login(username="grace", password=PASSWORD)
    operations = set(AuditEntry.objects.values_list("operation", flat=True))
    assert {"portal.deactivateMember", "portal.reactivateMember"} <= operations


def test_deactivate_asks_for_confirmation(as_admin, member):
    assert 'hx-confirm="Deactivate grace?' in as_admin.get(TEAM).content.decode()


def test_unknown_member_is_404(as_admin):
    assert (
        as_admin.post(reverse("accounts:change_role", args=[9999]), {"role": "admin"}).status_code
        == 404
    )


@pytest.mark.parametrize("name", ["change_role", "set_active", "set_password_link"])
def test_member_cannot_use_team_actions(as_member, outsider, name):
    response = as_member.post(
        reverse(f"accounts:{name}", args=[outsider.pk]), {"role": "admin", "active": "0"}
    )
    assert response.status_code == 403
    outsider.refresh_from_db()
    assert outsider.is_active and not is_org_admin(outsider)


def test_createsuperuser_makes_the_first_admin(db, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-admin-passphrase-1")
    call_command("createsuperuser", interactive=False, username="boss", email="boss@example.com")
    boss = User.objects.get(username="boss")
    assert is_org_admin(boss)
    assert boss.check_password("first-admin-passphrase-1")


# --- superusers and the last admin ---------------------------------------------------------


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", email="root@example.com", password=PASSWORD)


def test_admin_cannot_deactivate_a_superuser(as_admin, root):
    response = as_admin.post(
        reverse("accounts:set_active", args=[root.pk]), {"active": "0"}, follow=True
    )
    assert "only a superuser can change their account" in response.content.decode()
    root.refresh_from_db()
    assert root.is_active
    assert not AuditEntry.objects.filter(operation="portal.deactivateMember").exists()


def test_admin_cannot_make_a_set_password_link_for_a_superuser(as_admin, root):
    response = as_admin.post(reverse("accounts:set_password_link", args=[root.pk]), follow=True)
    body = response.content.decode()
    assert "One-time link for root" not in body
    assert "/set-password/" not in body
    assert "only a superuser can change their account" in body
    assert not AuditEntry.objects.filter(operation="portal.makeSetPasswordLink").exists()


def test_admin_cannot_reactivate_or_demote_a_superuser(as_admin, root):
    root.is_active = False
    root.save()
    as_admin.post(reverse("accounts:set_active", args=[root.pk]), {"active": "1"})
    as_admin.post(reverse("accounts:change_role", args=[root.pk]), {"role": "member"})
    root.refresh_from_db()
    assert not root.is_active and root.is_superuser
    assert not AuditEntry.objects.exists()


def test_refusal_is_explained_in_the_row_with_htmx(as_admin, root):
    response = as_admin.post(
        reverse("accounts:set_active", args=[root.pk]),
        {"active": "0"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="member-{root.pk}"')
    assert "root is a superuser: only a superuser can change their account." in body
    root.refresh_from_db()
    assert root.is_active


def test_superusers_actions_are_not_offered_to_an_admin(as_admin, root, member):
    body = as_admin.get(TEAM).content.decode()
    assert reverse("accounts:set_active", args=[root.pk]) not in body
    assert reverse("accounts:set_password_link", args=[root.pk]) not in body
    assert "Only a superuser can change a superuser's account." in body
    # A member's actions still are.
    assert reverse("accounts:set_active", args=[member.pk]) in body
    assert reverse("accounts:set_password_link", args=[member.pk]) in body


def test_a_superuser_can_manage_another_superuser(root):
    other = User.objects.create_superuser("toor", password=PASSWORD)
    as_root = Client()
    as_root.force_login(root)
    assert (
        reverse("accounts:set_password_link", args=[other.pk]) in as_root.get(TEAM).content.decode()
    )
    response = as_root.post(reverse("accounts:set_password_link", args=[other.pk]), follow=True)
    assert "One-time link for toor" in response.content.decode()
    as_root.post(reverse("accounts:set_active", args=[other.pk]), {"active": "0"})
    other.refresh_from_db()
    assert not other.is_active


def _another_admin():
    linus = User.objects.create_user("linus", password=PASSWORD)
    set_role(linus, ADMIN)
    return linus


@pytest.fixture
def admin_demoted_meanwhile(admin, monkeypatch):
    """Two admins acting at once: another admin has just demoted `admin`, whose request got
    past the admin check a moment earlier."""
    monkeypatch.setattr(roles, "is_org_admin", lambda user: True)
    roles.set_role(admin, roles.MEMBER)
    return admin


def test_nobody_can_deactivate_the_last_active_admin(as_admin, admin_demoted_meanwhile):
    linus = _another_admin()
    response = as_admin.post(
        reverse("accounts:set_active", args=[linus.pk]),
        {"active": "0"},
        headers={"HX-Request": "true"},
    )
    assert "linus is the last active org admin" in response.content.decode()
    linus.refresh_from_db()
    assert linus.is_active
    assert not AuditEntry.objects.exists()


def test_nobody_can_demote_the_last_active_admin(as_admin, admin_demoted_meanwhile):
    linus = _another_admin()
    response = as_admin.post(
        reverse("accounts:change_role", args=[linus.pk]), {"role": "member"}, follow=True
    )
    assert "linus is the last active org admin" in response.content.decode()
    assert is_org_admin(User.objects.get(pk=linus.pk))
    assert not AuditEntry.objects.exists()


def test_an_admin_can_be_deactivated_while_another_remains(as_admin, admin):
    linus = _another_admin()
    as_admin.post(reverse("accounts:set_active", args=[linus.pk]), {"active": "0"})
    linus.refresh_from_db()
    assert not linus.is_active
