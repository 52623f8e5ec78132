"""Two roles: org admin and member.

An org admin is a superuser (so `manage.py createsuperuser` makes the first admin) or a
member of the "Org admins" group; every other active user is a member. Admin-only views
are decorated with `admin_required`, which also marks them (`view.admin_only = True`) so the
authorization-matrix test knows, for every URL in the project, which ones members must be
refused.

Whether a user is in the group is asked on every page (the header's Team link, "acting as"),
so it is kept in the cache for a minute (`ADMIN_FLAG_TTL`) and forgotten as soon as the
membership or the group changes in this portal (signals); a change made elsewhere (a shell
in another process with a per-process cache) is seen within the minute.
"""

from __future__ import annotations

from functools import wraps

from asgiref.sync import iscoroutinefunction
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models.signals import m2m_changed, post_save, pre_delete

ADMIN_GROUP = "Org admins"
ADMIN = "admin"
MEMBER = "member"
ROLE_CHOICES = [(MEMBER, "Member"), (ADMIN, "Org admin")]

_CACHE_ATTR = "_portal_is_org_admin"


ADMIN_FLAG_TTL = 60


def _flag_key(user_pk) -> str:
    return f"accounts:in-admin-group:{user_pk}"


def _stamp(user) -> str:
    # A deleted user's id can come back (SQLite): the entry must be this user's.
    return user.date_joined.isoformat()


def _cached_membership(user, hit) -> bool | None:
    return hit[1] if isinstance(hit, tuple) and hit[0] == _stamp(user) else None


def is_org_admin(user) -> bool:
    """True for an active superuser or member of the Org admins group (cached on the user,
    and the membership in the cache)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = user.is_superuser
        if not cached:
            cached = _cached_membership(user, cache.get(_flag_key(user.pk)))
            if cached is None:
                cached = user.groups.filter(name=ADMIN_GROUP).exists()
                cache.set(_flag_key(user.pk), (_stamp(user), cached), ADMIN_FLAG_TTL)
        setattr(user, _CACHE_ATTR, cached)
    return cached


async def ais_org_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = user.is_superuser
        if not cached:
            cached = _cached_membership(user, await cache.aget(_flag_key(user.pk)))
            if cached is None:
                cached = await user.groups.filter(name=ADMIN_GROUP).aexists()
                await cache.aset(_flag_key(user.pk), (_stamp(user), cached), ADMIN_FLAG_TTL)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def _forget_membership(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A user's groups changed (user.groups.add/remove/clear, or group.user_set...)."""
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if isinstance(instance, Group):
        pks = set(pk_set or ()) | set(instance.user_set.values_list("pk", flat=True))
    else:
        pks = {instance.pk}
    cache.delete_many([_flag_key(pk) for pk in pks])


def _forget_group(sender, instance, **kwargs) -> None:
    """A group was saved (perhaps renamed to or from Org admins) or is being deleted."""
    if instance.pk is not None:
        pks = instance.user_set.values_list("pk", flat=True)
        cache.delete_many([_flag_key(pk) for pk in pks])


m2m_changed.connect(_forget_membership, sender=get_user_model().groups.through)
post_save.connect(_forget_group, sender=Group)
pre_delete.connect(_forget_group, sender=Group)


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
