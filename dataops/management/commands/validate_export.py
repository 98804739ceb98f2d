import json
from pathlib import Path

from django.core.management.base import BaseCommand

from dataops.portability.validate import render, validate_archive


class Command(BaseCommand):
    help = "Check an export archive (checksums, rows, references, secrets); exit 0 or 1."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        report = validate_archive(path=options["archive"])
        text = json.dumps(report.as_dict(), indent=2) if options["json"] else render(report)
        self.stdout.write(text)
        if not report.ok:
            raise SystemExit(1)
