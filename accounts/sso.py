"""Single sign-on through django-allauth's OpenID Connect provider, on this portal's terms.

Checked in `pre_social_login` on every SSO login, new and returning people alike:

* the provider shared an email address and confirmed it (the `email_verified` claim);
* the address, or its domain, is in SSO_ALLOWED_EMAILS / SSO_ALLOWED_DOMAINS;
* the account is not deactivated.

A first SSO login with an address that one existing account already uses signs in to that
account (the provider vouched for the address); otherwise a new account is created with no
role, and the admins are told it is waiting. There is no signup form and no local allauth
login: password login stays `dataops.views.LoginView` with its lockout.
"""

from __future__ import annotations

import logging
from functools import wraps
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base import AuthError
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render, resolve_url
from django.urls import reverse

from accounts import messages
from accounts.selectors import has_role, users_with_email
from accounts.services import sso_user_joined

log = logging.getLogger(__name__)


def email_allowed(email: str) -> bool:
    email = email.strip().lower()
    domain = email.rpartition("@")[2]
    return email in settings.SSO_ALLOWED_EMAILS or domain in settings.SSO_ALLOWED_DOMAINS


def configured_providers(request: HttpRequest) -> list[dict]:
    """Name and login URL of each configured provider, for the login page."""
    apps = get_social_adapter().list_apps(request, provider="openid_connect")
    return [
        {
            "name": app.name,
            "url": reverse("openid_connect_login", kwargs={"provider_id": app.provider_id}),
        }
        for app in apps
    ]


def provider_origins() -> list[str]:
    """Origins of the configured providers (their authorization endpoints live there)."""
    apps = get_social_adapter().list_apps(None, provider="openid_connect")
    origins = {urlsplit(app.settings.get("server_url", "")) for app in apps}
    return sorted(f"{o.scheme}://{o.netloc}" for o in origins if o.scheme and o.netloc)


def allow_sso_form_action(view):
    """Send this view's page with the site's CSP plus the providers in form-action."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        policy = getattr(settings, "SECURE_CSP", None)
        origins = provider_origins() if policy else []
        if origins and "Content-Security-Policy" not in response.headers:
            from dataops.middleware import csp_header

            form_action = [*policy.get("form-action", ["'self'"]), *origins]
            response.headers["Content-Security-Policy"] = csp_header(
                {**policy, "form-action": form_action}
            )
        return response

    return wrapper


def _refuse(request: HttpRequest, message: str, *, status: int = 403):
    return ImmediateHttpResponse(
        render(request, "accounts/sso_refused.html", {"message": message}, status=status)
    )


def _provider_name(request: HttpRequest, sociallogin: SocialLogin) -> str:
    return sociallogin.account.get_provider(request).name


def sso_refusal(email: str | None, verified: bool, provider: str) -> str | None:
    """Why this identity may not sign in, or None when it may."""
    if not email:
        return messages.SSO_NO_EMAIL.format(provider=provider)
    if not verified:
        return messages.SSO_EMAIL_UNVERIFIED.format(provider=provider, email=email)
    if not (settings.SSO_ALLOWED_DOMAINS or settings.SSO_ALLOWED_EMAILS):
        return messages.SSO_NO_ALLOWLIST
    if not email_allowed(email):
        return messages.SSO_NOT_ALLOWED.format(email=email)
    return None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = _provider_name(request, sociallogin)
        address = next(
            (a for a in sociallogin.email_addresses if a.primary),
            sociallogin.email_addresses[0] if sociallogin.email_addresses else None,
        )
        email = address.email if address else None
        refusal = sso_refusal(email, bool(address and address.verified), provider)
        if refusal:
            log.warning("SSO login refused (%s, %s): %s", provider, email, refusal)
            raise _refuse(request, refusal)
        if sociallogin.is_existing:
            user = sociallogin.user
        else:
            user = self._existing_account(request, email)
            if user is not None:
                sociallogin.connect(request, user)
        if user is not None and not user.is_active:
            raise _refuse(request, messages.SSO_INACTIVE)

    def _existing_account(self, request: HttpRequest, email: str):
        matches = list(users_with_email(email)[:2])
        if len(matches) > 1:
            raise _refuse(request, messages.SSO_AMBIGUOUS.format(email=email))
        if matches and not matches[0].is_active:
            raise _refuse(request, messages.SSO_INACTIVE)
        return matches[0] if matches else None

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True  # pre_social_login has already refused whoever is not allowed

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form=None):
        user = super().save_user(request, sociallogin, form)
        sso_user_joined(user=user, provider_name=_provider_name(request, sociallogin))
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        name = getattr(provider, "name", "single sign-on")
        if error == AuthError.CANCELLED:
            raise _refuse(request, messages.SSO_CANCELLED.format(provider=name), status=400)
        log.warning("SSO login with %s failed: %s %r", name, error, exception)
        raise _refuse(request, messages.SSO_FAILED.format(provider=name), status=400)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # accounts come from invites (and allowed single sign-on) only

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if not has_role(request.user):
            return reverse("accounts:waiting")
        return resolve_url(settings.LOGIN_REDIRECT_URL)

    get_signup_redirect_url = get_login_redirect_url

    def add_message(self, *args, **kwargs) -> None:
        """allauth's own flash messages ("Successfully signed in as …") are not shown: a
        password login says nothing either, and the page you land on is the answer."""

    def respond_user_inactive(self, request: HttpRequest, user):
        return render(
            request, "accounts/sso_refused.html", {"message": messages.SSO_INACTIVE}, status=403
        )
