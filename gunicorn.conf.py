"""gunicorn's settings for the web process (read from the working directory on start).

The worker model comes from the environment so a machine's choice needs no code change:
WEB_WORKERS processes, each with WEB_THREADS threads (more than one thread selects the
`gthread` worker). Defaults: 2 processes of 8 threads. A request spends a good part of its
time waiting for PostgreSQL and Redis; another thread of the same process runs meanwhile,
and the two processes let the Python work use two cores. On a 2-core machine under
`make load` this serves several times the requests of 2 single-threaded workers, and a
slow page no longer holds up the quick ones queued behind it (see README, "Tests and
benchmarks"); 8 threads kept p95/p99 lower than 4, and more processes than cores only added
contention.
Each thread keeps its own database connection (CONN_MAX_AGE), so PostgreSQL needs
WEB_WORKERS × WEB_THREADS connections per web machine. Command-line flags still win.
Each worker, once it has loaded the application, freezes its start-up objects out of the
garbage collector's full collections (`dataops.heap`).
"""

import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "gthread" if threads > 1 else "sync"


def post_worker_init(worker) -> None:
    from dataops import heap

    heap.load_application()
    heap.settle()
