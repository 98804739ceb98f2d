"""The scratch database of a load run: created afresh and filled like a working portal.

Data: the shipped workflow templates, five people and ~100 workflows with a few thousand
tasks around today (the generator of `bench/bench_tasks.py`), the bundled docs registered
by the real `docs_sync`, and N load users (operators with known passwords), each with a few
standalone tasks of their own that only they complete, reopen and comment on — so every
write is attributable and the database can be checked against what the users recorded.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

LOAD_PASSWORD = "load-pass-2026"
OWN_TASKS = 4
WORKFLOWS = 100
TASKS = 4000
SEARCHES = [
    "podcast",
    "newsletter guest",
    "luma event",
    "youtube upload",
    "invoice",
    "webinar",
    "slack",
    "calendar",
    "sponsor",
    "transcript",
    "workshop",
    "banner",
]


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0]


def recreate_database(url: str) -> None:
    """Drop and create the PostgreSQL database of `url`. Refused unless its name says `load`,
    so a mistyped DATABASE_URL never drops a database that holds real work."""
    import psycopg

    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"make load needs a PostgreSQL DATABASE_URL, got {url.split(':')[0]}:")
    name = database_name(url)
    if "load" not in name:
        raise SystemExit(
            f"refusing to drop database {name!r}: the load run drops and recreates "
            "its database, so its name must contain 'load'."
        )
    admin_url = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def production_environment(
    *, database_url: str, redis_url: str, var_dir: Path, cache_prefix: str
) -> dict[str, str]:
    """The environment of a production web process on plain-HTTP localhost."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DEMO_MODE": "0",
        "DATAOPS_VAR_DIR": str(var_dir),
        "CACHE_KEY_PREFIX": cache_prefix,
        "DJANGO_SETTINGS_MODULE": "dataops.settings",
        "PYTHONUNBUFFERED": "1",
    }


def _load_users(count: int, today) -> list[dict]:
    """Operators `load01`… with one password (hashed once: Argon2 is slow on purpose)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from dataops.models import OPERATOR_GROUP, User
    from tasks.services import task_create

    password_hash = make_password(LOAD_PASSWORD)
    users = User.objects.bulk_create(
        [
            User(
                username=f"load{n:02d}",
                first_name="Load",
                last_name=f"User {n:02d}",
                email=f"load{n:02d}@example.org",
                password=password_hash,
            )
            for n in range(1, count + 1)
        ]
    )
    Group.objects.get(name=OPERATOR_GROUP).user_set.add(*users)
    accounts = []
    for user in users:
        own = [
            task_create(
                title=f"Load check {i + 1} of {user.username}",
                due_date=today + timedelta(days=i),
                by=user,
                assignee=user,
            )
            for i in range(OWN_TASKS)
        ]
        accounts.append(
            {
                "username": user.username,
                "password": LOAD_PASSWORD,
                "tasks": [{"id": t.pk, "version": t.version, "status": t.status} for t in own],
            }
        )
    return accounts


def _work(today) -> None:
    from bench.bench_tasks import Generator, _users
    from tasks.models import Task

    generator = Generator(today, _users())
    generator.workflows(WORKFLOWS, today - timedelta(days=90), today + timedelta(days=45))
    generator.standalone(
        max(TASKS - Task.objects.count(), 0),
        today - timedelta(days=365),
        today + timedelta(days=30),
    )


def prepare(*, users: int) -> dict:
    """Migrate and fill the (empty) database; return the plan the locust users follow."""
    from django.core.management import call_command
    from django.db import connection

    from docs_app.models import Document
    from docs_app.sync import docs_sync
    from tasks.models import Workflow
    from tasks.services import templates_load
    from tasks.services.common import local_today

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    templates_load()
    today = local_today()
    _work(today)
    docs_sync()
    accounts = _load_users(users, today)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # so autovacuum does not wake up mid-run
    active = Workflow.objects.filter(status="active").order_by("anchor_date")
    return {
        "users": accounts,
        "workflows": list(active.values_list("pk", flat=True)),
        "docs": list(Document.objects.order_by("path").values_list("path", flat=True)),
        "searches": SEARCHES,
    }
