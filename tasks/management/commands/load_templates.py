from django.core.management.base import BaseCommand, CommandError

from dataops.errors import ServiceError
from tasks.services import templates_load


class Command(BaseCommand):
    help = (
        "Load workflow templates from YAML files or folders (default: the shipped ones), "
        "idempotently by slug: changed content bumps the version, unchanged is a no-op. "
        "Any invalid file refuses the whole run."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="YAML files or folders of them")

    def handle(self, *args, **options):
        try:
            report = templates_load(paths=options["paths"])
        except ServiceError as exc:
            raise CommandError(f"No templates loaded.\n{exc}") from exc
        for result in report.results:
            style = self.style.SUCCESS if result.outcome != "unchanged" else str
            self.stdout.write(style(f"{result.outcome:<9} {result.slug} (v{result.version})"))
        for username, slugs in report.missing_people.items():
            self.stdout.write(
                self.style.WARNING(
                    f"warning: user “{username}” does not exist yet (named in {', '.join(slugs)}); "
                    "until the account exists their tasks start unassigned"
                )
            )
        self.stdout.write(
            ", ".join(f"{report.count(o)} {o}" for o in ("created", "updated", "unchanged"))
        )
