"""Restore drill: prove an export restores, by restoring it and exporting it again.

A scratch database is made beside the live one (PostgreSQL: a new database
`<name>_drill_<random>` on the same server, dropped afterwards whatever happens; SQLite: a
temporary file). A child process of the same Python, pointed at it through `DATABASE_URL`
(and at a temporary `VAR_DIR`, media folder and cache prefix, so nothing of the live
installation is touched), runs `migrate`, `import_data ARCHIVE --json` and `export_data`.
The drill passes when every member's sha256 and every entity's row count in the second
export equal the archive's. The result is a `RestoreDrill` row in the live database.

`run_drill(path, source=...)` takes any archive on disk: the latest export by default, or
a copy downloaded from the offsite storage (pass its URL as `source`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess  # nosec B404 - manage.py runs with an argument list, never a shell
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection
from django.utils import timezone

from dataops.models import JobRun, User
from dataops.portability.archive import MANIFEST, ArchiveError, ArchiveReader, sha256_of_path
from dataops.portability.models import ExportArchive, Outcome, RestoreDrill, Trigger
from dataops.redact import redact

log = logging.getLogger(__name__)

NO_EXPORT = "No export to drill: run export_data first."
STEP_TIMEOUT_SECONDS = 60 * 60
MAX_ERROR_LINES = 12


class DrillError(Exception):
    """The drill could not restore the archive; the message says where it stopped."""


def latest_archive() -> ExportArchive | None:
    """The newest recorded export whose file is still on this disk."""
    for archive in ExportArchive.objects.filter(deleted_at__isnull=True).order_by(
        "-created_at", "-id"
    ):
        if Path(archive.path).is_file():
            return archive
    return None


def default_path() -> Path:
    archive = latest_archive()
    if archive is None:
        raise DrillError(NO_EXPORT)
    return Path(archive.path)


def run_drill(
    path: Path,
    *,
    source: str = "",
    trigger: str = Trigger.COMMAND,
    by: User | None = None,
    job_run: JobRun | None = None,
) -> RestoreDrill:
    """Drill the archive at `path` and return the saved `RestoreDrill` (succeeded or failed;
    an unexpected error is recorded on it and raised). `source` is what the page shows as
    the drilled archive: the path by default, an offsite URL for a downloaded copy."""
    from dataops.services import audit_record

    path = Path(path)
    drill = RestoreDrill.objects.create(
        status=Outcome.RUNNING,
        trigger=trigger,
        triggered_by=by,
        source=(source or str(path))[:1000],
        database_vendor=connection.vendor,
        job_run=job_run,
    )
    try:
        _drill(path, drill)
    except DrillError as exc:
        drill.status, drill.error = Outcome.FAILED, redact(str(exc))[:20_000]
    except BaseException as exc:
        drill.status, drill.error = Outcome.FAILED, redact(f"{type(exc).__name__}: {exc}")
        _finish(drill)
        raise
    _finish(drill)
    audit_record(
        actor=by,
        action="data.restore_drill",
        target=drill,
        target_label=f"restore drill #{drill.pk} of {Path(drill.source).name or drill.source}",
        changes={
            "status": drill.status,
            "rows": sum(drill.counts.values()),
            "mismatches": len(drill.mismatches),
            "trigger": trigger,
        },
    )
    return drill


def _finish(drill: RestoreDrill) -> None:
    drill.finished_at = timezone.now()
    drill.save()


def _drill(path: Path, drill: RestoreDrill) -> None:
    if not path.is_file():
        raise DrillError(f"{path}: no such archive file")
    drill.archive_sha256 = sha256_of_path(path)
    expected = read_manifest(path)
    with tempfile.TemporaryDirectory(prefix="dataops-drill-") as tmp:
        folder = Path(tmp)
        with scratch_database(folder) as url:
            env = child_env(url, folder)
            _manage(env, "migrate", "--noinput", "-v0")
            imported = _import(env, path)
            out = folder / "export"
            flags = ["--include-files"] * expected.get("include_files", False)
            flags += ["--with-credentials"] * expected.get("with_credentials", False)
            _manage(env, "export_data", "--out", str(out), *flags)
            archives = sorted(out.glob("*.tar.gz"))
            if len(archives) != 1:
                raise DrillError("export_data in the scratch database wrote no archive")
            restored = read_manifest(archives[0])
    drill.counts = imported
    drill.mismatches = compare(expected, restored)
    drill.status = Outcome.FAILED if drill.mismatches else Outcome.SUCCEEDED
    if drill.mismatches:
        drill.error = f"{len(drill.mismatches)} file(s) differ after the round trip: " + ", ".join(
            m["name"] for m in drill.mismatches[:10]
        )


def read_manifest(path: Path) -> dict:
    try:
        with ArchiveReader(path) as reader:
            if MANIFEST not in reader.members:
                raise DrillError(f"{path.name}: no {MANIFEST}")
            manifest = json.loads(reader.read(MANIFEST))
    except (ArchiveError, ValueError) as exc:
        raise DrillError(f"{path.name}: cannot read the manifest ({exc})") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise DrillError(f"{path.name}: the manifest has no file checksums")
    return manifest


def compare(expected: dict, restored: dict) -> list[dict]:
    """Every archive member whose sha256 or row count differs after the round trip."""
    rows_a = {e["name"]: e["rows"] for e in expected.get("entities", [])}
    rows_b = {e["name"]: e["rows"] for e in restored.get("entities", [])}
    files_a, files_b = expected["files"], restored["files"]
    mismatches = []
    for member in sorted(set(files_a) | set(files_b)):
        name = member.removeprefix("entities/").removesuffix(".jsonl")
        a, b = files_a.get(member), files_b.get(member)
        rows = (rows_a.get(name), rows_b.get(name))
        if a != b or rows[0] != rows[1]:
            mismatches.append(
                {
                    "name": member,
                    "archive_sha256": a or "",
                    "restored_sha256": b or "",
                    "archive_rows": rows[0],
                    "restored_rows": rows[1],
                }
            )
    return mismatches


# --- the scratch database -------------------------------------------------------------------


@contextmanager
def scratch_database(folder: Path) -> Iterator[str]:
    """A new, empty database for the drill; yields its DATABASE_URL. Dropped on exit."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{(folder / 'drill.sqlite3').resolve()}"
        return
    if connection.vendor != "postgresql":
        raise DrillError(f"restore drills support PostgreSQL and SQLite, not {connection.vendor}")
    yield from _postgres_scratch()


def _postgres_scratch() -> Iterator[str]:
    import psycopg
    from psycopg import sql

    params = connection.settings_dict
    name = f"{params['NAME'][:40]}_drill_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(**_connect_kwargs(params), autocommit=True)
    except psycopg.Error as exc:
        raise DrillError(f"cannot reach the database server: {exc}") from exc
    with admin:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise DrillError(
                f"cannot create the scratch database {name} (the database user needs the "
                f"CREATEDB privilege): {exc}"
            ) from exc
        log.info("restore drill: scratch database %s created", name)
        try:
            yield _postgres_url(params, name)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            log.info("restore drill: scratch database %s dropped", name)


# Connection options that are libpq's own (Django's OPTIONS may hold its own keys too).
LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslpassword",
        "connect_timeout",
        "options",
        "application_name",
        "target_session_attrs",
        "passfile",
        "service",
    }
)


def _libpq_options(params: dict) -> dict:
    options = params.get("OPTIONS") or {}
    return {k: v for k, v in options.items() if k in LIBPQ_OPTIONS and isinstance(v, str | int)}


def _connect_kwargs(params: dict) -> dict:
    kwargs = {
        "dbname": params["NAME"],
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
    }
    return {k: v for k, v in {**kwargs, **_libpq_options(params)}.items() if v is not None}


def _postgres_url(params: dict, name: str) -> str:
    user = quote(params.get("USER") or "", safe="")
    password = quote(params.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(params.get("HOST") or "", safe="")
    port = f":{params['PORT']}" if params.get("PORT") else ""
    options = _libpq_options(params)
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{auth}{host}{port}/{quote(name, safe='')}{query}"


# --- the child process ----------------------------------------------------------------------


def child_env(database_url: str, folder: Path) -> dict[str, str]:
    """The live environment pointed at the scratch database and at throw-away folders: the
    child must not write the live media, the live cache or the live queue."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE")
        or settings.SETTINGS_MODULE,
        "DATABASE_URL": database_url,
        "DATAOPS_VAR_DIR": str(folder / "var"),
        "MEDIA_ROOT": str(folder / "media"),
        "CACHE_KEY_PREFIX": f"dataops-drill-{folder.name}",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DB_CONN_MAX_AGE": "0",
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]
    try:
        # The arguments are our own: the command name, paths and fixed flags.
        return subprocess.run(  # nosec B603
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DrillError(f"{args[0]} did not finish within {STEP_TIMEOUT_SECONDS} s") from exc


def _tail(done: subprocess.CompletedProcess) -> str:
    lines = (done.stderr or done.stdout or "").strip().splitlines()
    return "\n".join(lines[-MAX_ERROR_LINES:])


def _manage(env: dict[str, str], *args: str) -> str:
    done = _run(env, *args)
    if done.returncode != 0:
        raise DrillError(f"{args[0]} failed (exit {done.returncode}): {_tail(done)}")
    return done.stdout


def _import(env: dict[str, str], path: Path) -> dict[str, int]:
    done = _run(env, "import_data", str(path), "--json")
    out = done.stdout
    try:
        # The report is the indented JSON object at the end: its first line is a lone "{"
        # (a JSON log line, were logs ever sent to stdout, is one line).
        report = json.loads(out[out.index("\n{\n") if not out.startswith("{\n") else 0 :])
    except ValueError as exc:
        raise DrillError(
            f"import_data failed (exit {done.returncode}) without a report: {_tail(done)}"
        ) from exc
    if not report.get("ok"):
        problems = report.get("problems") or ["no reason given"]
        raise DrillError("import_data refused the archive: " + "; ".join(problems[:5]))
    return report.get("created", {})
