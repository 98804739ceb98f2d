"""Guests: list (search, status and tag filters), page, create behind the duplicate guard,
edit, status change, merge (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataops.errors import ServiceError
from dataops.selectors import paginate
from podcast import forms, selectors
from podcast import messages as texts
from podcast.models import Guest
from podcast.services import guests as guest_services
from tasks.views.common import add_service_error, first_error, member_required


def in_podcast(request: HttpRequest) -> None:
    request.nav_section = "podcast"


@member_required
@require_GET
def guest_list(request: HttpRequest) -> HttpResponse:
    in_podcast(request)
    form = forms.GuestFilterForm(request.GET or None, tags=selectors.guest_tags())
    filters = form.cleaned_data if form.is_valid() else {}
    guests = selectors.guest_list(
        q=filters.get("q", ""), status=filters.get("status", ""), tag=filters.get("tag", "")
    )
    context = {
        "form": form,
        "page_obj": paginate(guests, request.GET.get("page")),
        "filtered": any(filters.values()) or (form.is_bound and not form.is_valid()),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "podcast/guest_list.html#results", context)
    return render(request, "podcast/guest_list.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def guest_create(request: HttpRequest) -> HttpResponse:
    in_podcast(request)
    form = forms.GuestForm(request.POST or None, initial=_initial(request))
    matches: list[Guest] = []
    if request.method == "POST" and form.is_valid():
        try:
            guest = guest_services.guest_create(
                data=form.cleaned_data,
                by=request.user,
                confirmed=form.cleaned_data["confirm_duplicate"],
            )
        except guest_services.PossibleDuplicate as exc:
            matches = exc.matches
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Guest “{guest.name}” added.")
            return redirect(guest)
    status = (409 if matches else 422) if request.method == "POST" else 200
    context = {
        "form": form,
        "matches": matches,
        "duplicate_message": texts.GUEST_POSSIBLE_DUPLICATE,
    }
    return render(request, "podcast/guest_form.html", context, status=status)


def _initial(request: HttpRequest) -> dict:
    """Links may pre-fill a new guest (?name=…&email=…): an intake item becoming a guest."""
    keys = ("name", "email", "company", "role", "linkedin_url")
    return {k: request.GET[k][:300] for k in keys if request.GET.get(k)}


@member_required
@require_GET
def guest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    in_podcast(request)
    page = selectors.guest_page(guest_id=pk)
    guest = page.guest
    context = {
        "page": page,
        "guest": guest,
        "status_form": forms.GuestStatusForm(initial={"status": guest.status}),
        "merge_form": forms.GuestMergeForm(candidates=selectors.merge_candidates(guest))
        if request.user.is_admin and not guest.is_merged
        else None,
    }
    return render(request, "podcast/guest_detail.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def guest_edit(request: HttpRequest, pk: int) -> HttpResponse:
    in_podcast(request)
    guest = get_object_or_404(Guest.objects.select_related("merged_into"), pk=pk)
    if guest.is_merged:
        messages.error(
            request, texts.GUEST_MERGED.format(name=guest.name, into=guest.merged_into.name)
        )
        return redirect(guest.merged_into)
    form = forms.GuestForm(request.POST or None, instance=guest)
    if request.method == "POST" and form.is_valid():
        try:
            guest = guest_services.guest_update(
                guest=guest, data=form.cleaned_data, by=request.user
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Guest saved.")
            return redirect(guest)
    status = 422 if request.method == "POST" else 200
    return render(request, "podcast/guest_form.html", {"form": form, "guest": guest}, status=status)


@member_required
@require_POST
def guest_status(request: HttpRequest, pk: int) -> HttpResponse:
    guest = get_object_or_404(Guest, pk=pk)
    form = forms.GuestStatusForm(request.POST)
    if form.is_valid():
        try:
            guest = guest_services.guest_set_status(
                guest=guest,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Status: {guest.get_status_display()}.")
            return redirect(guest)
    messages.error(request, first_error(form))
    return redirect(guest)


@member_required
@require_POST
def guest_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge the chosen guest into this one (`keep=this`) or this one into it (`keep=other`)."""
    if not request.user.is_admin:
        raise PermissionDenied(texts.MERGE_ADMIN_ONLY)
    guest = get_object_or_404(Guest, pk=pk)
    form = forms.GuestMergeForm(request.POST, candidates=selectors.merge_candidates(guest))
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(guest)
    other = form.cleaned_data["other"]
    keep, gone = (other, guest) if request.POST.get("keep") == "other" else (guest, other)
    try:
        keep = guest_services.guest_merge(keep=keep, other=gone, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect(guest)
    messages.success(request, f"“{gone.name}” merged into “{keep.name}”.")
    return redirect(keep)
