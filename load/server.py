"""gunicorn for a load run: on a free 127.0.0.1 port, stopped whatever happens."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 30
STOP_SECONDS = 10
# Server-side time per request (%(M)s, ms) in the access log, to compare with the client's.
ACCESS_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's own process group (its workers), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def gunicorn(env: dict[str, str], log_dir: Path) -> Iterator[tuple[str, int]]:
    """Yield the base URL and the master's pid of a gunicorn serving `dataops.wsgi` with
    `env`. The worker model comes from gunicorn.conf.py (WEB_WORKERS, WEB_THREADS), as in
    production."""
    port = free_port()
    log = (log_dir / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dataops.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log_dir / "access.log"),
            "--access-logformat",
            ACCESS_FORMAT,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _healthy(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {log_dir / 'gunicorn.log'}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        _stop(proc)
        log.close()
