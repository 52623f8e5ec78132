"""The audit log page: admins see everyone's entries, members their own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from ..forms import AuditFilterForm
from ..models import AuditEntry
from ..roles import is_org_admin

TEMPLATE = "accounts/audit.html"
PAGE_SIZE = 50


def _get_entries_for_user(user):
    entries = AuditEntry.objects.all()
    if not is_org_admin(user):
        entries = entries.filter(user=user)
    return entries


def _filter(entries, data: dict):
    if data.get("user"):
        entries = entries.filter(user=data["user"])
    if data.get("operation"):
        entries = entries.filter(operation=data["operation"])
    if data.get("target"):
        entries = entries.filter(target_id__icontains=data["target"])
    if data.get("result"):
        entries = entries.filter(result=data["result"])
    if data.get("since"):
        entries = entries.filter(at__date__gte=data["since"])
    if data.get("until"):
        entries = entries.filter(at__date__lte=data["until"])
    return entries


@login_required
@require_GET
@vary_on_headers("HX-Request")
def audit_log(request):
    is_admin = is_org_admin(request.user)
    entries = _get_entries_for_user(request.user)
    operations = sorted(set(entries.order_by().values_list("operation", flat=True).distinct()))
    form = AuditFilterForm(request.GET, operations=operations, show_users=is_admin)
    entries = _filter(entries, form.cleaned_data) if form.is_valid() else entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "is_admin": is_admin}
    if request.htmx and request.htmx.target == "audit-results":
        return render(request, f"{TEMPLATE}#audit-results", context)
    return render(request, TEMPLATE, context)
