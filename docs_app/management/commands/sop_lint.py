"""`manage.py sop_lint PATH…`: lint SOP files; exit 0 clean, 1 violations, 2 unreadable."""

import sys

from django.core.management.base import BaseCommand

from docs_app.sop.cli import run_lint


class Command(BaseCommand):
    help = "Lint SOP Markdown files (a directory means every .md file below it)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")

    def handle(self, *args, **options):
        code = run_lint(options["paths"], stdout=self.stdout, stderr=self.stderr)
        if code:
            sys.exit(code)
