"""A doc's history page: the commits touching it, the diff of each, restore a version."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from dataops.errors import ServiceError
from docs_app.editing.history import RestoreVersion, doc_history, version_diff
from docs_app.editing.opening import doc_for_edit
from docs_app.editing.publish import publish
from docs_app.views.edit_common import diff_lines, editor_required, refused

HISTORY_SHOWN = 30  # each version's diff is one git call; older ones are in git itself


def _versions(request, path: str):
    try:
        editable = doc_for_edit(path)
        return editable, doc_history(editable.path, limit=HISTORY_SHOWN), None
    except ServiceError as exc:
        return None, [], refused(request, exc, back=reverse("docs:index"))


@editor_required
@require_http_methods(["GET"])
def history_page(request: HttpRequest) -> HttpResponse:
    editable, versions, refusal = _versions(request, request.GET.get("path", ""))
    if refusal:
        return refusal
    rows = [
        {"version": version, "diff": diff_lines(version_diff(version)), "latest": n == 0}
        for n, version in enumerate(versions)
    ]
    context = {
        "editable": editable,
        "rows": rows,
        "doc_url": reverse("docs:doc", args=[editable.path]),
        "shown": HISTORY_SHOWN,
    }
    return render(request, "docs/edit/history.html", context)


@editor_required
@require_http_methods(["GET", "POST"])
def history_restore(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    editable, versions, refusal = _versions(request, source.get("path", ""))
    if refusal:
        return refusal
    version = next((v for v in versions if v.commit == source.get("commit", "")), None)
    if version is None:
        error = ServiceError("Choose a version from the doc's history.", field="commit")
        return refused(request, error, back=reverse("docs:edit-history") + f"?path={editable.path}")
    context = {"editable": editable, "version": version}
    if request.method == "GET":
        return render(request, "docs/edit/history_restore.html", context)
    try:
        operation = RestoreVersion(editable.path, version.commit, version.path)
        result = publish(operation, user=request.user)
    except ServiceError as exc:
        context["error"] = str(exc)
        return render(request, "docs/edit/history_restore.html", context, status=400)
    messages.success(request, result.message)
    return redirect("docs:doc", editable.path)
