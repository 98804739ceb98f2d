import json
from pathlib import Path

from django.core.management.base import BaseCommand

from dataops.portability.importer import import_data, render


class Command(BaseCommand):
    help = "Restore an export archive into an empty installation (--dry-run: report only)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        result = import_data(path=options["archive"], dry_run=options["dry_run"])
        text = json.dumps(result.as_dict(), indent=2) if options["json"] else render(result)
        self.stdout.write(text)
        if not result.ok:
            raise SystemExit(1)
