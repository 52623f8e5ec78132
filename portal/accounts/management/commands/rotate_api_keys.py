"""Re-encrypt every stored API key under the first key in FIELD_ENCRYPTION_KEYS, and every
replica's webhook secret (portal/webhooks) with them.

Rotation: put a new Fernet key first in FIELD_ENCRYPTION_KEYS (keep the old one after it),
restart, run this, then remove the old key. A key that no configured key can decrypt stops
the command (nothing is changed) and is reported by id, never by value.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.accounts.audit import record_portal_action
from portal.accounts.models import ApiKey
from portal.lib import crypto
from portal.webhooks.models import ReplicaHook


class Command(BaseCommand):
    help = "Re-encrypt every stored API key under the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        crypto.check_configuration()
        failed: list[str] = []
        with transaction.atomic():
            keys = list(ApiKey.objects.select_for_update().order_by("pk"))
            for key in keys:
                try:
                    key.ciphertext = crypto.rotate(key.ciphertext)
                except crypto.DecryptionError:
                    failed.append(f"{key.kind} key #{key.pk} ({key.masked})")
            hooks = list(
                ReplicaHook.objects.select_for_update().exclude(secret_ciphertext="").order_by("pk")
            )
            for hook in hooks:
                try:
                    hook.secret_ciphertext = crypto.rotate(hook.secret_ciphertext)
                except crypto.DecryptionError:
                    failed.append(f"the webhook secret #{hook.pk} (replica {hook.replica_id})")
            if failed:
                transaction.set_rollback(True)
            else:
                ApiKey.objects.bulk_update(keys, ["ciphertext"])
                ReplicaHook.objects.bulk_update(hooks, ["secret_ciphertext"])
        if failed:
            raise CommandError(
                "Nothing was changed: no key in FIELD_ENCRYPTION_KEYS decrypts "
                + ", ".join(failed)
                + ". Add the key they were encrypted with (after the first), or delete them."
            )
        record_portal_action(
            None,
            "rotateApiKeys",
            detail=f"{len(keys)} keys and {len(hooks)} webhook secrets re-encrypted",
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {len(keys)} stored API key{'s' if len(keys) != 1 else ''} "
                f"and {len(hooks)} replica webhook secret{'s' if len(hooks) != 1 else ''} "
                "under the first key in FIELD_ENCRYPTION_KEYS. Older keys can now be removed."
            )
        )
