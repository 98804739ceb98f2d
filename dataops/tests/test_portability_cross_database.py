"""An archive restores into the other database vendor and exports back byte-identical:
PostgreSQL → SQLite when the suite runs on PostgreSQL, SQLite → PostgreSQL (a scratch
database) when it runs on SQLite and a PostgreSQL server answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from dataops.test_settings import LOCAL_POSTGRES, _answers
from dataops.tests.portability_archives import export, members
from dataops.tests.portability_data import fill_every_entity

pytestmark = pytest.mark.django_db


def manage(database_url: str, media: Path, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "dataops.test_settings",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def other_database(tmp_path) -> Iterator[str]:
    if connection.vendor == "postgresql":
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
        return
    if not _answers("127.0.0.1", 5432):
        pytest.skip("no PostgreSQL server answers for the SQLite → PostgreSQL direction")
    import psycopg

    name = f"dataops_port_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(LOCAL_POSTGRES.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
        try:
            yield LOCAL_POSTGRES.rsplit("/", 1)[0] + f"/{name}"
        finally:
            db.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_an_archive_round_trips_through_the_other_database(tmp_path, settings, other_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    fill_every_entity()
    archive = export(tmp_path / "out", "--include-files")
    media = tmp_path / "other-media"
    manage(other_database, media, "migrate", "-v0")
    assert "Import complete." in manage(other_database, media, "import_data", str(archive))
    manage(other_database, media, "export_data", "--out", str(tmp_path / "back"), "--include-files")
    (back,) = (tmp_path / "back").glob("*.tar.gz")
    first, second = (json.loads(members(a)["manifest.json"]) for a in (archive, back))
    assert second["database_vendor"] != first["database_vendor"]
    assert second["files"] == first["files"]
