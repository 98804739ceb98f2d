"""`manage.py docs_quality [--json] [--severity S] [--category C] [--domain D]`.

Prints the process-quality report (the same rows as /docs/quality/, most severe first):
one line per finding, `SEVERITY CATEGORY PATH:LINE MESSAGE` and the next action below it;
with `--json` a list of objects (severity, category, code, path, doc_id, title, domain,
message, next_action, line, url).
"""

import json

from django.core.management.base import BaseCommand

from docs_app.models import Finding
from docs_app.quality import all_rows


class Command(BaseCommand):
    help = "Print the process-quality findings of the docs registry."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--severity", choices=Finding.Severity.values)
        parser.add_argument("--category", choices=Finding.Category.values)
        parser.add_argument("--domain", help="first folder under the content root")

    def handle(self, *args, **options):
        rows = all_rows(
            severity=options["severity"] or "",
            category=options["category"] or "",
            domain=options["domain"] or "",
        )
        if options["json"]:
            self.stdout.write(
                json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False)
            )
            return
        if not rows:
            self.stdout.write("No findings.")
            return
        for row in rows:
            where = f"{row.path or row.title}{f':{row.line}' if row.line else ''}"
            self.stdout.write(f"{row.severity:<8} {row.category:<22} {where}  {row.message}")
            self.stdout.write(f"{'':<32}→ {row.next_action}")
        self.stdout.write(f"{len(rows)} finding(s).")
