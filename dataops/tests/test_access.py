"""Every URL pattern refuses anonymous users, except the few declared public.

The walk covers patterns added later automatically: a new view is protected unless it is
added to PUBLIC on purpose.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# name → why it is public
PUBLIC = {
    "login": "the login page itself",
    "healthz": "load balancer probe",
    "docs:webhook": "git host push webhook, authenticated by its HMAC signature instead",
    "telegram:webhook": "Telegram Bot API webhook, authenticated by its secret header instead",
    "accounts:password-reset": "asking for a reset email is for people who cannot log in",
    "accounts:password-reset-sent": "the page after asking for a reset email",
    "accounts:password-reset-confirm": "the emailed reset link, authenticated by its token",
    "accounts:password-reset-complete": "the page after choosing a new password",
    "accounts:invite-accept": "the emailed invite link, authenticated by its token",
    "openid_connect_login": "starts single sign-on with a configured provider",
    "openid_connect_callback": "the provider sends the browser back here, checked by state",
    "podcast:guest-form": "the link a guest fills, authenticated by its signed token",
    "podcast:guest-form-autosave": "the guest form's draft save, same token (and CSRF)",
}
# Django admin's own login/logout-free pages are behind our login redirect as well.
SAMPLE_VALUES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x/y.md",
    "uuid": "6f1c0d2e-4b7a-4c8e-9a51-2d3e4f5a6b7c",  # fixed: test ids must not vary per run
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + _route(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + _route(entry.pattern), f"{namespace}{entry.name or ''}", entry


def _route(pattern) -> str:
    import re

    route = str(pattern)
    if hasattr(pattern, "converters") and pattern.converters:
        for name, converter in pattern.converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            kind = {
                "int": "int",
                "string": "str",
                "slug": "slug",
                "path": "path",
                "uuid": "uuid",
            }.get(kind, "str")
            route = re.sub(rf"<(?:\w+:)?{name}>", SAMPLE_VALUES[kind], route)
    return route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")


def _concrete_urls():
    seen = set()
    for route, name, _ in _walk(get_resolver().url_patterns):
        if "(" in route or "?" in route:  # regex admin patterns: use a plausible sample
            route = route.split("(")[0]
        url = "/" + route
        if url not in seen:
            seen.add(url)
            yield url, name


URLS = list(_concrete_urls())
PRIVATE_URLS = [(url, name) for url, name in URLS if name not in PUBLIC]


def test_walk_found_the_platform_pages():
    names = {name for _, name in URLS}
    assert {"home", "health", "failed-jobs", "notifications", "login", "healthz"} <= names
    assert set(PUBLIC) <= names, "a PUBLIC entry names a URL that no longer exists"


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name"), PRIVATE_URLS, ids=[u for u, _ in PRIVATE_URLS])
def test_anonymous_is_refused(client, url, name):
    for method in ("get", "post"):
        response = getattr(client, method)(url, follow=True)
        if response.redirect_chain:
            final = response.redirect_chain[-1][0]
            assert final.startswith("/login/"), f"{method.upper()} {url} ended at {final}"
            assert response.request["PATH_INFO"] == "/login/"
        else:
            assert response.status_code in (401, 403, 404, 405), (method, url, response.status_code)


@pytest.mark.django_db
def test_htmx_request_gets_hx_redirect_not_a_page(client):
    response = client.get("/notifications/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"] == "/login/"


@pytest.mark.django_db
def test_public_pages_answer_anonymously(client):
    assert client.get("/login/").status_code == 200
    assert client.get("/healthz").status_code == 200
