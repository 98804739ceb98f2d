"""Account pages: your account and password, reset by email, invites, people waiting."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import messages, selectors, services
from accounts.forms import (
    InviteAcceptForm,
    InviteForm,
    PasswordResetRequestForm,
    ProfileForm,
    RoleGrantForm,
)
from accounts.models import Invite
from dataops.backends import PORTAL_BACKEND
from dataops.errors import ServiceError
from dataops.models import User
from dataops.roles import admin_required
from dataops.telegram.selectors import bot_ready_for_linking

PASSWORD_BACKEND = PORTAL_BACKEND


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# --- your account ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        flash.success(request, messages.PROFILE_SAVED)
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "sso_providers": selectors.sign_in_methods(request.user, selectors.provider_names()),
            "has_password": request.user.has_usable_password(),
            "telegram_ready": bot_ready_for_linking(),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_usable_password():
            return redirect("accounts:profile")  # single sign-on only: nothing to change
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        flash.success(self.request, messages.PASSWORD_CHANGED)
        return response


# --- password reset by email ----------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Same answer whether or not the address has an account: nothing to enumerate."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(
            email=form.cleaned_data["email"], base_url=_base_url(request)
        )
        return redirect("accounts:password-reset-sent")
    return render(request, "registration/password_reset_form.html", {"form": form})


@login_not_required
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "registration/password_reset_done.html", {"message": messages.RESET_SENT}
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_completed(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# --- invites --------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def invites(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invite = services.invite_create(
                **form.cleaned_data, by=request.user, base_url=_base_url(request)
            )
        except ServiceError as exc:
            form.add_error(exc.field, exc.message)
        else:
            flash.success(
                request, messages.INVITE_SENT.format(email=invite.email, days=settings.INVITE_DAYS)
            )
            return redirect("accounts:invites")
    return render(
        request,
        "accounts/invites.html",
        {
            "form": form,
            "base_url": _base_url(request),
            "invite_days": settings.INVITE_DAYS,
            **selectors.invites_page(),
        },
    )


@admin_required
@require_POST
def invite_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invite = get_object_or_404(Invite, pk=pk)
    try:
        services.invite_revoke(invite=invite, by=request.user)
    except ServiceError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, messages.INVITE_REVOKED.format(email=invite.email))
    return redirect("accounts:invites")


def _invite_unusable(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "accounts/invite_invalid.html", {"message": message}, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, uid, token: str) -> HttpResponse:
    if request.user.is_authenticated:
        return _invite_unusable(
            request, messages.INVITE_LOGGED_IN.format(name=request.user.display_name), 200
        )
    invite = Invite.objects.filter(uid=uid).first()
    refusal = services.invite_refusal(invite, token)
    if refusal:
        return _invite_unusable(
            request, refusal, 404 if refusal == messages.INVITE_LINK_INVALID else 410
        )
    form = InviteAcceptForm(request.POST or None, email=invite.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.invite_accept(
                invite=invite,
                token=token,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
            )
        except ServiceError as exc:
            if not exc.field:
                return _invite_unusable(request, exc.message, 410)
            form.add_error(exc.field, exc.message)
        else:
            login(request, user, backend=PASSWORD_BACKEND)
            flash.success(request, messages.INVITE_WELCOME.format(name=user.display_name))
            return redirect("home")
    return render(request, "accounts/invite_accept.html", {"form": form, "invite": invite})


# --- people waiting for a role --------------------------------------------------------


def waiting(request: HttpRequest) -> HttpResponse:
    """Where a new single sign-on user lands until an admin grants a role."""
    if selectors.has_role(request.user):
        return redirect("home")
    return render(request, "accounts/waiting.html")


@admin_required
def people_waiting(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/people_waiting.html",
        {"people": selectors.users_waiting(), "form": RoleGrantForm()},
    )


@admin_required
@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = RoleGrantForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Choose a role to grant.")
        return redirect("accounts:people-waiting")
    role = form.cleaned_data["role"]
    try:
        services.role_grant(user=user, role=role, by=request.user)
    except ServiceError as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, services.role_granted_message(user, role))
    return redirect("accounts:people-waiting")
