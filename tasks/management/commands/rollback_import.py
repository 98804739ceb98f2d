import json

from django.core.management.base import BaseCommand, CommandError

from dataops.errors import ServiceError
from dataops.models import User
from tasks.models import ImportBatch
from tasks.services.import_rollback import import_rollback


class Command(BaseCommand):
    help = "Remove the rows an import created that nobody changed since; list the kept ones."

    def add_arguments(self, parser):
        parser.add_argument("batch", type=int, help="the import batch id")
        parser.add_argument("--by", default="", help="username recorded as doing the rollback")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        batch = ImportBatch.objects.filter(pk=options["batch"]).first()
        if batch is None:
            raise CommandError(f"no import batch #{options['batch']}", returncode=1)
        by = User.objects.filter(username=options["by"]).first() if options["by"] else None
        try:
            report = import_rollback(batch=batch, by=by)
        except ServiceError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
            return
        removed = ", ".join(f"{name} {n}" for name, n in report.removed.items())
        self.stdout.write(f"Rolled back import #{report.batch}: removed {removed}.")
        if report.kept:
            self.stdout.write("Kept (changed since the import):")
            for line in report.kept:
                self.stdout.write(f"  {line}")
