"""Emulator mode only: a demo admin (ada) and member (grace) with the emulator's demo keys.

`make run` calls this after starting the emulator. Idempotent: existing users keep their
password and existing keys are left alone. Refuses when the portal talks to any other API,
so demo accounts can never appear on a real deployment.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portal.accounts.keys import Verdict, check_key
from portal.accounts.models import ApiKey, KeyKind
from portal.accounts.roles import ADMIN, MEMBER, set_role
from portal.emulator.config import DEMO_ORG_KEY, DEMO_PERSONAL_KEYS

DEMO_USERS = [
    {
        "username": "ada",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "password": "ada-analytical-engine",
        "role": ADMIN,
        "personal_key": DEMO_PERSONAL_KEYS[0],
        "org_key": True,
    },
    {
        "username": "grace",
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "password": "grace-compiler-1952",
        "role": MEMBER,
        "personal_key": DEMO_PERSONAL_KEYS[1],
        "org_key": False,
    },
]


def _store(key: ApiKey, plaintext: str, added_by) -> None:
    key.set_secret(plaintext)
    key.added_by = added_by
    # `make run` starts the emulator first, so the key can usually be checked as on a save.
    check = check_key(plaintext)
    if check.verdict is Verdict.ACCEPTED:
        key.verified_at = timezone.now()
        if key.kind == KeyKind.PERSONAL:
            key.api_user_id = check.api_user_id
    key.save()


class Command(BaseCommand):
    help = "Emulator mode only: create the demo admin and member with the emulator's demo keys."

    def handle(self, *args, **options):
        if not settings.REPLICAS_API_IS_EMULATOR:
            raise CommandError(
                f"Refusing to create demo accounts: REPLICAS_API_URL is "
                f"{settings.REPLICAS_API_URL}, not the emulator. Demo accounts and keys exist "
                "only in emulator mode; create the first admin with `manage.py createsuperuser`."
            )
        User = get_user_model()
        lines = []
        with transaction.atomic():
            for demo in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=demo["username"],
                    defaults={
                        "first_name": demo["first_name"],
                        "last_name": demo["last_name"],
                        "email": demo["email"],
                    },
                )
                if created:
                    user.set_password(demo["password"])
                    user.save()
                    set_role(user, demo["role"])
                if not ApiKey.objects.filter(kind=KeyKind.PERSONAL, user=user).exists():
                    _store(ApiKey(kind=KeyKind.PERSONAL, user=user), demo["personal_key"], user)
                if demo["org_key"] and not ApiKey.objects.filter(kind=KeyKind.ORG).exists():
                    _store(ApiKey(kind=KeyKind.ORG), DEMO_ORG_KEY, user)
                password = (
                    demo["password"]
                    if user.check_password(demo["password"])
                    else "(changed since it was created)"
                )
                lines.append(
                    f"  {demo['role']:<7} {user.username:<6} password: {password}"
                    f"{'' if created else '   (already there)'}"
                )
        self.stdout.write("Demo sign-ins (emulator mode only):")
        for line in lines:
            self.stdout.write(line)
