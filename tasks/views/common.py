"""Helpers the work engine's views share: contexts, safe redirects, errors into forms."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dataops.cached import roles
from dataops.errors import ServiceError

NO_ROLE = "The work pages are for operators and admins; your account has no role yet."

# Where an in-place action was clicked decides what the response re-renders.
CONTEXTS = ("home", "workflow", "list", "task")


def is_member(user) -> bool:
    """Operator or admin (superusers too), from the cached role lists; also answers
    `is_admin`."""
    cached = getattr(user, "_is_member_cache", None)
    if cached is None:
        found = roles()
        user._is_admin_cache = user.is_superuser or user.pk in found.admins
        cached = user.is_superuser or user.pk in found.members
        user._is_member_cache = cached
    return cached


def member_required(view):
    """Refuse (403) logged-in people without a role; anonymous ones never get here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_member(request.user):
            raise PermissionDenied(NO_ROLE)
        return view(request, *args, **kwargs)

    return wrapper


def action_context(request: HttpRequest) -> str:
    value = request.POST.get("ctx") or request.GET.get("ctx") or "task"
    return value if value in CONTEXTS else "task"


def lane_of(request: HttpRequest) -> str:
    value = request.POST.get("lane") or request.GET.get("lane") or ""
    return value if value.replace("_", "").isalnum() else "x"


def everyone_scope(request: HttpRequest) -> bool:
    """Admins may see everyone's work on Home; the choice travels with each action."""
    scope = request.POST.get("scope") or request.GET.get("scope")
    return scope == "everyone" and request.user.is_admin


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a plain form post: `next`, else the page the form was on."""
    target = (
        request.POST.get("next") or request.GET.get("next") or request.headers.get("Referer", "")
    )
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def home_url(everyone: bool) -> str:
    return reverse("home") + ("?scope=everyone" if everyone else "")


def add_service_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a refusal next to the field it concerns, or on top of the form."""
    mapper = getattr(form, "field_for_error", None)
    field = mapper(exc.field) if mapper else exc.field
    form.add_error(field if field in form.fields else None, str(exc))


def first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return ""
