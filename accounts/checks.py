"""Start-up checks: single sign-on configured so that nobody could use it."""

from django.conf import settings
from django.core.checks import Warning, register

NO_ALLOWLIST = Warning(
    "Single sign-on is configured but SSO_ALLOWED_DOMAINS and SSO_ALLOWED_EMAILS are empty, "
    "so every single sign-on login is refused.",
    hint="Set SSO_ALLOWED_DOMAINS (e.g. example.org) and/or SSO_ALLOWED_EMAILS.",
    id="accounts.W001",
)


@register()
def sso_allowlist(app_configs, **kwargs):
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    if apps and not (settings.SSO_ALLOWED_DOMAINS or settings.SSO_ALLOWED_EMAILS):
        return [NO_ALLOWLIST]
    return []
