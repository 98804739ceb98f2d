"""`manage.py docs_sync [--full] [--reclone]`: sync the docs mirror now, in this process.

Runs the same service as the Celery job, recorded in the job-run ledger (trigger "command").
Prints the counts; exits 1 with the reason when the sync fails.
"""

import sys

from django.core.management.base import BaseCommand

from dataops.jobs import job_run
from dataops.models import JobRun
from docs_app.sync import ALREADY_RUNNING, docs_sync
from docs_app.tasks import SYNC_KIND


class Command(BaseCommand):
    help = "Fetch and fast-forward the docs mirror, refresh the registry and the search index."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="re-register every file and rebuild the search index",
        )
        parser.add_argument(
            "--reclone",
            action="store_true",
            help="move the mirror aside (kept as a backup) and clone again, "
            "e.g. after an intended force-push",
        )

    def handle(self, *args, **options):
        try:
            with job_run(kind=SYNC_KIND, trigger=JobRun.Trigger.COMMAND) as run:
                result = docs_sync(
                    full=options["full"] or options["reclone"], reclone=options["reclone"]
                )
                run.counts, run.note = result.counts, result.note[:500]
        except Exception as exc:
            self.stderr.write(f"docs sync failed: {exc}")
            sys.exit(1)
        if result.note == ALREADY_RUNNING:
            self.stdout.write("Another docs sync is running; nothing done.")
            return
        counts = " ".join(f"{name}={value}" for name, value in result.counts.items())
        self.stdout.write(f"{result.note} {counts} (run #{run.pk})")
