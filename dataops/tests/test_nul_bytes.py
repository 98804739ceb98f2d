"""A NUL character anywhere in a request's path or parameters is a 400, never a 500.

PostgreSQL refuses text containing NUL, and file paths refuse it too, so one value with
"\\x00" would otherwise crash whichever view stores, searches or opens it. Every URL pattern
is walked (patterns added later are covered automatically): each gets NUL in every
parameter the code reads (GET and POST) and in each path segment, logged in as an admin (who
can open every page) on PostgreSQL. NUL in a parameter's name is tested on its own.
"""

import importlib
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings

from dataops.middleware import NUL_REFUSED
from dataops.tests.test_access import URLS

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROOT = Path(settings.BASE_DIR)
APPS = ("dataops", "docs_app", "tasks", "accounts")
NUL = "a\x00b"
_READ_PARAM = re.compile(r"""(?:GET|POST)(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']""")


def _sources():
    for app in APPS:
        for source in (ROOT / app).rglob("*.py"):
            if "tests" not in source.parts and "migrations" not in source.parts:
                yield source


def _params_read_in_code() -> set[str]:
    return {
        name
        for source in _sources()
        for name in _READ_PARAM.findall(source.read_text(encoding="utf-8"))
    }


def _form_fields() -> set[str]:
    """Field names of every form the apps define (filters and editors bind GET or POST)."""
    for source in _sources():
        if source.name.endswith("forms.py"):
            importlib.import_module(".".join(source.relative_to(ROOT).with_suffix("").parts))
    names, pending = set(), [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APPS:
            names |= set(getattr(cls, "base_fields", {}))
    return names


PARAMS = sorted(_params_read_in_code() | _form_fields() | {"q", "next", "page", "id"})
EVERY_PARAM_NUL = {name: NUL for name in PARAMS}


def _nul_paths(url: str) -> list[str]:
    """The URL with each segment in turn replaced by one containing NUL, and NUL appended."""
    segments = url.strip("/").split("/")
    variants = [url + "%00"]
    for index in range(len(segments)):
        changed = [*segments[:index], "a%00b", *segments[index + 1 :]]
        variants.append("/" + "/".join(changed) + "/")
    return variants


def _refused(response) -> bool:
    return response.status_code in (400, 404)


def test_parameter_names_were_found():
    assert {"q", "next", "page", "title", "anchor_date", "rrule"} <= set(PARAMS)


@pytest.mark.parametrize(("url", "name"), URLS, ids=[u for u, _ in URLS])
def test_nul_anywhere_in_a_request_is_refused(admin_client_, url, name):
    response = admin_client_.get(url, EVERY_PARAM_NUL)
    assert _refused(response), ("GET", url, response.status_code)
    response = admin_client_.post(url, {**EVERY_PARAM_NUL, "upload": _file()})
    assert _refused(response), ("POST", url, response.status_code)
    for variant in _nul_paths(url):
        for method in ("get", "post"):
            response = getattr(admin_client_, method)(variant)
            assert _refused(response), (method, variant, response.status_code)


@pytest.mark.parametrize("method", ["get", "post"])
def test_nul_in_a_parameter_name_is_refused(admin_client_, method):
    for url in ("/docs/quick-open/", "/tasks/new/", "/login/"):
        response = getattr(admin_client_, method)(url, {"q\x00": "1"})
        assert response.status_code == 400, (method, url)


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")


def test_quick_open_with_nul_gets_the_designed_400(admin_client_):
    response = admin_client_.get("/docs/quick-open/", {"q": "intro\x00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-page"' in page and NUL_REFUSED in page


def test_htmx_request_with_nul_gets_the_message_alone(admin_client_):
    response = admin_client_.get(
        "/docs/quick-open/", {"q": "intro\x00"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert NUL_REFUSED in page and 'class="topbar"' not in page


def test_doc_id_with_nul_is_refused(admin_client_):
    assert admin_client_.get("/docs/id/abc%00def/").status_code == 400


def test_nul_in_a_posted_form_saves_nothing(admin_client_, admin_user):
    from tasks.models import Task

    response = admin_client_.post("/tasks/new/", {"title": "Call\x00", "due_date": "2026-12-07"})
    assert response.status_code == 400
    assert not Task.objects.exists()


def test_plain_requests_still_work(admin_client_):
    assert admin_client_.get("/docs/quick-open/", {"q": "intro"}).status_code == 200
    assert admin_client_.get("/", {"q": "a%00b"}).status_code == 200  # a literal "%00" is text
