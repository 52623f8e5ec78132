"""Two roles: org admin and member.

An org admin is a superuser (so `manage.py createsuperuser` makes the first admin) or a
member of the "Org admins" group; every other active user is a member. Admin-only views
are decorated with `admin_required`, which also marks them (`view.admin_only = True`) so the
authorization-matrix test knows, for every URL in the project, which ones members must be
refused.
"""

from __future__ import annotations

from functools import wraps

from asgiref.sync import iscoroutinefunction
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

ADMIN_GROUP = "Org admins"
ADMIN = "admin"
MEMBER = "member"
ROLE_CHOICES = [(MEMBER, "Member"), (ADMIN, "Org admin")]

_CACHE_ATTR = "_portal_is_org_admin"


def is_org_admin(user) -> bool:
    """True for an active superuser or member of the Org admins group (cached on the user)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name=ADMIN_GROUP).exists()
        setattr(user, _CACHE_ATTR, cached)
    return cached


async def ais_org_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = user.is_superuser or await user.groups.filter(name=ADMIN_GROUP).aexists()
        setattr(user, _CACHE_ATTR, cached)
    return cached


def role_of(user) -> str:
    return ADMIN if is_org_admin(user) else MEMBER


def set_role(user, role: str) -> None:
    """Make `user` an admin or a member. A superuser stays an admin whatever the group says."""
    group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
    if role == ADMIN:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def admin_required(view):
    """Sign-in required, then 403 (templates/403.html) for anyone who is not an org admin."""
    if iscoroutinefunction(view):

        @wraps(view)
        async def wrapper(request, *args, **kwargs):
            if not await ais_org_admin(await request.auser()):
                raise PermissionDenied("This page is for org admins.")
            return await view(request, *args, **kwargs)

    else:

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_org_admin(request.user):
                raise PermissionDenied("This page is for org admins.")
            return view(request, *args, **kwargs)

    wrapper.admin_only = True
    return login_required(wrapper)
