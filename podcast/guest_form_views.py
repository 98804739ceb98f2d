"""The public guest form (no login) and the team's controls for its links.

Public views are rate-limited per token and per IP before anything else; their bodies are
capped by `REQUEST_BYTES_BY_PATH` before any view runs. A wrong token is the plain 404 page;
a locked or expired one says "This form is closed", nothing more.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import wraps

from axes.helpers import get_client_ip_address
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from dataops.errors import ServiceError
from podcast import guest_form_links as links
from podcast.guest_form import HONEYPOT, REQUIRED_MISSING, GuestForm
from podcast.intake.files import ACCEPT_ATTR
from podcast.models import Episode, Guest, GuestFormLink
from tasks.views.common import member_required, safe_next

SAVED = "Draft saved. You can close this page and come back to the same link."
SENT = "Thank you — your answers were sent. You can come back to this link to change them."
TOO_MANY = "Too many requests from here. Wait a few minutes and try again."


class UploadForm(forms.Form):
    file = forms.FileField(
        required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR})
    )


def _closed(request: HttpRequest) -> HttpResponse:
    return render(request, "podcast/form/closed.html", status=404)


def _guarded(view):
    """Rate limit, then resolve the token: the view gets the open link or never runs."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        if links.rate_limited(token=token, ip=get_client_ip_address(request) or "unknown"):
            return render(request, "podcast/form/closed.html", {"reason": TOO_MANY}, status=429)
        try:
            link = links.open_link(token)
        except links.FormNotFound as exc:
            raise Http404("No such form.") from exc
        except links.FormClosed:
            return _closed(request)
        return view(request, link, token)

    return login_not_required(wrapper)


def _initial(link: GuestFormLink) -> dict[str, str]:
    """The saved draft, else the last submission, else what the team knows of the guest."""
    if link.draft:
        return link.draft
    if link.item is not None and link.item.fields:
        return link.item.fields
    guest = link.guest
    role = " at ".join(part for part in (guest.role, guest.company) if part)
    place = ", ".join(part for part in (guest.location, guest.timezone) if part)
    return {"name": guest.name, "role_company": role, "location_timezone": place}


def _page(request, link, token, form, *, status=200, **extra) -> HttpResponse:
    upload = extra.pop("upload", UploadForm())
    context = {"link": link, "token": token, "form": form, "upload": upload, **extra}
    return render(request, "podcast/form/form.html", context, status=status)


@_guarded
@require_http_methods(["GET", "POST"])
def guest_form(request: HttpRequest, link: GuestFormLink, token: str) -> HttpResponse:
    """The guest fills the form: send, or save as a draft to finish later."""
    if request.method == "GET":
        initial = {**_initial(link), "rev": link.submit_count}
        return _page(request, link, token, GuestForm(initial=initial), sent=request.GET.get("sent"))
    if request.POST.get(HONEYPOT):  # looks sent to a bot; nothing is stored
        return redirect(f"{request.path}?sent=1")
    if request.POST.get("intent") == "draft":
        return _save_draft(request, link, token)
    return _submit(request, link, token)


def _save_draft(request, link, token) -> HttpResponse:
    form = GuestForm(request.POST, draft=True)
    if not form.is_valid():
        return _page(request, link, token, form, status=400)
    links.form_draft_save(link=link, answers=form.answers())
    messages.success(request, SAVED)
    return redirect(request.path)


def _submit(request, link, token) -> HttpResponse:
    form, upload = GuestForm(request.POST), UploadForm(request.POST, request.FILES)
    if not (form.is_valid() and upload.is_valid()):
        return _page(request, link, token, form, upload=upload, status=400, error=REQUIRED_MISSING)
    try:
        links.form_submit(
            link=link,
            answers=form.answers(),
            rev=form.cleaned_data["rev"],
            upload=upload.cleaned_data.get("file"),
        )
    except links.FormClosed:
        return _closed(request)
    except ServiceError as exc:
        target = upload if exc.field == "file" else form
        target.add_error("file" if exc.field == "file" else None, str(exc))
        return _page(
            request, link, token, form, upload=upload, status=409 if exc.code == "replayed" else 400
        )
    return redirect(f"{request.path}?sent=1")


@_guarded
@require_POST
def guest_form_autosave(request: HttpRequest, link: GuestFormLink, token: str) -> JsonResponse:
    """The page's periodic save (fetch, CSRF header): the draft, or which fields are too long."""
    form = GuestForm(request.POST, draft=True)
    if request.POST.get(HONEYPOT) or not form.is_valid():
        return JsonResponse({"saved": False, "errors": form.errors.get_json_data()}, status=400)
    try:
        links.form_draft_save(link=link, answers=form.answers())
    except links.FormClosed:
        return JsonResponse({"saved": False, "closed": True}, status=404)
    return JsonResponse({"saved": True, "at": timezone.localtime().strftime("%H:%M")})


# --- the team's controls -------------------------------------------------------------------


class LinkForm(forms.Form):
    episode = forms.ModelChoiceField(
        queryset=Episode.objects.none(), required=False, empty_label="No episode"
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        label="Expires on",
    )

    def __init__(self, *args, guest: Guest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["episode"].queryset = guest.episodes.all()

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _links_context(request, guest: Guest, form: LinkForm | None = None) -> dict:
    rows = list(guest.form_links.select_related("episode"))
    for row in rows:
        row.url = request.build_absolute_uri(links.link_path(row))
    return {"guest": guest, "form_links": rows, "link_form": form or LinkForm(guest=guest)}


@member_required
@require_http_methods(["GET", "POST"])
def form_links(request: HttpRequest, pk: int) -> HttpResponse:
    """A guest's form links (also the panel on the guest page); POST makes a new one."""
    guest = get_object_or_404(Guest, pk=pk)
    form = LinkForm(request.POST or None, guest=guest)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                links.form_link_create(
                    guest=guest,
                    by=request.user,
                    episode=form.cleaned_data["episode"],
                    expires_at=form.expires_at(),
                )
                form = None
            except ServiceError as exc:
                form.add_error("expires_on", str(exc))
        status = 200 if form is None else 400
    template = "podcast/form/_links.html" if request.htmx else "podcast/form/links.html"
    return render(request, template, _links_context(request, guest, form), status=status)


def _link_action(request, pk: int, run) -> HttpResponse:
    link = get_object_or_404(GuestFormLink.objects.select_related("guest"), pk=pk)
    try:
        run(link)
    except ServiceError as exc:
        messages.error(request, str(exc))
    if request.htmx:
        return render(request, "podcast/form/_links.html", _links_context(request, link.guest))
    return redirect(safe_next(request, reverse("podcast:guest-form-links", args=[link.guest_id])))


@member_required
@require_POST
def form_link_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    return _link_action(
        request, pk, lambda link: links.form_link_rotate(link=link, by=request.user)
    )


@member_required
@require_POST
def form_link_lock(request: HttpRequest, pk: int) -> HttpResponse:
    return _link_action(
        request, pk, lambda link: links.form_link_lock(link=link, by=request.user, locked=True)
    )


@member_required
@require_POST
def form_link_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _link_action(
        request, pk, lambda link: links.form_link_lock(link=link, by=request.user, locked=False)
    )


@member_required
@require_POST
def form_link_expiry(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(GuestFormLink.objects.select_related("guest"), pk=pk)
    form = LinkForm(request.POST, guest=link.guest)
    expires_at = form.expires_at() if form.is_valid() else link.expires_at
    return _link_action(
        request,
        pk,
        lambda link: links.form_link_set_expiry(link=link, by=request.user, expires_at=expires_at),
    )
