from django.core.management.base import BaseCommand, CommandError

from dataops.health import OK, check_beat


class Command(BaseCommand):
    help = "Exit 0 when Celery beat wrote its heartbeat recently, 1 otherwise (for healthchecks)."

    def handle(self, *args, **options):
        result = check_beat()
        if result.status != OK:
            raise CommandError(result.detail)
        self.stdout.write(result.detail)
