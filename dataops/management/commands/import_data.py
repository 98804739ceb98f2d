import json
from pathlib import Path

from django.core.management.base import BaseCommand

from dataops.portability.importer import import_data, render


class Command(BaseCommand):
    help = (
        "Restore an export archive into an empty installation in one transaction, with "
        "recurring generation and notifications paused meanwhile (--dry-run: report only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--merge",
            action="store_true",
            help="into an installation that has data: insert only the rows whose id is not "
            "here and skip identical ones; a row here with the same id and different content "
            "refuses the whole import (nothing is ever overwritten)",
        )

    def handle(self, *args, **options):
        result = import_data(
            path=options["archive"], dry_run=options["dry_run"], merge=options["merge"]
        )
        text = json.dumps(result.as_dict(), indent=2) if options["json"] else render(result)
        self.stdout.write(text)
        if not result.ok:
            raise SystemExit(1)
