"""Full request/response time of the login page and /healthz: gunicorn vs the test client."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.test import Client

from bench.harness import Result, measure

TITLE = "Platform: login page and /healthz"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn_server():
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dataops.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _get(port, "/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start within 30 s")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def run(ctx) -> list[Result]:
    client = Client()
    results = [
        measure("test client: GET /login/", lambda: client.get("/login/"), runs=200),
        measure("test client: GET /healthz", lambda: client.get("/healthz"), runs=200),
    ]
    with gunicorn_server() as port:
        results += [
            measure(
                "gunicorn (2 workers, HTTP): GET /login/",
                lambda: _get(port, "/login/"),
                runs=200,
                count_queries=False,
            ),
            measure(
                "gunicorn (2 workers, HTTP): GET /healthz",
                lambda: _get(port, "/healthz"),
                runs=200,
                count_queries=False,
            ),
        ]
    return results
