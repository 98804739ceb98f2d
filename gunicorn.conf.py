"""gunicorn's settings for the web process (read from the working directory on start).

The worker model comes from the environment so a machine's choice needs no code change:
WEB_WORKERS processes, each with WEB_THREADS threads (more than one thread selects the
`gthread` worker). Defaults: 2 processes of 2 threads. A request spends part of its time
waiting for PostgreSQL and Redis; the second thread of a process runs meanwhile, and the two
processes let the Python work use two cores. More threads than that only queue for the
process's interpreter lock: on a 2-core machine under `make load`, 8 threads per process cost
about a fifth more CPU per request than 2 and served fewer requests with a higher p95, while
2, 3 or 4 single-threaded processes measured the same as 2 × 2 within the machine's noise
(see README, "Tests and benchmarks"). Two threads per process keep one slow page from
holding up the quick ones queued behind it in that process.
Each thread keeps its own database connection (CONN_MAX_AGE), so PostgreSQL needs
WEB_WORKERS × WEB_THREADS connections per web machine. Command-line flags still win.
Each worker, once it has loaded the application, freezes its start-up objects out of the
garbage collector's full collections (`dataops.heap`).
"""

import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "2"))
worker_class = "gthread" if threads > 1 else "sync"


def post_worker_init(worker) -> None:
    from dataops import heap

    heap.load_application()
    heap.settle()
