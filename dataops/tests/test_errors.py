"""Error pages are styled and say what happened; bad configuration fails loudly at start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_unknown_url_gets_the_styled_404(operator_client):
    response = operator_client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "This page does not exist" in page and 'class="topbar"' in page


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="dataops.tests.urls_boom")
def test_server_error_gets_the_styled_500(operator):
    client = Client(raise_request_exception=False)
    client.force_login(operator)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_missing_csrf_token_gets_the_styled_403(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post("/notifications/read-all/")
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


@pytest.mark.django_db
def test_oversized_request_body_is_refused_before_any_view(operator_client, settings):
    settings.MAX_REQUEST_BYTES = 1000
    response = operator_client.post("/notifications/read-all/", {"x": "y" * 5000})
    assert response.status_code == 413
    assert "too large" in response.content.decode()


@pytest.mark.django_db
def test_oversized_form_fields_get_the_styled_400(operator_client, operator, settings):
    from dataops.models import Notification

    note = Notification.objects.create(recipient=operator, kind="x", text="t", dedup_key="k")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = operator_client.post(f"/notifications/{note.pk}/read/", {"x": "y" * 5000})
    assert response.status_code == 400
    assert "too large" in response.content.decode()


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    assert len(client.get("/login/")["X-Request-ID"]) == 32
    assert client.get("/login/", headers={"X-Request-ID": "abc-123"})["X-Request-ID"] == "abc-123"
    assert client.get("/login/", headers={"X-Request-ID": "bad id!"})["X-Request-ID"] != "bad id!"


def _clean_env(**overrides) -> dict:
    """A process environment as a fresh shell has it: none of the test run's settings."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    var_dir = os.environ["DATAOPS_VAR_DIR"]
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "dataops.settings",
        "DATAOPS_VAR_DIR": var_dir,
        **overrides,
    }


def _start(code: str, **env_overrides) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(**env_overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )


SETUP = "import django; django.setup(); print('started')"
PROD = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "ops.example.org"}


def test_production_refuses_to_start_without_secret_key():
    out = _start(SETUP, ALLOWED_HOSTS="ops.example.org")
    assert out.returncode != 0 and "SECRET_KEY must be set" in out.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    out = _start(SETUP, SECRET_KEY="x" * 60)
    assert out.returncode != 0 and "ALLOWED_HOSTS must be set" in out.stderr


def test_manage_py_in_a_checkout_makes_its_own_key_and_web_still_refuses(tmp_path):
    """Commands typed in a checkout work without SECRET_KEY (a key kept in var/); the
    processes that serve never get that fallback."""
    env = _clean_env(DATAOPS_VAR_DIR=str(tmp_path))
    check = [sys.executable, "manage.py", "check"]
    first = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    key = key_file.read_text().strip()
    assert len(key) >= 50 and key_file.stat().st_mode & 0o077 == 0
    again = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and key_file.read_text().strip() == key
    web = _start("import dataops.wsgi", DATAOPS_VAR_DIR=str(tmp_path))
    assert web.returncode != 0 and "SECRET_KEY must be set" in web.stderr


@pytest.mark.parametrize("url", ["nonsense", "postgres//broken", "ftp://host/db"])
def test_malformed_database_url_names_the_setting(url):
    out = _start(SETUP, DATABASE_URL=url, **PROD)
    assert out.returncode != 0 and "DATABASE_URL" in out.stderr


def test_malformed_redis_url_names_the_setting():
    out = _start(SETUP, REDIS_URL="localhost:6379", **PROD)
    assert out.returncode != 0 and "REDIS_URL" in out.stderr


def test_debug_is_off_unless_set():
    out = _start(SETUP + "; from django.conf import settings; print(settings.DEBUG)", **PROD)
    assert out.stdout.split() == ["started", "False"], out.stderr


def test_check_deploy_is_clean_with_production_settings():
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_clean_env(
            SECRET_KEY="kP3-very-long-random-production-key-Zq8vN2mL5tR7yW1xC4bH6jF9dS",
            ALLOWED_HOSTS="ops.example.org",
        ),
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_production_logs_are_json_with_the_request_id():
    code = (
        "import django, logging; django.setup();"
        "from dataops.logging import bind_context_id;"
        "ctx = bind_context_id('req-42'); ctx.__enter__();"
        "logging.getLogger('dataops.test').warning('hello %s', 'world')"
    )
    out = _start(code, **PROD)
    record = json.loads(out.stderr.strip().splitlines()[-1])
    assert record["message"] == "hello world"
    assert record["request_id"] == "req-42" and record["level"] == "WARNING"
