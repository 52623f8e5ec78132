"""The Team page (org admins): add members, change roles, deactivate, set-password links."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import audit
from ..forms import AddMemberForm, RoleForm
from ..roles import ADMIN, ADMIN_GROUP, MEMBER, ROLE_CHOICES, admin_required, set_role
from .common import go

User = get_user_model()
TEMPLATE = "accounts/team.html"
NEW_LINK_SESSION_KEY = "team_new_link"


@dataclass
class MemberRow:
    user: object
    role: str
    is_self: bool
    note: str = ""  # what just happened to this row (shown in it after an HTMX swap)

    @property
    def dom_id(self) -> str:
        return f"member-{self.user.pk}"

    @property
    def role_locked(self) -> bool:
        """A superuser is always an admin; nobody demotes or deactivates themselves."""
        return self.user.is_superuser or self.is_self


def _members():
    admin_groups = Prefetch(
        "groups", queryset=Group.objects.filter(name=ADMIN_GROUP), to_attr="admin_groups"
    )
    return User.objects.order_by("username").prefetch_related(admin_groups)


def _row(user, request) -> MemberRow:
    is_admin = user.is_superuser or bool(user.admin_groups)
    return MemberRow(user=user, role=ADMIN if is_admin else MEMBER, is_self=user == request.user)


def _get_member_for_admin(request, user_id: int) -> MemberRow:
    return _row(get_object_or_404(_members(), pk=user_id), request)


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
    rows = [_row(user, request) for user in _members()]
    # A set-password link is shown once, on the page right after it was made.
    new_link = request.session.pop(NEW_LINK_SESSION_KEY, None)
    return render(
        request,
        TEMPLATE,
        {"rows": rows, "role_choices": ROLE_CHOICES, "new_link": new_link},
    )


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
    row = _get_member_for_admin(request, user_id)
    form = RoleForm(request.POST)
    if row.role_locked:
        _say(request, row, f"{row.user.username}'s role can't be changed here.", messages.ERROR)
    elif form.is_valid() and form.cleaned_data["role"] != row.role:
        role = form.cleaned_data["role"]
        set_role(row.user, role)
        audit.record_portal_action(
            request.user, "changeRole", target_id=row.user.username, detail=f"now {role}"
        )
        row.role = role
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
    row = _get_member_for_admin(request, user_id)
    active = request.POST.get("active") == "1"
    if row.is_self:
        _say(request, row, "You can't deactivate yourself.", messages.ERROR)
    elif row.user.is_active != active:
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
    request.session[NEW_LINK_SESSION_KEY] = {
        "username": row.user.username,
        "url": _set_password_link(request, row.user),
    }
    audit.record_portal_action(request.user, "makeSetPasswordLink", target_id=row.user.username)
    return go(request, reverse("accounts:team"))
