"""Each replica created through the portal gets its own webhook (the create view calls this).

    hook = ForCreate(user)
    created = await api.create_replica(await hook.attach(form.request_body()))
    await hook.created(replica_id, name, status, created_at)

- The user gave a webhook of their own on the form: it wins. The portal records that it gets
  no events for the replica (the replica page says so; the poller covers it instead).
- Otherwise, when `PORTAL_PUBLIC_URL` is set: a random token for the URL and a random secret,
  stored (encrypted) before the create is sent, so a delivery arriving before the create's
  answer is still verified; the replica id is bound once the answer comes (or by the first
  verified delivery).
- Without a public URL: no webhook; the portal polls the API for the replica (`poller.py`).
Either way, what the portal knows of the new replica's state starts here (`KnownReplica`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import signing
from .models import HookKind, KnownReplica, ReplicaHook


def endpoint_url(token: str) -> str:
    return settings.PORTAL_PUBLIC_URL + reverse("webhooks:receive", args=[token])


def receives_webhooks() -> bool:
    return bool(settings.PORTAL_PUBLIC_URL)


@dataclass
class ForCreate:
    user: Any
    hook: ReplicaHook | None = None
    own: bool = False

    @sensitive_variables("secret")
    async def attach(self, body: dict) -> dict:
        """The create request, with the portal's webhook unless the user gave one."""
        if body.get("webhook_url"):
            self.own = True
            return body
        if not receives_webhooks():
            return body
        secret = signing.new_secret()
        hook = ReplicaHook(token=signing.new_token(), kind=HookKind.PORTAL, created_by=self.user)
        hook.set_secret(secret)
        await hook.asave()
        self.hook = hook
        return {**body, "webhook_url": {"url": endpoint_url(hook.token), "secret": secret}}

    async def created(
        self,
        replica_id: str,
        name: str,
        status: str = "preparing",
        created_at: datetime | None = None,
    ) -> None:
        if self.own:
            await ReplicaHook.objects.aupdate_or_create(
                replica_id=replica_id,
                defaults={
                    "kind": HookKind.OWN,
                    "token": signing.new_token(),
                    "secret_ciphertext": "",
                    "created_by": self.user,
                },
            )
        elif self.hook is not None:
            await ReplicaHook.objects.filter(pk=self.hook.pk, replica_id__isnull=True).aupdate(
                replica_id=replica_id
            )
        # Where the portal's knowledge of it starts: a `replica.ready` after this is news.
        await KnownReplica.objects.aget_or_create(
            replica_id=replica_id,
            defaults={
                "name": name,
                "status": status or "preparing",
                "status_at": created_at or timezone.now(),
            },
        )
