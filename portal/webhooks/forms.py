"""The notification preferences form: for each kind of event, off, in the portal, or in the
portal and on the desktop."""

from __future__ import annotations

from django import forms

from .models import Preferences


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ["ready", "turn_completed", "error", "deleted"]
        labels = {
            "ready": "A replica is ready",
            "turn_completed": "The agent finished a turn",
            "error": "A replica failed",
            "deleted": "A replica was deleted",
        }
        help_texts = {
            "ready": "Its workspace finished preparing or waking.",
            "turn_completed": "With the pull requests it opened.",
            "error": "Its workspace stopped unrecoverably.",
        }
        widgets = dict.fromkeys(("ready", "turn_completed", "error", "deleted"), forms.RadioSelect)
