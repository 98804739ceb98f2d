"""Settings for the test suite.

Database and broker: ``DATABASE_URL`` / ``REDIS_URL`` when given; otherwise the local
PostgreSQL and Redis servers when they answer; otherwise SQLite and the filesystem broker,
announced loudly. Under ``CI=true`` falling back is an error: CI must test the real thing.

Under pytest-xdist each worker process gets its own test database (pytest-django appends the
worker's name) and its own Redis database (the given index plus the worker's number), so one
worker's ``cache.clear()`` or Celery queue never touches another's.
"""

import os
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/dataops"
LOCAL_REDIS = "redis://127.0.0.1:6379/13"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _choose(name: str, local_url: str, port: int) -> str:
    if os.environ.get(name):
        return os.environ[name]
    if _answers("127.0.0.1", port):
        return local_url
    if IN_CI:
        raise SystemExit(
            f"CI=true but {name} is unset and nothing answers on 127.0.0.1:{port}; "
            "refusing to fall back."
        )
    return ""


_db_url = _choose("DATABASE_URL", LOCAL_POSTGRES, 5432)


def _worker_redis(url: str, worker: str) -> str:
    """``redis://host:port/N`` for xdist worker ``gwK`` becomes ``.../(N + K) % 16``."""
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = parts.path.strip("/") or "0"
    if parts.scheme not in ("redis", "rediss") or not base.isdigit():
        raise SystemExit(f"parallel tests need REDIS_URL as redis://host:port/N, not {url}")
    index = (int(base) + int(worker[2:])) % 16
    return urlunsplit(parts._replace(path=f"/{index}"))


_redis_url = _worker_redis(
    _choose("REDIS_URL", LOCAL_REDIS, 6379), os.environ.get("PYTEST_XDIST_WORKER", "")
)
FALLBACKS = [
    label for label, url in (("SQLite", _db_url), ("filesystem broker", _redis_url)) if not url
]
if FALLBACKS:
    print(
        f"\n*** Tests fall back to {' and '.join(FALLBACKS)}: no PostgreSQL/Redis answered. "
        "PostgreSQL-only tests will be skipped. ***\n",
        file=sys.stderr,
    )

_tmp = Path(tempfile.mkdtemp(prefix="dataops-test-"))
os.environ["DATABASE_URL"] = _db_url or f"sqlite:///{_tmp / 'test.sqlite3'}"
os.environ["REDIS_URL"] = _redis_url
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DATAOPS_VAR_DIR", str(_tmp / "var"))
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(_tmp / "hypothesis"))
os.environ.setdefault("CACHE_KEY_PREFIX", f"dataops-test-{os.getpid()}")
os.environ["DEBUG"] = "false"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["SECURE_COOKIES"] = "false"
os.environ["LOG_FORMAT"] = "text"
os.environ["LOG_LEVEL"] = "WARNING"

from dataops.settings import *  # noqa: E402,F403
from dataops.settings import STORAGES  # noqa: E402

# Fast hashing: Argon2 is exercised by its own test, which asks for it explicitly.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
JOB_RETRY_BACKOFF_SECONDS = 1
# The outbox is sent by the tests that mean to (send_pending), not after every write.
NOTIFY_SEND_ON_WRITE = False
TEST_DATABASE_LABEL = (
    "SQLite (fallback)"
    if not _db_url
    else "SQLite"
    if _db_url.startswith("sqlite")
    else "PostgreSQL"
)
TEST_BROKER_LABEL = "Redis" if _redis_url else "filesystem (fallback)"
