from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from dataops.portability.export import export_data, record_export
from dataops.portability.models import Trigger


class Command(BaseCommand):
    help = (
        "Write every exported entity (and with --include-files the proof files) to one "
        ".tar.gz and list it on the Export page."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", type=Path, default=None, help="folder for the archive (default: var/exports)"
        )
        parser.add_argument("--include-files", action="store_true", help="add proof files")
        parser.add_argument(
            "--with-credentials",
            action="store_true",
            help="keep password hashes and invite secrets",
        )

    def handle(self, *args, **options):
        out = options["out"] or settings.VAR_DIR / "exports"
        result = export_data(
            out_dir=out,
            include_files=options["include_files"],
            with_credentials=options["with_credentials"],
        )
        # Only the export record (not itself exported): a job run or audit event written
        # here would be data of the next export, and two exports of unchanged data must
        # stay byte-identical. The Export page's job has its run and audit event.
        record_export(result, trigger=Trigger.COMMAND)
        rows = sum(entity["rows"] for entity in result.manifest["entities"])
        self.stdout.write(
            f"{result.path}: {len(result.manifest['entities'])} entities, {rows} rows, "
            f"sha256 {result.manifest['total_sha256']}"
        )
