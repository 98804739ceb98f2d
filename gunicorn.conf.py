"""gunicorn's settings for the web process (read from the working directory on start).

The worker model comes from the environment so one machine's choice never needs a code
change: WEB_WORKERS processes, each with WEB_THREADS threads (more than one thread selects
the `gthread` worker). Command-line flags still win over this file.
"""

import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
