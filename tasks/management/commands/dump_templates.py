from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tasks.models import WorkflowTemplate
from tasks.services import template_spec
from tasks.template_spec import dump_text


class Command(BaseCommand):
    help = "Write workflow templates out as YAML (the format load_templates reads)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="templates to dump (default: all)")
        parser.add_argument(
            "--out", help="folder to write SLUG.yaml files into (default: print to stdout)"
        )

    def handle(self, *args, **options):
        templates = WorkflowTemplate.objects.order_by("slug")
        if options["slugs"]:
            templates = templates.filter(slug__in=options["slugs"])
            unknown = set(options["slugs"]) - set(templates.values_list("slug", flat=True))
            if unknown:
                raise CommandError(f"unknown template(s): {', '.join(sorted(unknown))}")
        out = Path(options["out"]) if options["out"] else None
        if out:
            out.mkdir(parents=True, exist_ok=True)
        for index, template in enumerate(templates):
            text = dump_text(template_spec(template))
            if out:
                (out / f"{template.slug}.yaml").write_text(text, encoding="utf-8")
                self.stdout.write(f"wrote {out / f'{template.slug}.yaml'}")
            else:
                self.stdout.write(("---\n" if index else "") + text)
