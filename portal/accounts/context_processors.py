from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .acting import acting as _acting


def acting(request):
    """`acting` for the header: kind ("personal"/"org"), label ("you"/"org"), is_admin.

    Lazy: nothing is queried unless a template uses it."""
    return {"acting": SimpleLazyObject(lambda: _acting(request))}
