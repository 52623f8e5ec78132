"""The audit log page: filters, pagination, and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import AuditEntry

AUDIT = reverse("accounts:audit_log")


def _entry(user, operation, *, target="", result="ok", status=None, days_ago=0, kind="personal"):
    return AuditEntry.objects.create(
        user=user,
        username=user.username,
        key_kind=kind,
        operation=operation,
        target_id=target,
        result=result,
        status_code=status,
        at=timezone.now() - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def entries(admin, member, outsider):
    return [
        _entry(member, "createReplica", target="replica-1"),
        _entry(member, "deleteReplica", target="replica-1", result="error", status=404, days_ago=3),
        _entry(outsider, "createEnvironment", target="env-7", result="unreachable", days_ago=10),
        _entry(admin, "updateAutomation", target="auto-3", kind="org"),
    ]


def _rows(response) -> int:
    return response.content.decode().count("<tr>") - 1  # minus the header row


def test_admin_sees_everyones_entries(as_admin, entries):
    response = as_admin.get(AUDIT)
    body = response.content.decode()
    assert _rows(response) == 4
    for operation in ("createReplica", "deleteReplica", "createEnvironment", "updateAutomation"):
        assert operation in body
    assert "unreachable" in body and "404" in body


def test_member_sees_only_their_own_entries(as_member, entries):
    response = as_member.get(AUDIT)
    body = response.content.decode()
    assert _rows(response) == 2
    assert "createEnvironment" not in body and "alan" not in body
    assert 'name="user"' not in body  # no "who" filter for members
    # ...and can't widen it by asking for someone else's.
    other = entries[2].user.pk
    assert _rows(as_member.get(AUDIT, {"user": other})) == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"operation": "deleteReplica"}, 1),
        ({"target": "replica-1"}, 2),
        ({"target": "REPLICA"}, 2),
        ({"result": "error"}, 1),
        ({"result": "unreachable"}, 1),
    ],
)
def test_filters(as_admin, entries, params, expected):
    assert _rows(as_admin.get(AUDIT, params)) == expected


def test_filter_by_user(as_admin, entries, member):
    assert _rows(as_admin.get(AUDIT, {"user": member.pk})) == 2


def test_filter_by_date_range(as_admin, entries):
    today = timezone.localdate()
    assert _rows(as_admin.get(AUDIT, {"since": str(today - dt.timedelta(days=5))})) == 3
    week_ago = str(today - dt.timedelta(days=7))
    assert _rows(as_admin.get(AUDIT, {"until": week_ago})) == 1
    response = as_admin.get(AUDIT, {"since": str(today), "until": week_ago})
    assert "before the start date" in response.content.decode()


def test_pagination_keeps_the_filters(as_admin, admin, django_assert_max_num_queries):
    for index in range(120):
        _entry(admin, "createReplica", target=f"r-{index}")
    _entry(admin, "deleteReplica")
    with django_assert_max_num_queries(12):
        first = as_admin.get(AUDIT, {"operation": "createReplica"})
    body = first.content.decode()
    assert _rows(first) == 50
    assert "Page 1 of 3" in body
    assert "?operation=createReplica&amp;page=2" in body
    last = as_admin.get(AUDIT, {"operation": "createReplica", "page": 3})
    assert _rows(last) == 20


def test_htmx_filter_swaps_only_the_results(as_admin, entries):
    response = as_admin.get(
        AUDIT,
        {"operation": "createReplica"},
        headers={"HX-Request": "true", "HX-Target": "audit-results"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="audit-results">')
    assert "<html" not in body
    assert response["Vary"].count("HX-Request") == 1


@pytest.mark.django_db
def test_audit_entries_read_as_words():
    from portal.accounts.models import AuditEntry

    cases = {
        (
            "archiveWorkspace",
            "r-1",
            "billing-csv-export",
            "",
        ): "Archived replica billing-csv-export",
        ("sleepWorkspace", "r-2", "", ""): "Put to sleep replica r-2",
        ("sendReplicaMessage", "r-3/chat-9", "", ""): "Sent a message to replica r-3",
        ("portal.changeRole", "grace", "", "now admin"): "Changed the role of grace",
        ("portal.changePassword", "7", "", ""): "Changed their password",
        ("portal.revealSecret", "e/v", "", "variable API_TOKEN of environment web"): (
            "Revealed variable API_TOKEN of environment web"
        ),
        ("listThings", "", "", ""): "List things",
    }
    for (operation, target_id, name, detail), words in cases.items():
        entry = AuditEntry(
            operation=operation, target_id=target_id, target_name=name, detail=detail
        )
        assert entry.words == words
