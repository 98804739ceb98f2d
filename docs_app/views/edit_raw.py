"""Raw Markdown mode: the editor of every doc (and the only one for non-SOP docs).

The form carries the blob and head it started from; a live preview is rendered by the doc
page's renderer; before publishing the page shows the doc's type-aware lint findings and the
diff of the pending change. Findings block publishing unless "publish anyway" is ticked
(recorded in the audit log). A conflict shows both versions and lets the user save again.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from dataops.errors import ServiceError
from dataops.services import audit_record
from docs_app.editing.drafts import draft_discard, draft_for
from docs_app.editing.merge import unified_diff
from docs_app.editing.opening import doc_for_edit, findings_for
from docs_app.editing.paths import check_body, check_doc_path
from docs_app.editing.publish import CONFLICT, UNCHANGED, publish
from docs_app.editing.saving import SaveDoc, save_edited
from docs_app.render import Rendered, render_document
from docs_app.selectors import linker_for
from docs_app.sop import SopParseError, parse, split_frontmatter
from docs_app.views.edit_common import diff_lines, editor_required, refused

ANYWAY_ACTION = "docs.edit.publish_anyway"
PARSE_RULE = "L06"  # the linter's "markers do not parse"


def findings(path: str, text: str) -> list[dict]:
    """The SOP parse problem, then the type-aware lint findings, each with the key that says
    whether the base version had it too: the ones a change adds block publishing (unless
    "publish anyway")."""
    violations = findings_for(path, text)
    found = []
    if not any(violation.rule == PARSE_RULE for violation in violations):
        try:
            parse(text)
        except SopParseError as exc:
            found.append({"key": "parse", "text": f"The SOP markers do not parse: {exc}"})
    for violation in violations:
        line = f" (line {violation.line})" if violation.line else ""
        found.append(
            {
                "key": f"{violation.rule}: {violation.message}",
                "text": f"{violation.rule}: {violation.message}{line}",
            }
        )
    return found


def preview(path: str, text: str) -> Rendered:
    """`text` rendered exactly as the doc page renders it (safe HTML, and its notice)."""
    split = split_frontmatter(text)
    data = split.frontmatter.data if split.frontmatter is not None else {}
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    return render_document(text, linker=linker_for(text, path), title=title)


def base_text(path: str, base_blob: str) -> str:
    """The version the editor started from, read and checked as every save reads it."""
    return save_edited(path, base_blob, lambda text: text).text


@editor_required
@require_http_methods(["GET", "POST"])
def raw_edit(request: HttpRequest) -> HttpResponse:
    path = request.GET.get("path") or request.POST.get("path", "")
    try:
        editable = doc_for_edit(path)
    except ServiceError as exc:
        return refused(request, exc, back=reverse("docs:index"))
    if request.method == "POST":
        return _submit(request, editable)
    draft = draft_for(request.user, editable.path)
    form = {
        "text": draft.text if draft else editable.text,
        "base": draft.base_blob if draft else editable.blob,
        "head": editable.head,
        "message": "",
    }
    return _page(
        request,
        editable,
        form,
        draft=draft,
        stale=bool(draft and draft.base_blob != editable.blob),
    )


def _page(request, editable, form, *, status=200, **extra) -> HttpResponse:
    context = {
        "editable": editable,
        "form": form,
        "preview": preview(editable.path, form["text"]),
        "doc_url": reverse("docs:doc", args=[editable.path]),
        **extra,
    }
    return render(request, "docs/edit/raw.html", context, status=status)


def _submit(request: HttpRequest, editable) -> HttpResponse:
    form = {
        "text": request.POST.get("text", "").replace("\r\n", "\n"),
        "base": request.POST.get("base", ""),
        "head": request.POST.get("head", ""),
        "message": request.POST.get("message", ""),
    }
    anyway = request.POST.get("anyway") == "1"
    try:
        text = check_body(form["text"])
        before = base_text(editable.path, form["base"])
    except ServiceError as exc:
        return _page(request, editable, form, status=400, error=str(exc))
    if "\r\n" in before:  # browsers send CRLF: a CRLF doc keeps its line endings
        text = form["text"] = text.replace("\n", "\r\n")
    pending = unified_diff(before, text, before_name="base", after_name="yours")
    found = findings(editable.path, text)
    known = {finding["key"] for finding in findings(editable.path, before)}
    for finding in found:
        finding["blocking"] = finding["key"] not in known
    blocking = [finding["text"] for finding in found if finding["blocking"]]
    review = {"findings": found, "blocking": blocking, "diff": diff_lines(pending)}
    if request.POST.get("action") != "publish":
        return _page(request, editable, form, review=review)
    if blocking and not anyway:
        error = "Your change adds findings. Fix them, or tick “publish anyway” to publish it as is."
        return _page(request, editable, form, status=400, review=review, error=error)
    try:
        operation = SaveDoc(editable.path, text, form["base"], form["head"] or None)
        result = publish(operation, user=request.user, message=form["message"])
    except ServiceError as exc:
        return _page(request, editable, form, status=400, review=review, error=str(exc))
    if result.status == CONFLICT:
        return render(
            request,
            "docs/edit/raw_conflict.html",
            {
                "conflict": result.conflict,
                "diff": diff_lines(result.conflict.diff),
                "message": result.message,
                "form": form,
            },
            status=409,
        )
    if result.commit and blocking:
        audit_record(
            actor=request.user,
            action=ANYWAY_ACTION,
            target_label=editable.path,
            changes={"commit": result.commit, "findings": blocking[:50]},
            note="Published with findings: publish anyway",
        )
    draft_discard(user=request.user, path=editable.path)
    level = messages.INFO if result.status == UNCHANGED else messages.SUCCESS
    messages.add_message(request, level, result.message)
    return redirect("docs:doc", editable.path)


@editor_required
@require_POST
def raw_preview(request: HttpRequest) -> HttpResponse:
    """The preview pane for the text as typed (htmx or fetch)."""
    try:
        path = check_doc_path(request.POST.get("path", ""))
        text = check_body(request.POST.get("text", ""))
    except ServiceError as exc:
        return render(request, "docs/edit/raw_preview.html", {"error": str(exc)}, status=400)
    return render(request, "docs/edit/raw_preview.html", {"preview": preview(path, text)})
