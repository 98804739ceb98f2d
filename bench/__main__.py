"""Run the benchmarks on a fresh, generated database and print the numbers.

Usage: python -m bench [NAME ...]   (NAME = module suffix, e.g. `platform`, `tasks`)

The database is `BENCH_DATABASE_URL` (a PostgreSQL one is dropped and created afresh: point it
at a scratch database), else a fresh `dataops_bench` on the local PostgreSQL,
else (with a loud warning) SQLite. Each module runs in its own process on a database created
afresh for it. Results are also written to var/bench-results.json.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL_PG = "postgres://postgres@127.0.0.1:5432/dataops_bench"
LOCAL_REDIS = "redis://127.0.0.1:6379/14"


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _fresh_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def configure() -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="dataops-bench-"))
    db_url = os.environ.get("BENCH_DATABASE_URL", "")
    if not db_url and _answers(5432):
        db_url = LOCAL_PG
    if db_url.startswith(("postgres://", "postgresql://")):
        _fresh_postgres(db_url)
    if not db_url:
        print(
            "!!! No PostgreSQL answered: benchmarking on SQLite; numbers are not the target setup.",
            file=sys.stderr,
        )
        db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    redis_url = os.environ.get("BENCH_REDIS_URL", LOCAL_REDIS if _answers(6379) else "")
    os.environ.update(
        {
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop",
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "text",
            "DATAOPS_VAR_DIR": str(tmp / "var"),
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "DJANGO_SETTINGS_MODULE": "dataops.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from dataops import heap

    # As a web or Celery worker does once it has loaded the application.
    heap.load_application()
    heap.settle()
    return {"tmp": tmp, "database_url": db_url, "redis_url": redis_url}


def discover(names: list[str]) -> list[str]:
    """Module names (`bench_…`) for the given short names; every module without names."""
    found = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    wanted = [f"bench_{n}" for n in names] if names else found
    unknown = set(wanted) - set(found)
    if unknown:
        raise SystemExit(
            f"unknown benchmark(s): {', '.join(sorted(unknown))}; "
            f"have: {', '.join(f.removeprefix('bench_') for f in found)}"
        )
    return wanted


def run_one(module_name: str) -> dict:
    """Run one benchmark module in this process, on a freshly created database."""
    sys.path.insert(0, str(ROOT))
    ctx = configure()
    from django.db import connection

    from bench.harness import print_table

    print(
        f"database: {connection.vendor} ({ctx['database_url'].split('@')[-1]}), "
        f"redis: {ctx['redis_url'] or 'none'}, python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores"
    )
    module = importlib.import_module(f"bench.{module_name}")
    started = time.perf_counter()
    results = module.run(ctx)
    print_table(f"{module.TITLE} ({time.perf_counter() - started:.1f} s)", results)
    return {module.__name__: [r.as_dict() for r in results]}


def main(argv: list[str]) -> int:
    """Each module runs in its own process on its own fresh database, so no benchmark
    measures on (or trips over) the data another one generated."""
    modules = discover(argv)
    out = ROOT / "var" / "bench-results.json"
    out.parent.mkdir(exist_ok=True)
    if len(modules) == 1:
        out.write_text(json.dumps(run_one(modules[0]), indent=2))
        print(f"\nresults written to {out.relative_to(ROOT)}")
        return 0
    everything, failed = {}, []
    for name in modules:
        short = name.removeprefix("bench_")
        done = subprocess.run([sys.executable, "-m", "bench", short], cwd=ROOT, check=False)
        if done.returncode != 0:
            failed.append(short)
            continue
        everything.update(json.loads(out.read_text()))
        print()
    out.write_text(json.dumps(everything, indent=2))
    print(f"results written to {out.relative_to(ROOT)}")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
