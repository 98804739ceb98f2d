from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from dataops.demo import DemoModeOff


class Command(BaseCommand):
    help = "Load demo users and demo data (idempotent). Refused unless DEMO_MODE is on."

    def handle(self, *args, **options):
        for path in settings.DEMO_LOADERS:
            try:
                counts = import_string(path)() or {}
            except DemoModeOff as exc:
                raise CommandError(str(exc)) from exc
            summary = ", ".join(f"{key}: {value}" for key, value in counts.items()) or "done"
            self.stdout.write(f"{path.rsplit('.', 2)[-2]}: {summary}")
