"""Sign in (throttled), sign out, change password, and the one-time set-password link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import audit
from ..forms import ThrottledAuthenticationForm, ThrottledPasswordChangeForm


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled.seconds)
        return response


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page behind a one-time set-password link made on the Team page."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("accounts:set_password_done")
    reset_url_token = "choose"


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def change_password(request):
    form = ThrottledPasswordChangeForm(request.user, request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)  # stay signed in on this device
        audit.record_portal_action(request.user, "changePassword", target_id=request.user.pk)
        messages.success(request, "Your password is changed.")
        return redirect("accounts:change_password")
    response = render(request, "registration/change_password.html", {"form": form})
    if form.throttled:
        response.status_code = 429
        response["Retry-After"] = str(form.throttled.seconds)
    return response
