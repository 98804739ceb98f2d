import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataops.errors import ServiceError
from dataops.models import User
from dataops.redact import redact
from tasks.importers.mapping import Mapping, MappingError, parse_mapping
from tasks.importers.trello import BoardError, Redactor, load_json, parse_board
from tasks.services.imports import ImportReport, trello_import

UNREADABLE = "Cannot read {path}: {error}."


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BoardError(UNREADABLE.format(path=path, error=exc.strerror or exc)) from exc


def _mapping(path: str | None) -> Mapping:
    return parse_mapping(_read(path).decode("utf-8", "replace")) if path else Mapping()


class Command(BaseCommand):
    help = "Import a Trello board's JSON export as workflows and tasks (or preview it)."

    def add_arguments(self, parser):
        parser.add_argument("board", help="the board's JSON export")
        parser.add_argument("--mapping", help="YAML: lists, targets, labels, members, done")
        parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
        parser.add_argument("--by", default="", help="username recorded as the importer")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        try:
            mapping = _mapping(options["mapping"])
            data = load_json(_read(options["board"]))
            redactor = Redactor(keep_emails=mapping.keep_emails, secrets=redact)
            board = parse_board(data, redactor)
            by = User.objects.filter(username=options["by"]).first() if options["by"] else None
            report = trello_import(board=board, mapping=mapping, by=by, dry_run=options["dry_run"])
        except (BoardError, MappingError, ServiceError) as exc:
            report = ImportReport(dry_run=options["dry_run"], errors=[str(exc)])
            self._print(report, options["json"])
            raise CommandError(str(exc), returncode=1) from exc
        self._print(report, options["json"])

    def _print(self, report: ImportReport, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
            return
        head = "Dry run: nothing written." if report.dry_run else f"Import batch: {report.batch}"
        self.stdout.write(head if report.batch or report.dry_run else "Nothing imported.")
        for title, counts in (("Created", report.created), ("Skipped", report.skipped)):
            self.stdout.write(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        self.stdout.write(f"Redacted: {report.redacted}")
        for item in report.redactions:
            self.stdout.write(f"  {item['kind']} in {item['where']}")
        if report.unmatched_members:
            self.stdout.write("Members without a user: " + ", ".join(report.unmatched_members))
        for error in report.errors:
            self.stdout.write(f"Error: {error}")
