"""`manage.py podcast_kb_import [PATH] [--people PATH] [--json] [--reindex]`.

Imports episode files from PATH (default: `PODCAST_KB_PATH` in the docs mirror) and people
profiles from `--people` (default: `PODCAST_PEOPLE_PATH` in the mirror, or the folder of
that name beside PATH). Prints the counts and each failed file with its reason; `--json`
prints `{"created", "updated", "unchanged", "removed", "failed": [{"path", "error"}],
"guests": {"created", "updated"}}`. Recorded in the job ledger. Exit status 1 when PATH is
not a folder; failed files are reported, not fatal.
"""

import json
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dataops.jobs import job_run
from podcast.kb import importer, search
from podcast.kb.tasks import IMPORT_KIND


class Command(BaseCommand):
    help = "Import past podcast episodes and people profiles into the knowledge base."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="folder of episode files")
        parser.add_argument("--people", help="folder of people profiles")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--reindex", action="store_true", help="rebuild the KB search index afterwards"
        )

    def handle(self, *args, **options):
        try:
            with job_run(kind=IMPORT_KIND) as run:
                report = self._import(options["path"], options["people"])
                run.counts, run.note = report.counts(), report.failure_note()
        except importer.KbImportError as exc:
            raise CommandError(str(exc)) from exc
        if options["reindex"]:
            search.rebuild()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        else:
            self._print(report)

    def _import(self, path: str | None, people: str | None) -> importer.ImportReport:
        if path is None and people is None:
            return importer.import_from_mirror()
        if path is None:
            raise CommandError("Give the episodes folder too when --people is given.")
        if people is None:
            sibling = Path(path).parent / PurePosixPath(settings.PODCAST_PEOPLE_PATH).name
            people = str(sibling) if settings.PODCAST_PEOPLE_PATH and sibling.is_dir() else None
        return importer.kb_import(
            episodes_dir=Path(path),
            people_dir=Path(people) if people else None,
            label=path,
            people_label=people or "",
        )

    def _print(self, report: importer.ImportReport) -> None:
        self.stdout.write(
            f"Episodes: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.removed} removed."
        )
        self.stdout.write(
            f"Guests: {report.guests_created} created, {report.guests_updated} updated."
        )
        if report.failed:
            self.stdout.write(f"Failed ({len(report.failed)}):")
            for item in report.failed:
                self.stdout.write(f"  {item['path']}: {item['error']}")
