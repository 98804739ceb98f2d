"""Doc and folder operations, each one commit through the editing services: create a doc from
a scaffold, rename/move or delete a doc, create/rename/delete a folder. Folder renames and
deletes run as background jobs (one commit however many docs) with a live status."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from dataops.errors import ServiceError
from docs_app.editing.documents import CreateDoc, DeleteDoc, RenameDoc
from docs_app.editing.folders import CreateFolder, DeleteFolder, RenameFolder
from docs_app.editing.opening import doc_for_edit
from docs_app.editing.paths import check_name, check_relative, joined
from docs_app.editing.publish import publish
from docs_app.editing.scaffolds import PLAIN_PAGE, SCAFFOLDS, scaffold_text
from docs_app.editing.tasks import publish_enqueue
from docs_app.repo_paths import MirrorPaths
from docs_app.views.edit_common import editor_required, refused

ADMINS_DELETE = "Only admins can delete docs and folders."


def _folder_url(folder: str) -> str:
    return reverse("docs:folder", args=[folder]) if folder else reverse("docs:index")


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _form(request, *, status=200, **context) -> HttpResponse:
    return render(request, "docs/edit/manage_form.html", context, status=status)


def _values(request, *names: str) -> dict:
    source = request.POST if request.method == "POST" else request.GET
    return {name: source.get(name, "") for name in names}


def _doc_name(name: str) -> str:
    name = check_name(name)
    return name if name.lower().endswith(".md") else f"{name}.md"


def _folder(value: str, field: str) -> str:
    value = value.strip().strip("/")
    return check_relative(value, field=field) if value else ""


@editor_required
@require_http_methods(["GET", "POST"])
def doc_create(request: HttpRequest) -> HttpResponse:
    values = _values(request, "folder", "name", "title", "kind", "message")
    values["kind"] = values["kind"] or PLAIN_PAGE
    context = {
        "op": "doc_create",
        "heading": "New doc",
        "values": values,
        "scaffolds": SCAFFOLDS.items(),
        "cancel": _folder_url(values["folder"].strip("/")),
    }
    if request.method == "GET":
        return _form(request, **context)
    try:
        path = joined(_folder(values["folder"], "folder"), _doc_name(values["name"]))
        operation = CreateDoc(path, scaffold_text(values["kind"], values["title"]))
        result = publish(operation, user=request.user, message=values["message"])
    except ServiceError as exc:
        return _form(request, status=400, error=str(exc), **context)
    messages.success(request, result.message)
    return redirect(reverse("docs:edit-raw") + "?path=" + path)


def _existing_doc(request, path: str):
    try:
        return doc_for_edit(path), None
    except ServiceError as exc:
        return None, refused(request, exc, back=reverse("docs:index"))


@editor_required
@require_http_methods(["GET", "POST"])
def doc_rename(request: HttpRequest) -> HttpResponse:
    values = _values(request, "path", "folder", "name", "message")
    editable, refusal = _existing_doc(request, values["path"])
    if refusal:
        return refusal
    if request.method == "GET":
        values["folder"] = _parent(editable.path)
        values["name"] = editable.path.rsplit("/", 1)[-1]
    context = {
        "op": "doc_rename",
        "heading": "Rename or move doc",
        "values": values,
        "cancel": reverse("docs:doc", args=[editable.path]),
    }
    if request.method == "GET":
        return _form(request, **context)
    try:
        new = joined(_folder(values["folder"], "folder"), _doc_name(values["name"]))
        result = publish(
            RenameDoc(editable.path, new), user=request.user, message=values["message"]
        )
    except ServiceError as exc:
        return _form(request, status=400, error=str(exc), **context)
    messages.success(request, result.message)
    return redirect("docs:doc", new)


@editor_required
@require_http_methods(["GET", "POST"])
def doc_delete(request: HttpRequest) -> HttpResponse:
    if not request.user.is_admin:
        raise PermissionDenied(ADMINS_DELETE)
    values = _values(request, "path", "base", "message")
    editable, refusal = _existing_doc(request, values["path"])
    if refusal:
        return refusal
    values["base"] = values["base"] or editable.blob
    context = {
        "op": "doc_delete",
        "heading": "Delete doc",
        "values": values,
        "cancel": reverse("docs:doc", args=[editable.path]),
    }
    if request.method == "GET":
        return _form(request, **context)
    try:
        operation = DeleteDoc(editable.path, values["base"])
        result = publish(operation, user=request.user, message=values["message"])
    except ServiceError as exc:
        return _form(request, status=400, error=str(exc), **context)
    messages.success(request, result.message)
    return redirect(_folder_url(_parent(editable.path)))


@editor_required
@require_http_methods(["GET", "POST"])
def folder_create(request: HttpRequest) -> HttpResponse:
    values = _values(request, "parent", "name", "message")
    context = {
        "op": "folder_create",
        "heading": "New folder",
        "values": values,
        "cancel": _folder_url(values["parent"].strip("/")),
    }
    if request.method == "GET":
        return _form(request, **context)
    try:
        operation = CreateFolder(_folder(values["parent"], "parent"), values["name"])
        result = publish(operation, user=request.user, message=values["message"])
    except ServiceError as exc:
        return _form(request, status=400, error=str(exc), **context)
    messages.success(request, result.message)
    return redirect(_folder_url(operation.path))


def _existing_folder(request, folder: str) -> tuple[str, HttpResponse | None]:
    try:
        folder = _folder(folder, "path")
    except ServiceError as exc:
        return folder, refused(request, exc, back=reverse("docs:index"))
    if not folder or not MirrorPaths().is_folder(folder):
        error = ServiceError(f"There is no folder {folder!r} in the docs.", field="path")
        return folder, refused(request, error, back=reverse("docs:index"))
    return folder, None


@editor_required
@require_http_methods(["GET", "POST"])
def folder_rename(request: HttpRequest) -> HttpResponse:
    values = _values(request, "path", "new_parent", "new_name", "message")
    folder, refusal = _existing_folder(request, values["path"])
    if refusal:
        return refusal
    if request.method == "GET":
        values["new_parent"] = _parent(folder)
        values["new_name"] = folder.rsplit("/", 1)[-1]
    context = {
        "op": "folder_rename",
        "heading": "Rename or move folder",
        "values": values,
        "cancel": _folder_url(folder),
    }
    if request.method == "GET":
        return _form(request, **context)
    try:
        operation = RenameFolder(
            folder, _folder(values["new_parent"], "new_parent"), values["new_name"]
        )
        run = publish_enqueue(operation, user=request.user, message=values["message"])
    except ServiceError as exc:
        return _form(request, status=400, error=str(exc), **context)
    return _queued(request, run, f"Moving {folder} to {operation.path}", operation.path)


@editor_required
@require_http_methods(["GET", "POST"])
def folder_delete(request: HttpRequest) -> HttpResponse:
    if not request.user.is_admin:
        raise PermissionDenied(ADMINS_DELETE)
    values = _values(request, "path", "message")
    folder, refusal = _existing_folder(request, values["path"])
    if refusal:
        return refusal
    context = {
        "op": "folder_delete",
        "heading": "Delete folder",
        "values": values,
        "cancel": _folder_url(folder),
    }
    if request.method == "GET":
        return _form(request, **context)
    try:
        run = publish_enqueue(DeleteFolder(folder), user=request.user, message=values["message"])
    except ServiceError as exc:
        return _form(request, status=400, error=str(exc), **context)
    return _queued(request, run, f"Deleting folder {folder}", _parent(folder))


def _queued(request, run, heading: str, folder: str) -> HttpResponse:
    run.refresh_from_db()  # it may have run already (no surrounding transaction)
    return render(
        request,
        "docs/edit/manage_job.html",
        {"run": run, "heading": heading, "folder_url": _folder_url(folder)},
    )
