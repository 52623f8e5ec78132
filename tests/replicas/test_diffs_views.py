"""The Diffs panel against the emulator: per repository and file, counts, unified/split toggle
(HTMX partial and plain link), big files collapsed, the line budget, states, access."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse
from unidiff import PatchSet

from portal.replicas.rendering import diffs as diff_rendering
from tests.accounts.personas import *  # noqa: F403
from tests.replicas.conftest import seeded_replicas

from . import domsim

pytestmark = pytest.mark.emulator


def _diffs(org_api, rid: str) -> dict[str, str]:
    statuses = org_api.get_replica(rid, include="diffs").replica.repository_statuses or []
    return {
        s.repository: s.git_diff.full_diff for s in statuses if s.git_diff and s.git_diff.full_diff
    }


@pytest.fixture(scope="module")
def multi_file(org_api) -> dict:
    """A seeded replica whose one repository changed several files."""
    for replica in seeded_replicas(org_api):
        rid = str(replica.id)
        diffs = _diffs(org_api, rid)
        if len(diffs) == 1:
            ((repo, text),) = diffs.items()
            if len(PatchSet(text)) >= 3:
                return {"id": rid, "repository": repo, "patch": PatchSet(text)}
    raise AssertionError("no seeded replica has a multi-file diff")


def diffs_url(rid: str, view: str | None = None) -> str:
    url = reverse("replicas:diffs", args=[rid])
    return f"{url}?view={view}" if view else url


def file_blocks(body: str) -> dict[str, str]:
    """path -> the HTML of its `<details class="diff-file">`."""
    out = {}
    for block in re.findall(r'<details class="diff-file\b.*?</details>', body, flags=re.S):
        path = domsim.squash(
            domsim.parse(
                re.search(r'<span class="diff-path">(.*?)</span>\s*\n', block, re.S).group(1)
            ).text()
        )
        out[path.split(" → ")[-1]] = block
    return out


HTMX = {"HX-Request": "true", "HX-Target": "diffs", "HX-Current-URL": "http://testserver/"}


def test_each_file_shows_its_added_and_removed_counts(ada, multi_file):
    response = ada.get(diffs_url(multi_file["id"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="replica-header"' in body and 'aria-current="page">Diffs</a>' in body
    assert multi_file["repository"] in body
    blocks = file_blocks(body)
    patch = multi_file["patch"]
    assert len(blocks) == len(patch)
    for patched in patch:
        path = patched.path
        block = blocks[path]
        counts = re.search(
            r'<span class="diff-added">\+(\d+)</span> <span class="diff-removed">−(\d+)</span>',
            block,
        )
        assert counts and (int(counts[1]), int(counts[2])) == (patched.added, patched.removed), path
    total_added = sum(p.added for p in patch)
    total_removed = sum(p.removed for p in patch)
    summary = domsim.squash(
        re.search(r'<span class="diff-summary">(.*?)</span>\s*<nav', body, re.S)[1]
    )
    assert f"{len(patch)} files changed" in summary
    assert f"+{total_added}" in summary and f"−{total_removed}" in summary


def test_unified_is_the_default_with_highlighting_and_collapsible_files(ada, multi_file):
    body = ada.get(diffs_url(multi_file["id"])).content.decode()
    assert "diff-table--unified" in body and "diff-table--split" not in body
    assert re.search(r'<span class="(k|kd|nx)">', body)  # Pygments token classes
    blocks = file_blocks(body)
    assert all(block.startswith("<details") and "<summary" in block for block in blocks.values())
    # Small files start open.
    assert all(re.match(r"<details[^>]*\sopen>", block) for block in blocks.values())
    toggle = re.search(r'<nav class="view-toggle".*?</nav>', body, re.S)[0]
    assert 'class="toggle active" aria-current="true">Unified' in toggle


def test_split_view_by_url_param_and_toggle_links(ada, multi_file):
    rid = multi_file["id"]
    body = ada.get(diffs_url(rid, "split")).content.decode()
    assert "diff-table--split" in body and "diff-table--unified" not in body
    toggle = re.search(r'<nav class="view-toggle".*?</nav>', body, re.S)[0]
    assert 'class="toggle active" aria-current="true">Split' in toggle
    for view in ("unified", "split"):
        url = diffs_url(rid, view)
        assert f'href="{url}" hx-get="{url}" hx-target="#diffs"' in toggle
    # Anything else is the unified view.
    assert "diff-table--unified" in ada.get(diffs_url(rid, "sideways")).content.decode()


def test_the_toggle_swaps_only_the_diffs_and_tabs_get_the_page(ada, multi_file):
    rid = multi_file["id"]
    partial = ada.get(diffs_url(rid, "split"), headers=HTMX)
    assert partial.status_code == 200
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="diffs"')
    assert "replica-header" not in body and "<html" not in body
    assert "diff-table--split" in body
    assert "HX-Target" in partial["Vary"]
    tab = ada.get(diffs_url(rid), headers={**HTMX, "HX-Target": "main"})
    assert "<html" in tab.content.decode()


def test_big_files_start_collapsed_with_a_notice(ada, multi_file, monkeypatch):
    patch = multi_file["patch"]
    biggest = max(patch, key=lambda p: p.added + p.removed)
    smallest = min(patch, key=lambda p: p.added + p.removed)
    limit = biggest.added + biggest.removed - 1
    assert smallest.added + smallest.removed <= limit
    monkeypatch.setattr(diff_rendering, "BIG_FILE_LINES", limit)
    blocks = file_blocks(ada.get(diffs_url(multi_file["id"])).content.decode())
    big = blocks[biggest.path]
    assert not re.match(r"<details[^>]*\sopen>", big) and "is-big" in big
    assert "collapsed by default" in big
    assert re.match(r"<details[^>]*\sopen>", blocks[smallest.path])


def test_files_beyond_the_size_limits_are_not_rendered(ada, multi_file, monkeypatch):
    patch = multi_file["patch"]
    biggest = max(patch, key=lambda p: p.added + p.removed)
    monkeypatch.setattr(diff_rendering, "MAX_FILE_LINES", biggest.added + biggest.removed - 1)
    blocks = file_blocks(ada.get(diffs_url(multi_file["id"])).content.decode())
    block = blocks[biggest.path]
    assert "Diff too large to display" in block and "<table" not in block


def test_a_repository_without_changes_is_named(ada, org_api):
    for replica in seeded_replicas(org_api):
        statuses = (
            org_api.get_replica(str(replica.id), include="diffs").replica.repository_statuses or []
        )
        changed = [s for s in statuses if s.git_diff and s.git_diff.full_diff]
        unchanged = [s for s in statuses if not (s.git_diff and s.git_diff.full_diff)]
        if changed and unchanged:
            body = ada.get(diffs_url(str(replica.id))).content.decode()
            assert f"No changes in {unchanged[0].repository}" in body
            return
    pytest.fail("no seeded replica has one changed and one unchanged repository")


def test_a_replica_without_diffs_says_so(ada, emulator, org_api):
    repo = org_api.list_repositories().repositories[0]
    created = org_api.create_replica(
        {
            "name": f"diffs-test-{uuid.uuid4().hex[:6]}",
            "message": "Hello",
            "repository_ids": [str(repo.id)],
        }
    )
    rid = str(created.replica.id)
    emulator.control(f"replicas/{rid}/state", {"status": "preparing", "hold": True})
    body = ada.get(diffs_url(rid)).content.decode()
    assert "No changes in this workspace" in body or "No diff information" in body
    assert "view-toggle" not in body


def test_diffs_stay_readable_when_the_workspace_is_in_error(ada, emulator, org_api):
    failed = next(
        (r for r in seeded_replicas(org_api, "error") if _diffs(org_api, str(r.id))),
        None,
    )
    assert failed is not None, "no seeded replica in error has a diff"
    response = ada.get(diffs_url(str(failed.id)))
    assert response.status_code == 200
    body = response.content.decode()
    assert "This workspace is in its error state" in body and "diff-file" in body


def test_the_panel_works_with_the_database_off_limits_to_async_code(ada, multi_file, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    assert ada.get(diffs_url(multi_file["id"], "split")).status_code == 200


def test_an_unknown_replica_is_a_404(ada):
    assert ada.get(diffs_url(str(uuid.uuid4()))).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(db, multi_file):
    from django.test import Client

    response = Client().get(diffs_url(multi_file["id"]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_member_without_a_key_is_sent_to_add_one(as_member, multi_file):
    response = as_member.get(diffs_url(multi_file["id"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:key_needed"))
