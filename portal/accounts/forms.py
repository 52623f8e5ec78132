from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from . import throttle
from .models import AuditResult, PortalSettings
from .roles import ROLE_CHOICES

User = get_user_model()

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-\.=+/:]{16,512}$")


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form behind the login throttle (see throttle.py)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password don't match an active account.",
    }

    throttled: throttle.Throttled | None = None

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        self.throttled = throttle.check(self.request, username)
        if self.throttled:
            raise ValidationError(self.throttled.message, code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                throttle.record_failure(self.request, username)
            raise
        throttle.record_success(self.request, username)
        return cleaned


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's change-password form behind the login throttle: a wrong old password is a
    failed sign-in for the user's name and the client's IP, so a signed-in session (or
    whoever holds it) can't guess the password any faster than the sign-in form allows."""

    throttled: throttle.Throttled | None = None

    def __init__(self, user, request, *args, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        username = self.user.get_username()
        # Refused before the old password is checked, like a throttled sign-in.
        self.throttled = throttle.check(self.request, username)
        if self.throttled:
            raise ValidationError(self.throttled.message, code="throttled")
        try:
            return super().clean_old_password()
        except ValidationError as exc:
            if getattr(exc, "code", None) == "password_incorrect":
                throttle.record_failure(self.request, username)
            raise

    def save(self, commit=True):
        user = super().save(commit=commit)
        throttle.record_success(self.request, self.user.get_username())
        return user


class ApiKeyForm(forms.Form):
    # render_value=False: a re-rendered form (after an error) never carries the key.
    key = forms.CharField(
        label="API key",
        strip=True,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
        ),
    )
    store_unchecked = forms.BooleanField(
        label="The API can't be reached right now: store the key anyway, unchecked",
        required=False,
    )

    def __init__(self, *args, offer_unchecked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not offer_unchecked:
            self.fields["store_unchecked"].widget = forms.HiddenInput()

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not KEY_PATTERN.match(key):
            # Say what is wrong without echoing any of it back.
            raise ValidationError(
                "That doesn't look like a Replica API key: paste the whole key, with no "
                "spaces (16 to 512 characters).",
                code="format",
            )
        return key


class AddMemberForm(forms.Form):
    SET_PASSWORD = "password"
    SEND_LINK = "link"

    username = forms.CharField(max_length=150, help_text="What they type to sign in.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial="member")
    how = forms.ChoiceField(
        label="First sign-in",
        choices=[
            (SEND_LINK, "Make a one-time link where they set their own password"),
            (SET_PASSWORD, "Set an initial password now"),
        ],
        initial=SEND_LINK,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label="Initial password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Only when setting a password now. Tell them to change it after signing in.",
    )

    def clean_username(self):
        username = User.normalize_username(self.cleaned_data["username"].strip())
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("Someone already has that username.", code="taken")
        User.username_validator(username)
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("how") == self.SET_PASSWORD:
            password = cleaned.get("password")
            if not password:
                self.add_error("password", "Enter the initial password.")
            else:
                candidate = User(
                    username=cleaned.get("username", ""),
                    first_name=cleaned.get("first_name", ""),
                    last_name=cleaned.get("last_name", ""),
                    email=cleaned.get("email", ""),
                )
                try:
                    password_validation.validate_password(password, candidate)
                except ValidationError as exc:
                    self.add_error("password", exc)
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    operation = forms.ChoiceField(required=False)
    target = forms.CharField(required=False, max_length=255)
    result = forms.ChoiceField(required=False, choices=[("", "any result"), *AuditResult.choices])
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, operations=(), show_users: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operation"].choices = [("", "any operation")] + [(o, o) for o in operations]
        if show_users:
            self.fields["user"].queryset = User.objects.order_by("username")
            self.fields["user"].empty_label = "anyone"
        else:
            del self.fields["user"]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned


class PortalSettingsForm(forms.ModelForm):
    class Meta:
        model = PortalSettings
        fields = ["members_may_remove_others_replicas"]
        labels = {
            "members_may_remove_others_replicas": "Members may archive and delete replicas "
            "they did not create"
        }
        help_texts = {
            "members_may_remove_others_replicas": "Off: only the replica's creator and org "
            "admins may. Either way, removing someone else's replica asks for its name."
        }
