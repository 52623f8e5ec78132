"""The Files tab: files placed in every workspace at their path. A monospace editor with line
numbers and a live byte count (static/js/environments.js); 64 KB checked in the browser before
sending, again by the form, and a 400 or 413 "too large" from the API becomes the same message,
with the content kept. A source-backed personal environment lists its source's files, locked.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.acting import requires_api_key
from portal.lib.api_errors import Problem
from portal.lib.htmx import go, render_box
from portal.replica_api import errors

from .. import validators
from ..common import EnvironmentPage, load_environment_page
from ..forms import FileForm
from .common import attempt, flash, refuse, refused_words

TEMPLATE = "environments/files.html"


def _fetches(env_id: str) -> dict:
    return {"files": lambda api: api.list_environment_files(env_id)}


async def _load(request, env_id) -> EnvironmentPage:
    page = await load_environment_page(request, env_id, **_fetches(str(env_id)))
    source = page.source()
    if source is not None:
        await page.fetch(source_files=lambda api: api.list_environment_files(source["id"]))
    return page


def _files(page: EnvironmentPage, name: str = "files") -> list:
    listing = page.data.get(name)
    return list(listing.environment_files) if listing else []


def _find(page: EnvironmentPage, file_id: str):
    return next((f for f in _files(page) if str(f.id) == file_id), None)


def _size(text: str) -> int:
    return len((text or "").encode())


def _context(page: EnvironmentPage, **extra: Any) -> dict[str, Any]:
    context = page.context("files")
    own = sorted(_files(page), key=lambda f: f.path)
    own_paths = {f.path for f in own}
    context.update(
        files=[{"file": f, "size": _size(f.content)} for f in own],
        inherited=[
            {"file": f, "size": _size(f.content), "overridden": f.path in own_paths}
            for f in sorted(_files(page, "source_files"), key=lambda f: f.path)
        ],
        max_bytes=validators.MAX_FILE_BYTES,
    )
    if "form" not in extra and page.can_edit:
        extra["form"] = FileForm(prefix="new")
    form = extra.get("form")
    if form is not None:
        content = form["content"].value() or ""
        extra.setdefault("content_bytes", _size(content))
    context.update(extra)
    return context


def _panel(request, page: EnvironmentPage, **extra: Any):
    return render_box(request, TEMPLATE, _context(page, **extra))


def _too_large(error: errors.ReplicaAPIError | None) -> bool:
    """413, or the real API's 400 "File too large" (the spec lists only 400 here)."""
    if isinstance(error, errors.PayloadTooLarge):
        return True
    if isinstance(error, errors.BadRequest):
        text = f"{error.message} {error.details or ''}".lower()
        return "too large" in text or "64 kb" in text or "65,536" in text or "65536" in text
    return False


def _word_refusal(form: FileForm, result) -> Problem | None:
    error = result.error
    if _too_large(error):
        size = _size(form.cleaned_data.get("content", ""))
        form.add_error("content", validators.FILE_TOO_LARGE.format(size=f"{size:,}"))
        return None
    if isinstance(error, errors.BadRequest):
        words = refused_words(error)
        if "path" in words.lower():
            form.add_error("path", words)
            return None
    return result.problem


async def _save(request, page: EnvironmentPage, form: FileForm, file=None):
    body = form.request_body()
    api = page.api

    async def check() -> bool:
        listing = await api.list_environment_files(page.env_id)
        return any(
            f.path == body["path"] and f.content == body["content"]
            for f in listing.environment_files
        )

    if file is None:
        change = lambda: api.create_environment_file(page.env_id, body)  # noqa: E731
        done, what, operation = f"{body['path']} added.", f"{body['path']} was added", "add file"
    else:
        change = lambda: api.update_environment_file(  # noqa: E731
            page.env_id, str(file.id), body
        )
        done, what, operation = f"{body['path']} saved.", f"{body['path']} was saved", "edit file"
    result = await attempt(request, change, check, done=done, what=what, operation=operation)
    tab = reverse("environments:files", args=[page.env_id])
    if result.done:
        if not request.htmx:
            flash(request, result.outcome)
            return go(request, tab)
        page.failed.pop("files", None)
        await page.fetch(**_fetches(page.env_id))
        return _panel(request, page, action_note=result.outcome.note)
    problem = _word_refusal(form, result)
    editing = {"editing": str(file.id), "file": file} if file is not None else {}
    return _panel(request, page, form=form, form_problem=problem, **editing)


@requires_api_key
@require_GET
async def files_panel(request, env_id):
    return _panel(request, await _load(request, env_id))


@requires_api_key
@require_POST
async def add_file(request, env_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "add file")
    form = FileForm(request.POST, prefix="new")
    if refusal is not None:
        return _panel(request, page, form=form, action_problem=refusal)
    if not form.is_valid():
        return _panel(request, page, form=form)
    return await _save(request, page, form)


@requires_api_key
@require_http_methods(["GET", "POST"])
async def file_detail(request, env_id, file_id):
    """GET: the file in the editor (read-only for who can't change it). POST: save it."""
    page = await _load(request, env_id)
    file = _find(page, str(file_id))
    if file is None:
        missing = page.failed.get("files") or Problem(
            "That file isn't there any more",
            "It was deleted in the meantime.",
            "The list below is up to date.",
            404,
        )
        return _panel(request, page, action_problem=missing)
    if request.method == "GET":
        form = FileForm(
            prefix="edit",
            initial={"name": file.name, "path": file.path, "content": file.content},
        )
        if not page.can_edit:
            for field in form.fields.values():
                field.disabled = True
        return _panel(request, page, form=form, editing=str(file.id), file=file)
    refusal = refuse(request, page, "edit file")
    form = FileForm(request.POST, prefix="edit")
    if refusal is not None:
        return _panel(request, page, action_problem=refusal)
    if not form.is_valid():
        return _panel(request, page, form=form, editing=str(file.id), file=file)
    return await _save(request, page, form, file)


@requires_api_key
@require_POST
async def delete_file(request, env_id, file_id):
    page = await _load(request, env_id)
    refusal = refuse(request, page, "delete file")
    file = _find(page, str(file_id))
    if refusal is not None or file is None:
        return _panel(request, page, action_problem=refusal or page.failed.get("files"))
    api = page.api

    async def change():
        try:
            return await api.delete_environment_file(page.env_id, str(file.id))
        except errors.NotFound:
            return None

    async def check() -> bool:
        listing = await api.list_environment_files(page.env_id)
        return all(str(f.id) != str(file.id) for f in listing.environment_files)

    result = await attempt(
        request,
        change,
        check,
        done=f"{file.path} deleted.",
        what=f"{file.path} was deleted",
        operation="delete file",
    )
    if not request.htmx:
        flash(request, result.outcome)
        return go(request, reverse("environments:files", args=[page.env_id]))
    page.failed.pop("files", None)
    await page.fetch(**_fetches(page.env_id))
    if result.done:
        return _panel(request, page, action_note=result.outcome.note)
    return _panel(request, page, action_problem=result.problem)
