"""`python manage.py recurring list|add|pause|resume|preview|generate|load` for scripting.

Refusals print the same sentences the pages show, on stderr, and exit with status 1;
usage mistakes exit with status 2 (argparse).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dataops.errors import ServiceError
from dataops.jobs import job_run
from dataops.models import JobRun, User
from tasks import services
from tasks.models import CatchUp, RecurringRule, Shift
from tasks.schedules import ScheduleError, WorkingCalendar, cron_to_rrule, next_dates, parse_rrule
from tasks.schedules.validate import check_start, check_time, check_tz
from tasks.services.recurring import working_calendar
from tasks.services.schedules import zone_today
from tasks.template_spec import schedule_rule

OPTION_OF_FIELD = {
    "rrule": "--rrule",
    "start_date": "--start",
    "timezone": "--tz",
    "time_of_day": "--time",
    "catch_up": "--catch-up",
    "shift": "--shift",
    "title": "--title",
    "assignee": "--assignee",
    "proof_label": "--proof-label",
}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"“{value}” is not a date (YYYY-MM-DD)") from exc


def _words(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


class Command(BaseCommand):
    help = "Recurring rules: list, add, pause, resume, preview, generate, load."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = sub.add_parser("list", help="every rule: schedule, next dates, state")
        listing.add_argument("--json", action="store_true")

        add = sub.add_parser("add", help="create a rule (validated like the form)")
        add.add_argument("--title", required=True)
        schedule = add.add_mutually_exclusive_group(required=True)
        schedule.add_argument("--rrule", help="e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=MO")
        schedule.add_argument("--cron", help="the previous tool's cron, e.g. '0 9 * * 2'")
        add.add_argument("--start", help="first day, YYYY-MM-DD (default: today)")
        add.add_argument("--tz", default="", help=f"IANA zone (default {settings.TIME_ZONE})")
        add.add_argument("--time", default="", help="HH:MM (default 09:00; a cron has its own)")
        add.add_argument("--catch-up", default=CatchUp.LATEST, choices=CatchUp.values)
        add.add_argument("--shift", default=Shift.NONE, choices=Shift.values)
        add.add_argument("--assignee", default="", help="username")
        add.add_argument("--description", default="")
        add.add_argument("--doc", default="", help="instruction doc id")
        add.add_argument("--step", default="", help="step id in the doc")
        add.add_argument("--systems", default="", help="comma-separated")
        add.add_argument("--tags", default="", help="comma-separated")
        add.add_argument("--paused", action="store_true", help="create it paused")

        for name in ("pause", "resume"):
            action = sub.add_parser(name, help=f"{name} a rule")
            action.add_argument("rule", help="rule id or seed key")

        preview = sub.add_parser("preview", help="print the next dates of an RRULE (or cron)")
        preview.add_argument("rule", metavar="RRULE", help="an RRULE, or a 5-field cron")
        preview.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        preview.add_argument("--tz", default=settings.TIME_ZONE)
        preview.add_argument("--time", default="", help="HH:MM (default 09:00)")
        preview.add_argument("--count", type=int, default=6, help="how many dates (default 6)")

        generate = sub.add_parser("generate", help="settle every due schedule now")
        generate.add_argument("--through", help="also generate ahead up to this date")
        generate.add_argument("--json", action="store_true")

        load = sub.add_parser("load", help="load the recurring chores seed file")
        load.add_argument("path", nargs="?", help="default: tasks/seed/recurring.yaml")

    def handle(self, *args, **options) -> None:
        getattr(self, f"do_{options['action']}")(options)

    # --- actions ---------------------------------------------------------------------------

    def do_list(self, options: dict) -> None:
        rules = list(RecurringRule.objects.select_related("assignee").order_by("pk"))
        calendar = working_calendar()
        rows = [
            {
                "id": rule.pk,
                "title": rule.title,
                "enabled": rule.enabled,
                "rrule": rule.rrule,
                "schedule": rule.sentence,
                "assignee": rule.assignee.username if rule.assignee else "",
                "generated_through": _iso(rule.generated_through),
                "next": _next_due(rule, calendar),
            }
            for rule in rules
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            state = "on    " if row["enabled"] else "paused"
            self.stdout.write(
                f"#{row['id']:<5} {state} {row['title']} — {row['schedule']}; "
                f"next: {', '.join(row['next']) or '—'}"
            )
        self.stdout.write(f"{len(rows)} rule{'' if len(rows) == 1 else 's'}")

    def do_add(self, options: dict) -> None:
        rrule, at = self._schedule(options)
        try:
            zone = check_tz(options["tz"] or settings.TIME_ZONE)
        except ScheduleError as exc:
            raise CommandError(f"--tz: {exc}") from exc
        start = options["start"] or zone_today(zone).isoformat()
        data = services.RuleInput(
            title=options["title"],
            rrule=rrule,
            start_date=start,
            time_of_day=at,
            timezone=options["tz"],
            catch_up=options["catch_up"],
            shift=options["shift"],
            description=options["description"],
            assignee=self._person(options["assignee"]),
            instruction_doc=options["doc"],
            instruction_step=options["step"],
            systems=_words(options["systems"]),
            tags=_words(options["tags"]),
        )
        try:
            rule = services.recurring_rule_create(data=data, by=None, enabled=not options["paused"])
        except ServiceError as exc:
            option = OPTION_OF_FIELD.get(exc.field or "", "")
            raise CommandError(f"{option}: {exc}" if option else str(exc)) from exc
        upcoming = ", ".join(_next_due(rule, working_calendar()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Added #{rule.pk} “{rule.title}”: {rule.sentence}. Next: {upcoming or '—'}"
            )
        )

    def _schedule(self, options: dict) -> tuple[str, object]:
        try:
            if options["cron"] is not None:
                if options["time"]:
                    raise CommandError("--time: a cron carries its own time of day")
                return cron_to_rrule(options["cron"])
            return options["rrule"], check_time(options["time"] or "09:00")
        except ScheduleError as exc:
            option = "--cron" if options["cron"] is not None else "--time"
            raise CommandError(f"{option}: {exc}") from exc

    def _person(self, username: str) -> User | None:
        if not username:
            return None
        person = User.objects.filter(username=username, is_active=True).first()
        if person is None:
            raise CommandError(f"--assignee: there is no active user “{username}”")
        return person

    def do_pause(self, options: dict) -> None:
        rule = self._rule(options["rule"])
        self._run(lambda: services.schedule_pause(schedule=rule, by=None))
        self.stdout.write(f"Paused #{rule.pk} “{rule.title}”.")

    def do_resume(self, options: dict) -> None:
        rule = self._rule(options["rule"])
        resumed = self._run(lambda: services.schedule_resume(schedule=rule, by=None))
        self.stdout.write(resumed.message)

    def _rule(self, ref: str) -> RecurringRule:
        rules = RecurringRule.objects
        rule = (
            rules.filter(pk=int(ref)).first()
            if ref.isdigit()
            else rules.filter(seed_key=ref).first()
        )
        if rule is None:
            raise CommandError(f"no recurring rule “{ref}” (use its id or seed key)")
        return rule

    @staticmethod
    def _run(action):
        try:
            return action()
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc

    def do_preview(self, options: dict) -> None:
        """Dates only, one per line, from the start date on (the start itself included)."""
        text = options["rule"]
        try:
            if "FREQ" in text.upper():
                at = check_time(options["time"] or "09:00")
            else:
                text, at = schedule_rule(text, options["time"])
            start = check_start(options["start"])
            rule = parse_rrule(text, start=start, time=at, tz=options["tz"], today=None)
        except ScheduleError as exc:
            raise CommandError(str(exc)) from exc
        if not 1 <= options["count"] <= 366:
            raise CommandError("--count: use a number from 1 to 366")
        for day in next_dates(rule, after=start - timedelta(days=1), n=options["count"]):
            self.stdout.write(day.isoformat())

    def do_generate(self, options: dict) -> None:
        through = _date(options["through"]) if options["through"] else None
        with job_run(kind="recurring.generate", trigger=JobRun.Trigger.COMMAND) as run:
            report = services.recurring_generate(through=through)
            run.counts = report.counts() if report.ran else {}
            run.note = report.note
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ran": report.ran,
                        "counts": report.counts() if report.ran else {},
                        "note": report.note,
                        "run": run.pk,
                        "problems": [
                            {"schedule": str(s), "error": text} for s, text in report.problems
                        ],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        elif not report.ran:
            self.stdout.write(report.note)
        else:
            counts = report.counts()
            self.stdout.write(
                ", ".join(
                    f"{counts[k]} {k}"
                    for k in ("created", "skipped", "recovered", "failed", "refused")
                )
                + f" ({counts['tasks']} tasks, {counts['workflows']} workflows)"
            )
            for schedule, text in report.problems:
                self.stderr.write(f"{schedule}: {text}")
        if report.failed or report.refused:
            raise CommandError(
                f"{report.failed + report.refused} schedule(s) could not "
                "generate; see above and the job run."
            )

    def do_load(self, options: dict) -> None:
        try:
            report = services.recurring_seed_load(path=options["path"])
        except ServiceError as exc:
            raise CommandError(f"No recurring rules loaded.\n{exc}") from exc
        for key in report.created:
            self.stdout.write(self.style.SUCCESS(f"created   {key}"))
        for key in report.assigned:
            self.stdout.write(f"assigned  {key}")
        for name in sorted(report.missing_people):
            self.stdout.write(
                self.style.WARNING(
                    f"warning: user “{name}” does not exist yet; those rules stay unassigned "
                    "until it does (load again then)"
                )
            )
        self.stdout.write(
            f"{len(report.created)} created, {len(report.assigned)} assigned, "
            f"{len(report.unchanged)} unchanged"
        )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _next_due(rule: RecurringRule, calendar: WorkingCalendar) -> list[str]:
    """The due dates of the rule's next three tasks (after the non-working-day shift)."""
    return [p.due_date.isoformat() for p in rule.upcoming_due(rule.local_today(), 3, calendar)]
