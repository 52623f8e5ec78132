from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"


@checks.register(checks.Tags.security, deploy=True)
def check_field_encryption_keys(app_configs, **kwargs):
    """`check --deploy`: stored API keys need usable FIELD_ENCRYPTION_KEYS."""
    from portal.lib import crypto

    try:
        crypto.check_configuration()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="accounts.E001")]
    return []
