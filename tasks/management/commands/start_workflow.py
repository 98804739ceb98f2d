import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from dataops.errors import ServiceError
from dataops.models import User
from tasks.models import WorkflowTemplate
from tasks.services import workflow_start


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--anchor: “{value}” is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Start a workflow from a template around an anchor date."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="template slug, e.g. podcast")
        parser.add_argument("--anchor", required=True, help="anchor date YYYY-MM-DD")
        parser.add_argument("--title", default="", help="default: the template's convention")
        parser.add_argument("--by", default="", help="username recorded as the starter")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        template = WorkflowTemplate.objects.filter(slug=options["slug"]).first()
        if template is None:
            raise CommandError(f"no template “{options['slug']}”; load_templates first")
        by = User.objects.filter(username=options["by"]).first() if options["by"] else None
        try:
            workflow = workflow_start(
                template=template,
                anchor_date=_iso_date(options["anchor"]),
                title=options["title"],
                by=by,
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        tasks = list(workflow.tasks.order_by("due_date", "position"))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "workflow": workflow.pk,
                        "title": workflow.title,
                        "tasks": [
                            {"ref": t.template_ref, "title": t.title, "due": t.due_date.isoformat()}
                            for t in tasks
                        ],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Started #{workflow.pk} “{workflow.title}”: {len(tasks)} tasks, "
                f"{tasks[0].due_date} → {tasks[-1].due_date}"
            )
        )
