"""Saving, checking and deleting stored API keys (the views' business logic)."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from portal.replica_api import ReplicaAPI, errors
from portal.replica_api.transport import default_settings

from . import audit
from .acting import SESSION_KEY
from .models import ApiKey, KeyKind

# Where keys come from: the vendor's API guide ("Authentication": personal keys under
# Account > API Keys, org keys under Settings > API Keys in the Replicas dashboard).
KEYS_HELP_URL = "https://docs.tryreplicas.com/features/api"


class Verdict(enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNVERIFIED = "unverified"  # the API could not be asked (unreachable, 5xx, rate limited)


@dataclass(frozen=True)
class KeyCheck:
    verdict: Verdict
    message: str = ""
    # The API user behind an accepted personal key (getUserProfile), when it could be asked:
    # tells the portal whose replicas are whose (replicas/ownership.py).
    api_user_id: str = ""


@sensitive_variables("plaintext")
def check_key(plaintext: str) -> KeyCheck:
    """Ask the API whether it accepts a key: one cheap authenticated GET that org and
    personal keys may both call (listRepositories, the guide's first step; the profile
    endpoint has no user behind an org key).

    Only a 401 means rejected. Any other answer from the API (200, or a 403/404) means the
    key authenticated.
    """
    settings = dataclasses.replace(default_settings(), max_retries=0)
    api = ReplicaAPI(plaintext, settings=settings)
    try:
        api.list_repositories()
    except errors.Unauthorized:
        return KeyCheck(
            Verdict.REJECTED,
            "The Replica API rejected this key (401). Check that you copied all of it, or "
            "create a new one in the Replicas dashboard.",
        )
    except (errors.Unreachable, errors.ServerError, errors.RateLimited) as exc:
        return KeyCheck(
            Verdict.UNVERIFIED,
            f"The key could not be checked: {exc.user_message}",
        )
    except errors.ReplicaAPIError:
        pass
    try:
        user_id = str(api.get_user_profile().profile.userId)
    except errors.ReplicaAPIError:  # an org key has no profile; later pages ask again
        user_id = ""
    return KeyCheck(Verdict.ACCEPTED, api_user_id=user_id)


@sensitive_variables("plaintext")
def save_key(
    *, kind: str, plaintext: str, owner, actor, verified: bool, api_user_id: str = ""
) -> ApiKey:
    """Store (or replace) the personal key of `owner`, or the org key; audited."""
    with transaction.atomic():
        query = ApiKey.objects.select_for_update()
        if kind == KeyKind.ORG:
            key = query.filter(kind=KeyKind.ORG).first() or ApiKey(kind=KeyKind.ORG)
        else:
            key = query.filter(kind=KeyKind.PERSONAL, user=owner).first() or ApiKey(
                kind=KeyKind.PERSONAL, user=owner
            )
        replacing = key.pk is not None
        key.set_secret(plaintext)
        key.added_by = actor
        key.added_at = timezone.now()
        key.verified_at = timezone.now() if verified else None
        key.api_user_id = api_user_id if kind == KeyKind.PERSONAL else ""  # a new key: anew
        key.last_used_at = None
        key.rejected_at = None
        key.save()
        audit.record_portal_action(
            actor,
            "replaceApiKey" if replacing else "addApiKey",
            key_kind=kind,
            target_id=key.masked,
            detail="checked with the API" if verified else "stored unchecked (API unreachable)",
        )
    return key


def delete_key(key: ApiKey, *, actor, request=None) -> None:
    with transaction.atomic():
        masked, kind = key.masked, key.kind
        key.delete()
        audit.record_portal_action(actor, "deleteApiKey", key_kind=kind, target_id=masked)
    if kind == KeyKind.ORG and request is not None and request.session.get(SESSION_KEY) == "org":
        # The org key is gone: this admin acts as themselves again.
        request.session[SESSION_KEY] = KeyKind.PERSONAL
