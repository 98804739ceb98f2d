"""Sign-in with an OpenID Connect provider, against the fake provider on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
import requests
from django.urls import NoReverseMatch, reverse

from accounts import messages
from dataops.models import AuditEvent, Notification, User

pytestmark = pytest.mark.django_db


def sso_login(client, provider, **extra):
    """Click the button, let the provider answer, follow the redirect back: the final page."""
    start = client.post("/sso/acme/login/", {"process": "login", **extra})
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(f"{provider.url}/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    back = urlparse(at_provider.headers["Location"])
    assert back.path == "/sso/acme/login/callback/"
    return client.get(f"{back.path}?{back.query}")


def logged_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_login_page_offers_the_configured_provider(client, oidc):
    page = client.get("/login/").content.decode()
    assert "Continue with Acme SSO" in page
    assert 'action="/sso/acme/login/"' in page


def test_pages_with_the_sso_button_may_send_their_form_to_the_provider(client, oidc, settings):
    settings.SECURE_CSP = {"default-src": ["'self'"], "form-action": ["'self'"]}
    for url in ("/login/", "/sso/acme/login/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert f"form-action 'self' {oidc.url}" in policy and "default-src 'self'" in policy


def test_login_page_has_no_sso_button_when_none_is_configured(client):
    page = client.get("/login/").content.decode()
    assert "Continue with" not in page and "/sso/" not in page


def test_allowed_domain_gets_an_account_with_no_role(client, oidc, admin_user):
    oidc.sign_in_as("lin@example.org", given_name="Lin", family_name="Wu")
    response = sso_login(client, oidc)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:waiting")
    user = logged_in_user(client)
    assert user.email == "lin@example.org" and user.get_full_name() == "Lin Wu"
    assert not user.groups.exists() and not user.is_staff and not user.has_usable_password()
    assert AuditEvent.objects.filter(action="user.sso_joined", target_id=str(user.pk)).exists()
    note = Notification.objects.get(recipient=admin_user, kind="account_waiting")
    assert "lin@example.org" in note.text
    waiting = client.get(reverse("accounts:waiting")).content.decode()
    assert "Waiting for access" in waiting and "Successfully signed in" not in waiting


def test_an_allowed_address_outside_the_domains_gets_in(client, oidc):
    oidc.sign_in_as("guest@partner.test")
    assert sso_login(client, oidc).status_code == 302
    assert logged_in_user(client).email == "guest@partner.test"


def test_other_domain_is_refused(client, oidc):
    oidc.sign_in_as("eve@evil.test")
    response = sso_login(client, oidc)
    assert response.status_code == 403
    assert messages.SSO_NOT_ALLOWED.format(email="eve@evil.test") in response.content.decode()
    assert logged_in_user(client) is None
    assert not User.objects.filter(email="eve@evil.test").exists()


def test_unverified_email_is_refused(client, oidc):
    oidc.sign_in_as("lin@example.org", verified=False)
    response = sso_login(client, oidc)
    assert response.status_code == 403
    assert "did not confirm that you own lin@example.org" in response.content.decode()
    assert logged_in_user(client) is None and not User.objects.exists()


def test_unverified_as_a_string_claim_is_refused_too(client, oidc):
    oidc.sign_in_as("lin@example.org", verified="false")
    assert sso_login(client, oidc).status_code == 403
    assert logged_in_user(client) is None


def test_nobody_gets_in_while_no_allowlist_is_configured(client, oidc, settings):
    settings.SSO_ALLOWED_DOMAINS = settings.SSO_ALLOWED_EMAILS = []
    oidc.sign_in_as("lin@example.org")
    response = sso_login(client, oidc)
    assert response.status_code == 403 and messages.SSO_NO_ALLOWLIST in response.content.decode()


def test_removing_a_domain_refuses_its_people_at_their_next_login(client, oidc, settings):
    oidc.sign_in_as("lin@example.org", sub="lin-1")
    sso_login(client, oidc)
    user = logged_in_user(client)
    client.post("/logout/")

    settings.SSO_ALLOWED_DOMAINS = ["other.example"]
    oidc.sign_in_as("lin@example.org", sub="lin-1")
    response = sso_login(client, oidc)
    assert response.status_code == 403
    assert logged_in_user(client) is None
    assert User.objects.filter(email="lin@example.org").count() == 1
    assert User.objects.get(pk=user.pk).is_active  # refused, not deleted


def test_returning_user_with_a_role_lands_on_home(client, oidc):
    oidc.sign_in_as("lin@example.org", sub="lin-1")
    sso_login(client, oidc)
    user = logged_in_user(client)
    from dataops.roles import grant_role

    grant_role(user, "operator")
    client.post("/logout/")
    oidc.sign_in_as("lin@example.org", sub="lin-1")
    response = sso_login(client, oidc)
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in_user(client) == user and User.objects.count() == 1


def test_first_sso_login_with_an_invited_accounts_address_signs_in_to_it(client, oidc, operator):
    operator.email = "Grace@Example.org"
    operator.save()
    oidc.sign_in_as("grace@example.org")
    response = sso_login(client, oidc)
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in_user(client) == operator
    assert User.objects.count() == 1
    assert operator.socialaccount_set.get().provider == "acme"


def test_deactivated_account_is_refused(client, oidc, operator):
    operator.email, operator.is_active = "grace@example.org", False
    operator.save()
    oidc.sign_in_as("grace@example.org")
    response = sso_login(client, oidc)
    assert response.status_code == 403 and messages.SSO_INACTIVE in response.content.decode()
    assert logged_in_user(client) is None


def test_cancelling_at_the_provider_shows_a_page_not_an_error(client, oidc):
    start = client.post("/sso/acme/login/", {"process": "login"})
    state = dict(p.split("=", 1) for p in urlparse(start["Location"]).query.split("&"))["state"]
    response = client.get(f"/sso/acme/login/callback/?error=access_denied&state={state}")
    assert response.status_code == 400
    assert messages.SSO_CANCELLED.format(provider="Acme SSO") in response.content.decode()


def test_a_forged_callback_is_refused(client, oidc):
    response = client.get("/sso/acme/login/callback/?code=made-up&state=made-up")
    assert response.status_code == 400
    assert logged_in_user(client) is None


def test_unknown_provider_is_not_found(client, oidc):
    assert client.post("/sso/nope/login/").status_code == 404


def test_there_is_no_signup_anywhere(client):
    for name in ("account_signup", "socialaccount_signup", "account_login"):
        with pytest.raises(NoReverseMatch):
            reverse(name)
    assert client.get("/accounts/signup/").status_code in (302, 404)
