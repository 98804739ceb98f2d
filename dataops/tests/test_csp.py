"""Every response carries a Content-Security-Policy that allows no inline script or style,
and no template of the project needs one."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.test import Client, override_settings

from dataops.middleware import csp_header

pytestmark = pytest.mark.django_db
ROOT = Path(django_settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_strict(response) -> None:
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_html_pages_send_the_policy(operator_client, client):
    home = operator_client.get("/")
    assert home.status_code == 200 and "text/html" in home["Content-Type"]
    assert_strict(home)
    assert_strict(client.get("/login/"))


def test_error_pages_send_the_policy(operator_client, operator, settings):
    assert_strict(operator_client.get("/no/such/page/"))
    settings.MAX_REQUEST_BYTES = 1000
    too_big = operator_client.post("/notifications/read-all/", {"x": "y" * 5000})
    assert too_big.status_code == 413
    assert_strict(too_big)
    with override_settings(ROOT_URLCONF="dataops.tests.urls_boom"):
        failing = Client(raise_request_exception=False)
        failing.force_login(operator)
        response = failing.get("/boom/")
    assert response.status_code == 500
    assert_strict(response)


def test_admin_pages_send_the_policy(admin_client_, operator):
    index = admin_client_.get("/admin/")
    assert index.status_code == 200
    assert_strict(index)
    change_form = admin_client_.get(f"/admin/dataops/user/{operator.pk}/change/")
    assert change_form.status_code == 200
    assert_strict(change_form)


def test_htmx_partials_and_json_send_the_policy(operator_client):
    partial = operator_client.get("/notifications/", headers={"HX-Request": "true"})
    assert_strict(partial)
    assert_strict(operator_client.get("/healthz"))


def test_the_header_follows_the_setting(operator_client, settings):
    settings.SECURE_CSP = {"default-src": ["'self'"], "upgrade-insecure-requests": True}
    response = operator_client.get("/")
    assert response["Content-Security-Policy"] == "default-src 'self'; upgrade-insecure-requests"
    settings.SECURE_CSP = {}
    assert "Content-Security-Policy" not in operator_client.get("/").headers


def test_debug_error_pages_go_without_the_policy(operator_client, settings):
    settings.DEBUG = True
    assert "Content-Security-Policy" not in operator_client.get("/no/such/page/").headers
    assert "Content-Security-Policy" in operator_client.get("/").headers


def test_header_value_skips_empty_directives():
    assert csp_header({"img-src": ["'self'", "data:"], "frame-src": [], "sandbox": True}) == (
        "img-src 'self' data:; sandbox"
    )


# --- the templates themselves ------------------------------------------------------------

INLINE_CODE = {
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*application/json)[^>]*>", re.I),
    "on* handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "htmx code": re.compile(r"\shx-on|\shx-vars|javascript:|[\"']js:", re.I),
    # htmx evaluates a trigger filter (`click[ctrlKey]`) as JavaScript; allowEval is off.
    "htmx trigger filter": re.compile(r"hx-trigger=(\"[^\"]*\[|'[^']*\[)", re.I),
}


def project_templates() -> list[Path]:
    folders = [Path(folder) for folder in django_settings.TEMPLATES[0]["DIRS"]]
    for config in apps.get_app_configs():
        app_path = Path(config.path)
        if app_path.is_relative_to(ROOT) and ".venv" not in app_path.parts:
            folders += [app_path / "templates", app_path / "jinja2"]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


def test_no_template_carries_inline_script_or_style():
    templates = project_templates()
    assert len(templates) > 40 and ROOT / "templates" / "base.html" in templates
    found = [
        f"{path.relative_to(ROOT)}: {kind}"
        for path in templates
        for kind, pattern in INLINE_CODE.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<p style="color:red">',
        '<form hx-on::after-request="this.reset()">',
        "<style>p{}</style>",
        "<div hx-trigger=\"every 2s [document.visibilityState == 'visible']\">",
        """<div hx-vals='js:{now: Date.now()}'>""",
    ],
)
def test_the_template_check_recognises_inline_code(markup):
    assert any(pattern.search(markup) for pattern in INLINE_CODE.values())


@pytest.mark.parametrize(
    "markup",
    [
        """<script src="{% static 'js/app.js' %}" defer></script>""",
        '<div hx-trigger="input changed delay:250ms, search" class="mt-4">',
        '<form data-reset-after-save hx-post="/tasks/new/">',
        '<p class="text-center">one=1</p>',
    ],
)
def test_the_template_check_lets_external_scripts_and_classes_through(markup):
    assert not any(pattern.search(markup) for pattern in INLINE_CODE.values())
