"""Health checks: each returns ok / warn / fail with one line a person can act on.

Checks are listed in ``settings.HEALTH_CHECKS`` (dotted paths) so every app adds its own
(docs mirror freshness, last recurring generation) without touching this module.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.timesince import timesince

OK, WARN, FAIL = "ok", "warn", "fail"
WORKER_PING_TIMEOUT = 0.4
BROKER_CONNECT_TIMEOUT = 0.6
# The page answers within this, whatever the network does: a check still waiting then is
# shown as failed ("did not answer in time") and left to finish in the background.
CHECKS_DEADLINE_SECONDS = 0.8


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str
    millis: float = 0.0


def network_check(name: str):
    """Mark a check that waits on the network: `run_all` runs those in parallel threads,
    within `CHECKS_DEADLINE_SECONDS`. `name` is shown when the check does not answer in time.

    The others run in the calling thread, on the request's own database connection.
    """

    def mark(check):
        check.waits_on_network = True
        check.check_name = name
        return check

    return mark


def database_reachable() -> bool:
    """The single question `/healthz` answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def check_database() -> CheckResult:
    if not database_reachable():
        return CheckResult("Database", FAIL, "The database does not answer a simple query.")
    vendor = connection.vendor
    label = "PostgreSQL" if vendor == "postgresql" else "SQLite" if vendor == "sqlite" else vendor
    version = ""
    if vendor == "postgresql":
        version = f" {connection.pg_version // 10000}"
    return CheckResult("Database", OK, f"{label}{version} answers queries.")


@network_check("Cache")
def check_cache() -> CheckResult:
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    key = "health:probe"
    try:
        if hasattr(cache, "probe"):  # the resilient Redis cache hides errors from pages
            cache.probe()
        else:
            cache.set(key, "1", 30)
            if cache.get(key) != "1":
                return CheckResult(
                    "Cache", FAIL, f"{backend} accepted a value but did not return it."
                )
    except Exception as exc:
        where = "Redis" if settings.REDIS_URL else backend
        return CheckResult(
            "Cache",
            FAIL,
            f"{where} is unreachable: {_short(exc)}. Pages keep "
            "working without it; sessions come from the database.",
        )
    where = "Redis" if settings.REDIS_URL else "database cache, embedded mode"
    return CheckResult("Cache", OK, f"Reads and writes work ({where}).")


@network_check("Broker")
def check_broker() -> CheckResult:
    from dataops.celery import app

    label = "Redis" if settings.REDIS_URL else "filesystem queue, embedded mode"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0.1, timeout=BROKER_CONNECT_TIMEOUT
            )
    except Exception as exc:
        return CheckResult(
            "Broker",
            FAIL,
            f"Celery cannot reach {label}: {_short(exc)}. "
            "Queued work waits and is sent when it is back.",
        )
    return CheckResult("Broker", OK, f"Celery's broker accepts connections ({label}).")


@network_check("Celery worker")
def check_worker() -> CheckResult:
    from dataops.celery import app

    try:
        replies = app.control.ping(timeout=WORKER_PING_TIMEOUT) or []
    except Exception as exc:
        return CheckResult("Celery worker", FAIL, f"Could not ping workers: {_short(exc)}")
    if not replies:
        return CheckResult(
            "Celery worker",
            FAIL,
            f"No worker answered a ping within {WORKER_PING_TIMEOUT:g} s: background jobs "
            "are not running.",
        )
    names = sorted(name for reply in replies for name in reply)
    return CheckResult("Celery worker", OK, f"{len(names)} worker(s) answered: {', '.join(names)}.")


def check_beat() -> CheckResult:
    from dataops.models import Heartbeat

    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        return CheckResult("Celery beat", FAIL, "Beat has never written a heartbeat.")
    age = timezone.now() - beat.at
    every = timedelta(seconds=settings.BEAT_HEARTBEAT_SECONDS)
    ago = f"last heartbeat {_ago(age)}"
    if age <= every * 3:
        return CheckResult("Celery beat", OK, f"Scheduling periodic jobs; {ago}.")
    if age <= every * 10:
        return CheckResult("Celery beat", WARN, f"Heartbeat is late; {ago}.")
    return CheckResult("Celery beat", FAIL, f"Beat seems stopped; {ago}.")


def check_disk() -> CheckResult:
    target = settings.VAR_DIR if settings.VAR_DIR.exists() else settings.BASE_DIR
    free = shutil.disk_usage(target).free
    text = f"{_gib(free)} free where data is kept ({target})."
    if free < settings.HEALTH_DISK_FAIL_BYTES:
        return CheckResult("Disk space", FAIL, f"Only {text}")
    if free < settings.HEALTH_DISK_WARN_BYTES:
        return CheckResult("Disk space", WARN, f"Getting low: {text}")
    return CheckResult("Disk space", OK, text[0].upper() + text[1:])


def check_failed_jobs() -> CheckResult:
    from django.db.models import Min, Q

    from dataops.models import JobRun

    stats = JobRun.objects.failed_open().aggregate(
        n=_count(),
        oldest=Min("created_at"),
        lost=_count(filter=Q(error_code=JobRun.ErrorCode.LOST)),
    )
    if not stats["n"]:
        return CheckResult("Failed jobs", OK, "No failed background jobs waiting.")
    oldest = timezone.now() - stats["oldest"]
    lost = (
        f", {stats['lost']} of them lost (a worker died mid-job or the queue dropped it)"
        if stats["lost"]
        else ""
    )
    text = f"{stats['n']} failed job(s){lost}, the oldest {_ago(oldest)}."
    if oldest > timedelta(days=1):
        return CheckResult("Failed jobs", FAIL, text + " Retry or dismiss them.")
    return CheckResult("Failed jobs", WARN, text)


def run_all(deadline: float = CHECKS_DEADLINE_SECONDS) -> list[CheckResult]:
    """Run every configured check; a crashing check reports itself as failed, a network
    check still waiting at `deadline` seconds as not answering in time."""
    started = time.perf_counter()
    checks = [import_string(path) for path in settings.HEALTH_CHECKS]
    slow = [check for check in checks if getattr(check, "waits_on_network", False)]
    results: dict[object, CheckResult] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, len(slow)), thread_name_prefix="health")
    try:
        futures = {check: pool.submit(_timed, check, True) for check in slow}
        for check in checks:
            if check not in futures:
                results[check] = _timed(check, False)
        wait(futures.values(), timeout=max(0.0, deadline - (time.perf_counter() - started)))
        for check, future in futures.items():
            results[check] = future.result() if future.done() else _too_slow(check, deadline)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [results[check] for check in checks]


def _too_slow(check, deadline: float) -> CheckResult:
    return CheckResult(check.check_name, FAIL, f"No answer within {deadline:g} s.", deadline * 1000)


def _timed(check, in_thread: bool) -> CheckResult:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:
        name = getattr(check, "__name__", "check").removeprefix("check_").replace("_", " ")
        result = CheckResult(name.capitalize(), FAIL, f"The check itself failed: {_short(exc)}")
    finally:
        if in_thread:
            connections.close_all()
    return CheckResult(
        result.name, result.status, result.detail, (time.perf_counter() - started) * 1000
    )


def overall(results: list[CheckResult]) -> str:
    statuses = {result.status for result in results}
    return FAIL if FAIL in statuses else WARN if WARN in statuses else OK


def _count(**kwargs):
    from django.db.models import Count

    return Count("id", **kwargs)


def _short(exc: BaseException) -> str:
    from dataops.redact import redact

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(text)[:200]


def _ago(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 60:
        return "less than a minute ago"
    return f"{timesince(timezone.now() - age)} ago"


def _gib(n: int) -> str:
    return f"{n / 1024**3:.1f} GiB" if n >= 1024**3 else f"{n / 1024**2:.0f} MiB"
