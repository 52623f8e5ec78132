"""The board's filters and the usage page's range: GET forms, kept in the URL."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from portal.replicas import choices

WHO = (("all", "All"), ("mine", "Mine"), ("followed", "Followed"))
BUCKETS = (("day", "Day"), ("week", "Week"), ("month", "Month"))
# Longest ranges per bucket, as the API is asked (one point per bucket).
MAX_DAYS = {"day": 366, "week": 5 * 366, "month": 10 * 366}


class BoardFilterForm(forms.Form):
    who = forms.ChoiceField(required=False, choices=WHO, label="Show")
    environment = forms.CharField(required=False, max_length=64, label="Environment")
    agent = forms.ChoiceField(
        required=False, choices=[("", "Any agent"), *choices.agent_choices()], label="Agent"
    )
    idle = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=7 * 24 * 60,
        label="Idle after (minutes)",
        help_text="Active replicas with no activity for this long are marked idle.",
    )
    archived = forms.BooleanField(required=False, label="Show archived")

    def values(self) -> dict:
        """The valid filters (an invalid one is reported and left out)."""
        data = self.cleaned_data if self.is_bound else {}
        return {
            "who": data.get("who") or "all",
            "environment": data.get("environment") or "",
            "agent": data.get("agent") or "",
            "idle_after": data.get("idle") or settings.FLEET_IDLE_MINUTES,
            "archived": bool(data.get("archived")),
        }


class UsageRangeForm(forms.Form):
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False,
        label="To",
        help_text="Inclusive, in UTC.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    bucket = forms.ChoiceField(required=False, choices=BUCKETS, label="Per")

    def clean(self):
        data = super().clean()
        today = timezone.now().date()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        bucket = data.get("bucket") or "day"
        if start > end:
            self.add_error("start", "The range must start on or before its last day.")
        elif (end - start).days + 1 > MAX_DAYS[bucket]:
            self.add_error(
                "start",
                f"At most {MAX_DAYS[bucket]} days per {bucket}: pick a bigger bucket or a "
                "shorter range.",
            )
        data.update(start=start, end=end, bucket=bucket)
        return data

    def values(self) -> tuple[date, date, str]:
        if self.is_valid():
            d = self.cleaned_data
            return d["start"], d["end"], d["bucket"]
        today = timezone.now().date()
        return today - timedelta(days=29), today, "day"
