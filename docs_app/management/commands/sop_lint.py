"""`manage.py sop_lint [--strict] PATH…`: lint SOP files; exit 0 clean, 1 violations,
2 unreadable. Files that are not SOPs are skipped (counted on stderr) unless `--strict`."""

import sys

from django.core.management.base import BaseCommand

from docs_app.sop.cli import run_lint


class Command(BaseCommand):
    help = "Lint SOP Markdown files (a directory means every .md file below it)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="lint every file, also docs that are not SOPs (no SOP frontmatter, "
            "doc_type not sop or checklist)",
        )

    def handle(self, *args, **options):
        code = run_lint(
            options["paths"], strict=options["strict"], stdout=self.stdout, stderr=self.stderr
        )
        if code:
            sys.exit(code)
