"""podcast_draft EPISODE_ID [--json]: draft the episode's prep document now.

Creates an assistant job for the episode and runs it synchronously through the same runner
task the worker runs (recorded in the job-run ledger), then prints the job id, its final
state and the document (with --json: the job, its state, the questions with their sources,
the follow-ups and the TODOs).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from dataops.errors import ServiceError
from podcast.assistant import services
from podcast.assistant.models import AssistantJob
from podcast.models import Episode


class Command(BaseCommand):
    help = "Draft an episode's prep document synchronously and print it."

    def add_arguments(self, parser):
        parser.add_argument("episode_id", type=int)
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")

    def handle(self, *args, **options):
        from podcast.assistant.drafters import parse_markdown
        from podcast.assistant.tasks import run_assistant_job

        episode = Episode.objects.filter(pk=options["episode_id"]).first()
        if episode is None:
            raise CommandError(f"No episode with id {options['episode_id']}.")
        try:
            job = services.job_create(episode=episode, by=None, send=False)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        run_assistant_job.apply(args=[job.pk], task_id=job.run.task_id)
        job = AssistantJob.objects.get(pk=job.pk)
        artifact = services.current_artifact(job)
        if options["json"]:
            draft = parse_markdown(artifact.markdown) if artifact else None
            self.stdout.write(
                json.dumps(
                    {
                        "job": job.pk,
                        "status": job.status,
                        "questions": [{"text": q.text, "source": q.source} for q in draft.questions]
                        if draft
                        else [],
                        "followups": list(draft.followups) if draft else [],
                        "todos": list(draft.todos) if draft else [],
                        **({"error": job.error_summary} if job.error_code else {}),
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        else:
            self.stdout.write(f"Job #{job.pk}: {job.status}")
            if job.error_code:
                self.stdout.write(f"Error ({job.error_code}): {job.error_summary}")
            if artifact:
                self.stdout.write("")
                self.stdout.write(artifact.markdown)
        if job.status == AssistantJob.Status.FAILED:
            raise CommandError(f"The draft failed ({job.error_code}): {job.error_summary}")
