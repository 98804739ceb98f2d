"""Run the load test: `python -m load` (what `make load` runs).

Settings from the environment: DATABASE_URL (a PostgreSQL database whose name contains
`load`; dropped and created afresh), REDIS_URL, LOAD_USERS (50), LOAD_SECONDS (60), and
WEB_WORKERS / WEB_THREADS for gunicorn's worker model. Only 127.0.0.1 is ever a target.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load.cpu import CpuSampler, backends_of
from load.prepare import database_name, production_environment, recreate_database

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dataops_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
LOGIN_ALLOWANCE = 120  # seconds the logins may take before the measured window


def _uptime() -> str:
    env = {**os.environ, "TZ": "UTC"}  # Django sets TZ to the organisation's zone
    return subprocess.run(
        ["uptime"], capture_output=True, text=True, check=False, env=env
    ).stdout.strip()


def _terminate_on_sigterm() -> None:
    """A SIGTERM (make interrupted, CI timeout) unwinds like Ctrl-C, so gunicorn is stopped."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def run_locust(*, host: str, users: int, seconds: int, tmp: Path, env: dict[str, str]) -> None:
    spawn_rate = max(1, users // 5)  # everyone logged in within ~5 s
    # The locustfile stops the run `seconds` after the last login; -t only bounds a stuck one.
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "load" / "locustfile.py"),
        "--headless", "--host", host, "-u", str(users), "-r", str(spawn_rate),
        "-t", f"{seconds + LOGIN_ALLOWANCE}s", "--stop-timeout", "5",
        "--csv", str(tmp / "locust"), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    locust_env = {
        **env,
        "LOAD_PLAN": str(tmp / "plan.json"),
        "LOAD_WRITES": str(tmp / "writes.json"),
        "LOAD_USERS": str(users),
        "LOAD_SECONDS": str(seconds),
    }
    with (tmp / "locust.log").open("w") as log:
        subprocess.run(
            command,
            cwd=ROOT,
            env=locust_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=seconds + LOGIN_ALLOWANCE + 30,
        )


def _cleanup_cache(redis_url: str, prefix: str) -> None:
    """Drop this run's cache keys (sessions, cached lists) from the shared Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*", count=1000):
        client.delete(key)


def main() -> int:
    from load import report, server

    _terminate_on_sigterm()
    users = int(os.environ.get("LOAD_USERS", "50"))
    seconds = int(os.environ.get("LOAD_SECONDS", "60"))
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    tmp = Path(tempfile.mkdtemp(prefix="dataops-load-"))
    prefix = f"load-{int(time.time())}"
    env = production_environment(
        database_url=database_url, redis_url=redis_url, var_dir=tmp / "var", cache_prefix=prefix
    )
    started = time.monotonic()
    print(
        f"load: {users} users for {seconds} s; database {database_url.split('@')[-1]}, "
        f"redis {redis_url.split('@')[-1]}, files in {tmp}"
    )
    recreate_database(database_url)
    _setup_django({**env, "LOG_LEVEL": "WARNING"})
    from load.prepare import prepare

    plan = prepare(users=users)
    (tmp / "plan.json").write_text(json.dumps(plan))
    task_ids = [t["id"] for account in plan["users"] for t in account["tasks"]]
    before = report.history_counts(task_ids)
    from django.db import connections

    connections.close_all()
    web = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    print(
        f"prepared in {time.monotonic() - started:.0f} s; gunicorn: {web['workers']} "
        f"{web['worker_class']} workers × {web['threads']} threads"
    )
    load_before = _uptime()
    try:
        with server.gunicorn(env, tmp) as (host, pid):
            sampler = CpuSampler(
                gunicorn_pid=pid, backend_pids=backends_of(database_name(database_url))
            )
            sampler.start()
            run_locust(host=host, users=users, seconds=seconds, tmp=tmp, env=env)
            sampler.stop()
    finally:
        _cleanup_cache(redis_url, prefix)
        shutil.rmtree(tmp / "var", ignore_errors=True)  # static files, docs mirror and index
    load_after = _uptime()
    rows, overall = report.read_stats(tmp / "locust_stats.csv")
    writes = json.loads((tmp / "writes.json").read_text())
    check = report.check_writes(
        confirmed=writes["confirmed"],
        before=before,
        after=report.history_counts(task_ids),
        last_status=writes["last_status"],
        statuses=report.task_statuses(task_ids),
    )
    print()
    print(report.stats_table(rows, overall))
    print()
    print(check.summary())
    print(report.login_summary(writes["logins"]))
    web_cpu, db_cpu = sampler.spent_since(writes["logins"].get("window_started_at", 0.0))
    print(report.cpu_summary(web_cpu, db_cpu, overall.requests))
    errors = overall.errors + writes["logins"]["refused"]
    print(report.verdict(overall, check.lost_count, errors))
    print(f"uptime before: {load_before}\nuptime after:  {load_after}")
    print(f"total {time.monotonic() - started:.0f} s; logs in {tmp}")
    return 0 if errors == 0 and check.lost_count == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
