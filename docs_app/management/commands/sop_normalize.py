"""`manage.py sop_normalize PATH… [--check]`: convert legacy SOPs to the marked format."""

import sys

from django.core.management.base import BaseCommand

from docs_app.sop.cli import run_normalize


class Command(BaseCommand):
    help = "Convert legacy SOPs to the marked format in place (--check only reports)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing; exit 1 when a file would be normalized",
        )

    def handle(self, *args, **options):
        code = run_normalize(
            options["paths"], check=options["check"], stdout=self.stdout, stderr=self.stderr
        )
        if code:
            sys.exit(code)
