"""The Team page (org admins): add members, change roles, deactivate, set-password links.

Only a superuser may change a superuser's account, and nobody may deactivate or demote the
last active org admin. Refused actions are explained in the row (or a message), logged, and
not audited (nothing changed); the buttons that would be refused aren't offered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit
from ..forms import AddMemberForm, PortalSettingsForm, RoleForm
from ..models import PortalSettings
from ..roles import ADMIN, ADMIN_GROUP, MEMBER, ROLE_CHOICES, admin_required, set_role
from .common import go

User = get_user_model()
TEMPLATE = "accounts/team.html"
NEW_LINK_SESSION_KEY = "team_new_link"

log = logging.getLogger("portal.accounts.team")


@dataclass
class MemberRow:
    user: object
    role: str
    is_self: bool
    actor_is_superuser: bool = False
    last_active_admin: bool = False  # the only active org admin left
    note: str = ""  # what just happened to this row (shown in it after an HTMX swap)

    @property
    def dom_id(self) -> str:
        return f"member-{self.user.pk}"

    @property
    def protected(self) -> bool:
        """Only a superuser may change a superuser's account (else an org admin could take
        it over with a set-password link)."""
        return self.user.is_superuser and not self.actor_is_superuser

    @property
    def role_locked(self) -> bool:
        """A superuser is always an admin; nobody demotes themselves or the last admin."""
        return self.user.is_superuser or self.is_self or self.last_active_admin

    @property
    def can_set_active(self) -> bool:
        if self.is_self or self.protected:
            return False
        return not (self.user.is_active and self.last_active_admin)

    @property
    def can_make_link(self) -> bool:
        return self.user.is_active and not self.protected

    def refusal(self, action: str) -> str:
        """Why `action` ("demote", "deactivate", "reactivate", "link") is refused, in plain
        words, or "" when it may go ahead."""
        name = self.user.username
        if self.protected:
            return f"{name} is a superuser: only a superuser can change their account."
        if action == "demote" and self.user.is_superuser:
            return f"{name} is a superuser, so always an org admin."
        if action in ("demote", "deactivate"):
            if self.is_self:
                verb = "deactivate yourself" if action == "deactivate" else "change your own role"
                return f"You can't {verb}."
            if self.last_active_admin:
                return f"{name} is the last active org admin: make someone else an org admin first."
        return ""


def _members():
    admin_groups = Prefetch(
        "groups", queryset=Group.objects.filter(name=ADMIN_GROUP), to_attr="admin_groups"
    )
    return User.objects.order_by("username").prefetch_related(admin_groups)


def _is_admin(user) -> bool:
    """For a user from _members() (admin groups prefetched)."""
    return user.is_superuser or bool(user.admin_groups)


def _row(user, request, *, last_active_admin: bool = False) -> MemberRow:
    return MemberRow(
        user=user,
        role=ADMIN if _is_admin(user) else MEMBER,
        is_self=user == request.user,
        actor_is_superuser=request.user.is_superuser,
        last_active_admin=last_active_admin,
    )


def _get_member_for_admin(request, user_id: int) -> MemberRow:
    user = get_object_or_404(_members(), pk=user_id)
    last = (
        user.is_active
        and _is_admin(user)
        and not User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=ADMIN_GROUP))
        .exclude(pk=user.pk)
        .exists()
    )
    return _row(user, request, last_active_admin=last)


def _lock_admins() -> None:
    """Serialize changes to who is an active admin (inside a transaction), so two admins
    demoting or deactivating each other at the same moment can't leave none."""
    list(Group.objects.select_for_update().filter(name=ADMIN_GROUP))


def _refuse(request, row: MemberRow, text: str):
    log.warning(
        "team: refused %s's change to %s: %s", request.user.username, row.user.username, text
    )
    _say(request, row, text, messages.ERROR)


def _set_password_link(request, user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(
        reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})
    )


def _say(request, row: MemberRow, text: str, level: int = messages.SUCCESS) -> None:
    """Tell the admin what happened: in the swapped row for HTMX, else as a message."""
    if request.htmx:
        row.note = text
    else:
        messages.add_message(request, level, text)


def _render_row(request, row: MemberRow):
    return render(request, f"{TEMPLATE}#member-row", {"row": row, "role_choices": ROLE_CHOICES})


@admin_required
@require_GET
def team(request):
    users = list(_members())
    active_admins = [user for user in users if user.is_active and _is_admin(user)]
    last = active_admins[0] if len(active_admins) == 1 else None
    rows = [_row(user, request, last_active_admin=user == last) for user in users]
    # A set-password link is shown once, on the page right after it was made.
    new_link = request.session.pop(NEW_LINK_SESSION_KEY, None)
    return render(
        request,
        TEMPLATE,
        {
            "rows": rows,
            "role_choices": ROLE_CHOICES,
            "new_link": new_link,
            "settings_form": PortalSettingsForm(instance=PortalSettings.load()),
        },
    )


@admin_required
@require_POST
def portal_settings(request):
    """The org's choices for the whole portal (today: who may remove others' replicas)."""
    settings = PortalSettings.load()
    form = PortalSettingsForm(request.POST, instance=settings)
    changed = form.is_valid() and form.has_changed()
    if changed:
        form.save()
        allowed = form.cleaned_data["members_may_remove_others_replicas"]
        audit.record_portal_action(
            request.user,
            "changeSetting",
            target_id="members_may_remove_others_replicas",
            detail="members may archive and delete others' replicas"
            if allowed
            else "only admins and creators may archive and delete replicas",
        )
    if request.htmx:
        context = {
            "settings_form": PortalSettingsForm(instance=settings),
            "settings_note": "Saved." if changed else "",
        }
        return render(request, f"{TEMPLATE}#portal-settings", context)
    if changed:
        messages.success(request, "The setting is saved.")
    return redirect("accounts:team")


@sensitive_post_parameters("password")
@admin_required
@require_http_methods(["GET", "POST"])
def add_member(request):
    form = AddMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with_link = data["how"] == AddMemberForm.SEND_LINK
        with transaction.atomic():
            user = User.objects.create_user(
                username=data["username"],
                email=data["email"],
                password=None if with_link else data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            set_role(user, data["role"])
            audit.record_portal_action(
                request.user,
                "addMember",
                target_id=user.username,
                detail=f"role {data['role']}, "
                + ("set-password link" if with_link else "initial password"),
            )
        if with_link:
            request.session[NEW_LINK_SESSION_KEY] = {
                "username": user.username,
                "url": _set_password_link(request, user),
            }
        messages.success(request, f"Added {user.username} as {data['role']}.")
        return go(request, reverse("accounts:team"))
    return render(request, "accounts/team_add.html", {"form": form})


@admin_required
@require_POST
def change_role(request, user_id: int):
    form = RoleForm(request.POST)
    with transaction.atomic():
        _lock_admins()
        row = _get_member_for_admin(request, user_id)
        role = form.cleaned_data["role"] if form.is_valid() else row.role
        refusal = row.refusal("demote" if role == MEMBER else "promote")
        if role == row.role:
            pass
        elif refusal:
            _refuse(request, row, refusal)
        else:
            set_role(row.user, role)
            audit.record_portal_action(
                request.user, "changeRole", target_id=row.user.username, detail=f"now {role}"
            )
            row.role = role
            row.last_active_admin = False
            _say(
                request,
                row,
                f"{row.user.username} is now {'an org admin' if role == ADMIN else 'a member'}.",
            )
    if request.htmx:
        return _render_row(request, row)
    return redirect("accounts:team")


@admin_required
@require_POST
def set_active(request, user_id: int):
    active = request.POST.get("active") == "1"
    with transaction.atomic():
        _lock_admins()
        row = _get_member_for_admin(request, user_id)
        refusal = row.refusal("reactivate" if active else "deactivate")
        if row.user.is_active == active:
            pass
        elif refusal:
            _refuse(request, row, refusal)
        else:
            row.user.is_active = active
            row.user.save(update_fields=["is_active"])
            audit.record_portal_action(
                request.user,
                "reactivateMember" if active else "deactivateMember",
                target_id=row.user.username,
            )
            state = "reactivated" if active else "deactivated: they can no longer sign in"
            _say(request, row, f"{row.user.username} is {state}.")
    if request.htmx:
        return _render_row(request, row)
    return redirect("accounts:team")


@admin_required
@require_POST
def make_set_password_link(request, user_id: int):
    row = _get_member_for_admin(request, user_id)
    refusal = row.refusal("link")
    if refusal:
        _refuse(request, row, refusal)
        if request.htmx:
            return _render_row(request, row)
        return redirect("accounts:team")
    request.session[NEW_LINK_SESSION_KEY] = {
        "username": row.user.username,
        "url": _set_password_link(request, row.user),
    }
    audit.record_portal_action(request.user, "makeSetPasswordLink", target_id=row.user.username)
    return go(request, reverse("accounts:team"))
