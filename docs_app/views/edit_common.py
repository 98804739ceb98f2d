"""What the editing pages share: who may edit, the doc path from the query, error pages."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dataops.cached import roles
from dataops.errors import ServiceError

DIFF_LINE_LIMIT = 2000
NO_ROLE = "Editing docs is for operators and admins; your account has no role yet."


def can_edit(user) -> bool:
    """Operators and admins (superusers too), from the cached role lists: no query."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.pk in roles().members


def editor_required(view):
    """Refuse (403) logged-in people without a role; anonymous ones never get here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_edit(request.user):
            raise PermissionDenied(NO_ROLE)
        return view(request, *args, **kwargs)

    return wrapper


def refused(request: HttpRequest, error: ServiceError, *, back: str = "") -> HttpResponse:
    """A refusal as a page: the message, nothing written, a way back."""
    status = 403 if error.code == "forbidden" else 400
    return render(
        request,
        "docs/edit/manage_refused.html",
        {"message": str(error), "back": back},
        status=status,
    )


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """(css kind, line) of a unified diff for the templates, which escape every line."""
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    lines = []
    for line in diff.splitlines()[:DIFF_LINE_LIMIT]:
        header = line.startswith(("+++", "---", "diff ", "index ", "similarity", "rename "))
        lines.append(("meta" if header else kinds.get(line[:1], "same"), line))
    return lines
