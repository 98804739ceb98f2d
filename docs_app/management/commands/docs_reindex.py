"""`manage.py docs_reindex`: rebuild the search index from the registry and the mirror.

The new index is built beside the live one and swapped in atomically; searches keep working
meanwhile. The run is recorded in the job-run ledger (kind `docs.reindex`).
"""

from django.core.management.base import BaseCommand

from dataops.jobs import job_run
from docs_app import search


class Command(BaseCommand):
    help = "Rebuild the docs search index from scratch."

    def handle(self, *args, **options):
        with job_run(kind="docs.reindex") as run:
            count = search.rebuild_index()
            run.counts = {"indexed": count}
        self.stdout.write(f"Indexed {count} document(s).")
