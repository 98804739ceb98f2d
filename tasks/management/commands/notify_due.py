from django.core.management.base import BaseCommand

from dataops.jobs import job_run
from tasks.services import notify_due_tasks
from tasks.services.common import local_today


class Command(BaseCommand):
    help = "Send follow-up-due and overdue notifications now (beat runs this hourly)."

    def handle(self, *args, **options):
        with job_run(kind="tasks.notify-due") as run:
            run.counts = notify_due_tasks(today=local_today())
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in run.counts.items()))
