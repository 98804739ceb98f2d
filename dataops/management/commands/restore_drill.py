import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataops.jobs import job_run
from dataops.portability.backups import latest_offsite_url
from dataops.portability.drill import DrillError, default_path, run_drill
from dataops.portability.models import Outcome, Trigger
from dataops.portability.offsite import OffsiteError, fetch_offsite


class Command(BaseCommand):
    help = (
        "Restore an export (default: the latest one) into a scratch database, export it "
        "again and compare every file's sha256; records the drill. Exit 1 when it fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive", nargs="?", type=Path, help="the .tar.gz to drill (default: latest export)"
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--from-offsite",
            nargs="?",
            const="latest",
            metavar="S3_URL",
            help="drill the export downloaded from the offsite copy: a backup's s3:// folder "
            "or archive (default: the latest verified offsite backup)",
        )

    def handle(self, *args, **options):
        if options["from_offsite"] and options["archive"]:
            raise CommandError("Give an archive or --from-offsite, not both.")
        try:
            path, source = _archive(options)
        except (DrillError, OffsiteError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            drill = self._drill(path, source)
        finally:
            if options["from_offsite"]:
                path.unlink(missing_ok=True)
        self.stdout.write(
            json.dumps(as_dict(drill), indent=2) if options["json"] else render(drill)
        )
        if drill.status != Outcome.SUCCEEDED:
            raise SystemExit(1)

    def _drill(self, path: Path, source: str):
        drill = None
        try:
            with job_run(kind="portability.restore-drill") as run:
                drill = run_drill(path, source=source, trigger=Trigger.COMMAND, job_run=run)
                run.counts = {
                    "rows": sum(drill.counts.values()),
                    "mismatches": len(drill.mismatches),
                }
                if drill.status != Outcome.SUCCEEDED:
                    # The ledger run fails too, so the admins are told.
                    raise DrillFailed(drill.error)
        except DrillFailed:
            pass
        return drill


def _archive(options) -> tuple[Path, str]:
    """The archive to drill and what the drill records as its source."""
    if not options["from_offsite"]:
        path = options["archive"] or default_path()
        return path, str(path)
    url = options["from_offsite"]
    if url == "latest":
        url = latest_offsite_url()
    return fetch_offsite(url), url


class DrillFailed(Exception):
    pass


def as_dict(drill) -> dict:
    return {
        "drill": drill.pk,
        "status": drill.status,
        "source": drill.source,
        "archive_sha256": drill.archive_sha256,
        "database_vendor": drill.database_vendor,
        "counts": drill.counts,
        "mismatches": drill.mismatches,
        "duration_seconds": drill.duration_seconds,
        "error": drill.error,
    }


def render(drill) -> str:
    lines = [
        f"Restore drill #{drill.pk} of {drill.source}",
        f"  archive sha256 {drill.archive_sha256 or '-'}, scratch {drill.database_vendor} database",
    ]
    lines += [f"  {name}: {rows} rows restored" for name, rows in drill.counts.items()]
    for m in drill.mismatches:
        lines.append(
            f"MISMATCH {m['name']}: rows {m['archive_rows']} → {m['restored_rows']}, "
            f"sha256 {m['archive_sha256'][:12] or '-'} → {m['restored_sha256'][:12] or '-'}"
        )
    if drill.status == Outcome.SUCCEEDED:
        lines.append(
            f"OK: every file restored identical ({sum(drill.counts.values())} rows) "
            f"in {drill.duration_seconds:.1f} s."
        )
    else:
        lines.append(f"FAILED: {drill.error}")
    return "\n".join(lines)
