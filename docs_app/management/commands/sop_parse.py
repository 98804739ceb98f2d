"""`manage.py sop_parse PATH`: print a document's SOP tree as JSON."""

import sys

from django.core.management.base import BaseCommand

from docs_app.sop.cli import run_parse


class Command(BaseCommand):
    help = "Print the parsed SOP tree of a Markdown file as JSON."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Markdown file to parse")

    def handle(self, *args, **options):
        code = run_parse(options["path"], stdout=self.stdout, stderr=self.stderr)
        if code:
            sys.exit(code)
