"""Drafts: saved as the user types in the raw editor, listed on "My drafts", discarded there."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from dataops.errors import ServiceError
from docs_app.editing.drafts import draft_discard, draft_save, my_drafts
from docs_app.views.edit_common import editor_required


@editor_required
@require_POST
def draft_autosave(request: HttpRequest) -> JsonResponse:
    try:
        draft = draft_save(
            user=request.user,
            path=request.POST.get("path", ""),
            base_blob=request.POST.get("base", ""),
            text=request.POST.get("text", "").replace("\r\n", "\n"),
        )
    except ServiceError as exc:
        return JsonResponse({"saved": False, "error": str(exc)}, status=400)
    return JsonResponse({"saved": True, "updated_at": draft.updated_at.isoformat()})


@editor_required
@require_GET
def draft_list(request: HttpRequest) -> HttpResponse:
    return render(request, "docs/edit/drafts.html", {"rows": my_drafts(request.user)})


@editor_required
@require_POST
def draft_remove(request: HttpRequest) -> HttpResponse:
    path = request.POST.get("path", "")
    if draft_discard(user=request.user, path=path):
        messages.success(request, f"Draft of {path} discarded.")
    else:
        messages.info(request, "There was no draft to discard.")
    return redirect("docs:drafts")
