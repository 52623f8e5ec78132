"""Static files storages whose URLs are worked out once per name and process.

A page's `<head>` names about twenty stylesheets and scripts; building each URL (quoting the
name, joining it to STATIC_URL, and with the manifest the hashed name) on every page was a
measurable part of the portal's own time, and it never changes while a process runs (a
changed STATIC_URL or STORAGES setting makes Django build a new storage, with no URLs yet).
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class RememberedURLs:
    def url(self, name, *args, **kwargs):
        if args or kwargs:  # ManifestFilesMixin.url(name, force=True), while collecting
            return super().url(name, *args, **kwargs)
        urls = self.__dict__.setdefault("_remembered_urls", {})
        url = urls.get(name)
        if url is None:
            url = urls[name] = super().url(name)
        return url


class RememberedStaticFilesStorage(RememberedURLs, StaticFilesStorage):
    """Django's StaticFilesStorage (local runs and tests)."""


class RememberedManifestStaticFilesStorage(RememberedURLs, CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed files (`collectstatic` at build)."""
