"""Stored API keys (encrypted) and the audit log.

Roles are not a model: an org admin is a superuser or a member of the "Org admins" group
(see `roles.py`); everyone else who can sign in is a member.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.lib import crypto


class KeyKind(models.TextChoices):
    PERSONAL = "personal", "personal"
    ORG = "org", "org"


class ApiKey(models.Model):
    """One Replica API key: a user's personal key, or the portal's one org key.

    Only `ciphertext` holds the key; `prefix` and `last_four` are what pages show. The
    plaintext exists only in memory, for the length of one request.
    """

    kind = models.CharField(max_length=16, choices=KeyKind.choices)
    # The owner of a personal key; NULL for the org key.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    ciphertext = models.TextField()
    prefix = models.CharField(max_length=16)
    last_four = models.CharField(max_length=4)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(default=timezone.now)
    # When the live check on save succeeded; NULL when stored unchecked (API unreachable).
    verified_at = models.DateTimeField(null=True, blank=True)
    # The API's user behind a personal key (getUserProfile), once known: tells whose replica
    # is whose when the API names only its user id.
    api_user_id = models.CharField(max_length=64, blank=True, db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Set when the API answered 401 to this key; a rejected key is not used again.
    rejected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(kind="personal"),
                name="accounts_one_personal_key_per_user",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="org"), name="accounts_one_org_key"
            ),
            models.CheckConstraint(
                condition=(Q(kind="personal") & Q(user__isnull=False))
                | (Q(kind="org") & Q(user__isnull=True)),
                name="accounts_key_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} key {self.masked}"

    def __repr__(self) -> str:
        return f"<ApiKey {self.pk} {self.kind} {self.masked}>"

    @property
    def masked(self) -> str:
        return f"{self.prefix}…{self.last_four}"

    @property
    def is_rejected(self) -> bool:
        return self.rejected_at is not None

    def set_secret(self, plaintext: str) -> None:
        self.ciphertext = crypto.encrypt(plaintext)
        self.prefix = visible_prefix(plaintext)
        self.last_four = plaintext[-4:]

    def secret(self) -> str:
        """The plaintext key. Raises crypto.DecryptionError, never returns ciphertext."""
        return crypto.decrypt(self.ciphertext)


def visible_prefix(key: str) -> str:
    """The part of a key that may be shown: its type marker, e.g. "rk_org_" or "sk-".

    At most a third of the key and never more than 12 characters, so prefix and last four
    together can't give away a short key.
    """
    limit = min(12, len(key) // 3)
    marker = ""
    for index, char in enumerate(key[:limit]):
        if char in "_-":
            marker = key[: index + 1]
    return marker or key[: min(4, limit)]


class AuditResult(models.TextChoices):
    OK = "ok", "ok"
    ERROR = "error", "error"
    UNREACHABLE = "unreachable", "unreachable"


# Operations whose words say it all (their target is the actor themself, or nothing).
WORDS_ALONE = frozenset({"portal.changePassword", "portal.rotateApiKeys", "portal.switchActingAs"})
# Operations whose detail names what they acted on better than the ids do.
WORDS_WITH_DETAIL = frozenset({"portal.revealSecret", "portal.exportVariables"})


class AuditEntry(models.Model):
    """One mutating call to the Replica API made through the portal, or one of the portal's
    own actions on keys, roles and the acting key (operation names starting "portal.")."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    # Kept when the user is deleted, so the log still says who.
    username = models.CharField(max_length=150, blank=True)
    key_kind = models.CharField(max_length=16, choices=KeyKind.choices, blank=True)
    # The spec's operationId, or "portal.<action>" for the portal's own actions.
    operation = models.CharField(max_length=100, db_index=True)
    # The ids in the call's path ("replica/chat"), plus the id of what a create made.
    target_id = models.CharField(max_length=255, blank=True)
    # The name of the replica it acted on, when the portal knew it.
    target_name = models.CharField(max_length=255, blank=True)
    # HTTP status of the upstream answer; NULL for success with no status known,
    # for unreachable, and for portal actions.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    result = models.CharField(max_length=16, choices=AuditResult.choices, default=AuditResult.OK)
    # A short note ("acting as org", "stored unchecked"); never a secret.
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="accounts_audit_user_at")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.operation} {self.result}"

    @property
    def words(self) -> str:
        """What happened, in words: "Archived replica billing-csv-export"."""
        from .audit import operation_words

        what = operation_words(self.operation)
        if self.operation in WORDS_ALONE:
            return what
        if self.operation in WORDS_WITH_DETAIL and self.detail:
            return f"{what} {self.detail}"
        if self.operation.startswith("portal."):
            target = self.target_id  # a username, a masked key, a setting
        else:  # the replica's name, else its id (the first id of the call's path)
            target = self.target_name or self.target_id.split("/")[0]
        return f"{what} {target}".strip()

    @property
    def status_label(self) -> str:
        if self.result == AuditResult.UNREACHABLE:
            return "unreachable"
        if self.status_code:
            return str(self.status_code)
        if self.operation.startswith("portal."):
            return "done"
        return "2xx" if self.result == AuditResult.OK else "error"


class PortalSettings(models.Model):
    """The org admins' choices for the whole portal: one row (`PortalSettings.load()`)."""

    # May a member archive or delete a replica they did not create? (Admins always may.)
    members_may_remove_others_replicas = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "portal settings"

    def __str__(self) -> str:
        return "Portal settings"

    CACHE_KEY = "accounts:portal-settings"

    @classmethod
    def load(cls) -> PortalSettings:
        return cls.objects.get_or_create(pk=1)[0]

    @classmethod
    async def aload(cls) -> PortalSettings:
        """The settings, from the cache (every page header asks; saving clears it)."""
        from django.core.cache import cache

        settings = await cache.aget(cls.CACHE_KEY)
        if settings is None:
            settings = (await cls.objects.aget_or_create(pk=1))[0]
            await cache.aset(cls.CACHE_KEY, settings, 10 * 60)
        return settings

    def save(self, *args, **kwargs) -> None:
        from django.core.cache import cache

        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)
