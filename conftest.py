"""Project-wide test fixtures: personas, logged-in clients, the system Chromium."""

import os
import shutil

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


# --- browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
