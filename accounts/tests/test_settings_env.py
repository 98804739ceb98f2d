"""Email and single sign-on settings come from the environment (dataops/settings.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(django_settings.BASE_DIR) / "dataops" / "settings.py"
VARIABLES = [
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "SSO_SERVER_URL",
    "SSO_CLIENT_ID",
    "SSO_CLIENT_SECRET",
    "SSO_PROVIDER_ID",
    "SSO_NAME",
    "SSO_ALLOWED_DOMAINS",
    "SSO_ALLOWED_EMAILS",
]


@pytest.fixture
def read_settings(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def read(**env) -> dict:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return read


def test_without_a_mail_server_emails_go_to_the_log(read_settings):
    assert read_settings()["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_an_smtp_server_from_the_environment(read_settings):
    values = read_settings(EMAIL_HOST="smtp.example.org", EMAIL_PORT="465")
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("smtp.example.org", 465)
    assert values["EMAIL_USE_SSL"] and not values["EMAIL_USE_TLS"]


def test_no_provider_unless_configured(read_settings):
    assert read_settings()["SOCIALACCOUNT_PROVIDERS"] == {"openid_connect": {"APPS": []}}


def test_google_and_a_generic_provider_from_the_environment(read_settings):
    values = read_settings(
        GOOGLE_CLIENT_ID="g-id",
        GOOGLE_CLIENT_SECRET="g-secret",
        SSO_SERVER_URL="https://id.example.org/realms/ops",
        SSO_CLIENT_ID="ops",
        SSO_CLIENT_SECRET="s",
        SSO_PROVIDER_ID="keycloak",
        SSO_NAME="Example ID",
        SSO_ALLOWED_DOMAINS="Example.org, @example.net",
        SSO_ALLOWED_EMAILS="Guest@Partner.test",
    )
    google, generic = values["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert (google["provider_id"], google["client_id"], google["settings"]["server_url"]) == (
        "google",
        "g-id",
        "https://accounts.google.com",
    )
    assert (generic["provider_id"], generic["name"], generic["secret"]) == (
        "keycloak",
        "Example ID",
        "s",
    )
    assert values["SSO_ALLOWED_DOMAINS"] == ["example.org", "example.net"]
    assert values["SSO_ALLOWED_EMAILS"] == ["guest@partner.test"]


def test_a_provider_without_its_secret_stops_start_up(read_settings):
    with pytest.raises(ImproperlyConfigured, match="GOOGLE_CLIENT_SECRET"):
        read_settings(GOOGLE_CLIENT_ID="g-id")


def test_a_provider_without_an_allowlist_warns_at_start_up(settings):
    from accounts.checks import NO_ALLOWLIST, sso_allowlist

    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{"provider_id": "google"}]}}
    settings.SSO_ALLOWED_DOMAINS = settings.SSO_ALLOWED_EMAILS = []
    assert sso_allowlist(None) == [NO_ALLOWLIST]
    settings.SSO_ALLOWED_DOMAINS = ["example.org"]
    assert sso_allowlist(None) == []
