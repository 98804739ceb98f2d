import json

from django.core.management.base import BaseCommand

from dataops.jobs import job_run
from dataops.models import JobRun
from dataops.portability.backup_tasks import KIND
from dataops.portability.backups import BackupError, describe, run_backup
from dataops.portability.models import Trigger


class Command(BaseCommand):
    help = (
        "Back up now: database dump and export archive (and the offsite copy when "
        "BACKUP_S3_URL is set), then retention. Exits 1 when the backup fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print what was written as JSON")

    def handle(self, *args, **options):
        try:
            with job_run(kind=KIND, trigger=JobRun.Trigger.COMMAND):
                report = describe(run_backup(trigger=Trigger.COMMAND))
        except BackupError as exc:
            report = describe(exc.run) if exc.run else {"status": "failed", "error": str(exc)}
        self.stdout.write(json.dumps(report, indent=2) if options["json"] else _text(report))
        if report["status"] != "succeeded":
            raise SystemExit(1)


def _text(report: dict) -> str:
    if report["status"] != "succeeded":
        return f"Backup #{report.get('backup', '?')} failed: {report['error']}"
    lines = [f"Backup #{report['backup']} written to {report['folder']}"]
    for label in ("dump", "export"):
        part = report[label]
        lines.append(f"  {label:<7}{part['path']}  {part['bytes']} bytes  sha256 {part['sha256']}")
    offsite = report["offsite_url"]
    lines.append(f"  offsite {offsite} (verified)" if offsite else "  offsite not configured")
    return "\n".join(lines)
