"""`manage.py demo_accounts`: emulator mode only, idempotent, prints the sign-ins."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from portal.accounts.models import ApiKey, KeyKind
from portal.accounts.roles import is_org_admin
from portal.emulator.config import DEMO_ORG_KEY, DEMO_PERSONAL_KEYS


@pytest.fixture
def emulator_mode(settings):
    settings.REPLICAS_API_IS_EMULATOR = True


def test_creates_admin_and_member_with_the_emulators_demo_keys(db, emulator_mode, emulator, capsys):
    call_command("demo_accounts")
    out = capsys.readouterr().out
    User = get_user_model()
    ada, grace = User.objects.get(username="ada"), User.objects.get(username="grace")
    assert is_org_admin(ada) and not is_org_admin(grace)
    assert ada.check_password("ada-analytical-engine")
    assert "ada" in out and "ada-analytical-engine" in out
    assert "grace" in out and "grace-compiler-1952" in out
    assert ApiKey.objects.get(kind=KeyKind.PERSONAL, user=ada).secret() == DEMO_PERSONAL_KEYS[0]
    assert ApiKey.objects.get(kind=KeyKind.PERSONAL, user=grace).secret() == DEMO_PERSONAL_KEYS[1]
    assert ApiKey.objects.get(kind=KeyKind.ORG).secret() == DEMO_ORG_KEY
    # Checked against the running emulator, as a save from the page would be.
    assert not ApiKey.objects.filter(verified_at__isnull=True).exists()
    # The keys themselves are never printed.
    assert DEMO_ORG_KEY not in out and DEMO_PERSONAL_KEYS[0] not in out


def test_is_idempotent_and_keeps_a_changed_password(db, emulator_mode, capsys):
    call_command("demo_accounts")
    ada = get_user_model().objects.get(username="ada")
    ada.set_password("my-own-password-now")
    ada.save()
    call_command("demo_accounts")
    out = capsys.readouterr().out
    assert get_user_model().objects.filter(username__in=["ada", "grace"]).count() == 2
    assert ApiKey.objects.count() == 3
    ada.refresh_from_db()
    assert ada.check_password("my-own-password-now")
    assert "changed since it was created" in out


def test_refuses_outside_emulator_mode(db, settings):
    settings.REPLICAS_API_IS_EMULATOR = False
    settings.REPLICAS_API_URL = "https://api.tryreplicas.com"
    with pytest.raises(CommandError, match="only in emulator mode"):
        call_command("demo_accounts")
    assert not get_user_model().objects.exists()
    assert not ApiKey.objects.exists()
