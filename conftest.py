"""Project-wide test fixtures: personas, logged-in clients, the system Chromium."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery"


def pytest_report_header(config):
    from django.conf import settings

    return (
        f"dataops: database={settings.TEST_DATABASE_LABEL} "
        f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}), "
        f"broker={settings.TEST_BROKER_LABEL}, cache={settings.CACHES['default']['BACKEND']}"
    )


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    no_redis = not settings.REDIS_URL
    no_chromium = not shutil.which(CHROMIUM)
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    for item in items:
        if on_sqlite and item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL; this run uses SQLite"))
        if no_redis and item.get_closest_marker("redis"):
            item.add_marker(pytest.mark.skip(reason="needs Redis; this run has none"))
        if no_chromium and item.get_closest_marker("browser") and not in_ci:
            item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


@pytest.fixture(autouse=True)
def _fresh_cached_lists(request):
    """The cached role and template lists (dataops/cached.py) and the docs registry's
    generation (docs_app/generation.py) live in the shared cache and would outlive the rows a
    test rolled back: each database test starts without them."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not uses_db:
        yield
        return
    from django.core.cache import cache

    from dataops.cached import CACHED_KEYS
    from docs_app import generation

    cache.delete_many([*CACHED_KEYS, generation.KEY])
    yield


# --- personas ----------------------------------------------------------------------------


@pytest.fixture
def make_user(db):
    from django.contrib.auth.models import Group

    from dataops.models import User

    def make(username: str, role: str | None = "operator", **extra) -> User:
        user = User.objects.create_user(username=username, password=PASSWORD, **extra)
        if role:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            if role == "admin":
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        return user

    return make


@pytest.fixture
def operator(make_user):
    return make_user("grace", "operator", first_name="Grace", last_name="Hopper")


@pytest.fixture
def admin_user(make_user):
    return make_user("ada", "admin", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def outsider(make_user):
    """Logged in, but in no role group."""
    return make_user("mallory", None)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def admin_client_(admin_user):
    """A separate client, so a test can hold an operator's and an admin's session at once."""
    from django.test import Client

    admin_session = Client()
    admin_session.force_login(admin_user)
    return admin_session


# --- real services a test starts and stops itself -------------------------------------------

ROOT = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a free port, without persistence, so the test can
    stop it (an outage) and start it again empty (a restarted Redis that lost its data)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path):
    """A started `RedisServer`, killed at the end of the test whatever happened."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_broker():
    """Point Celery (not eager) at a broker URL for one test; restored afterwards."""
    from dataops.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def use(url: str) -> None:
        app.conf.broker_url = url
        app.conf.task_always_eager = False
        app._pool = None
        app.amqp._producer_pool = None

    yield use
    app.conf.broker_url, app.conf.task_always_eager = saved
    app._pool = None
    app.amqp._producer_pool = None


# --- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations():
    """Playwright's `expect` waits up to 10 s instead of 5: the suite runs in one process per
    core, and a live server sharing a busy machine can take longer than usual to answer. A
    passing expectation still returns at its first match."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
