"""Recurring generation at the design scale: 1,000 rules (issue 5's targets).

The rules have the mix a real organisation has (daily and working-day chores, weekly ones,
fortnightly, monthly on a day, on the last day or the Nth weekday, yearly), a third of them
shifted off non-working days, all started a year ago with catch-up `all`, so the first run
creates a full year of tasks (and their history events) from empty.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import cycle

from django.contrib.auth.models import Group
from django.test import Client

from bench.harness import Result, measure, measure_once
from dataops.models import OPERATOR_GROUP, User
from tasks.models import RecurringRule, Task
from tasks.services import recurring_generate, templates_load
from tasks.services.common import local_today

TITLE = "Recurring: 1,000 rules — a year of catch-up, steady tick, rerun, live preview"
RULES = 1_000
# (RRULE, share of the rules): about 40% daily-ish, the rest weekly to yearly.
MIX = [
    ("FREQ=DAILY", 20),
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 20),
    ("FREQ=WEEKLY;BYDAY=MO", 12),
    ("FREQ=WEEKLY;BYDAY=TU,TH", 8),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", 10),
    ("FREQ=MONTHLY;BYMONTHDAY=1", 10),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", 6),
    ("FREQ=MONTHLY;BYDAY=2TU", 6),
    ("FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1", 4),
    ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15", 4),
]
PREVIEW = {
    "title": "x",
    "kind": "every_n_weeks",
    "interval": "2",
    "weekdays": ["0", "3"],
    "time_of_day": "09:00",
    "timezone": "Europe/Berlin",
    "catch_up": "latest",
    "shift": "next",
    "proof_kind": "none",
}


def _rules(today, user: User) -> None:
    kinds = cycle([rule for rule, share in MIX for _ in range(share)])
    start = today - timedelta(days=365)
    RecurringRule.objects.bulk_create(
        [
            RecurringRule(
                title=f"Chore {i}",
                rrule=next(kinds),
                start_date=start,
                catch_up="all",
                shift=("none", "next", "previous")[i % 3],
                assignee=user if i % 4 else None,
                next_run_on=start,
                tags=["bench"],
                timezone="Europe/Berlin",
            )
            for i in range(RULES)
        ]
    )


def _operator() -> User:
    user, _ = User.objects.get_or_create(username="grace", defaults={"first_name": "Grace"})
    user.groups.add(Group.objects.get_or_create(name=OPERATOR_GROUP)[0])
    return user


def run(ctx) -> list[Result]:
    templates_load()  # the three automatic templates take part as well
    grace = _operator()
    today = local_today()
    _rules(today, grace)
    reports = []
    catch_up = measure_once(
        "Catch up one year, 1,000 rules, from empty",
        lambda: reports.append(recurring_generate()),
        target_ms=60_000,
    )
    first = reports[-1]
    catch_up.note = (
        f"created {first.tasks:,} tasks + {first.workflows} workflows "
        f"({Task.objects.count():,} tasks in all), skipped {first.skipped:,}, "
        f"refused {first.refused}, failed {first.failed}"
    )
    rerun = measure_once(
        "Rerun right after (creates 0)",
        lambda: reports.append(recurring_generate()),
        target_ms=1_000,
    )
    assert reports[-1].created == 0 and reports[-1].failed == 0, reports[-1]
    rerun.note = f"looked at {reports[-1].schedules} schedules, created {reports[-1].created}"
    tick = measure("Steady-state tick, nothing due", recurring_generate, runs=30, target_ms=300)
    client = Client()
    client.force_login(grace)
    dates = cycle([today + timedelta(days=d) for d in range(60)])

    def preview() -> None:
        response = client.get(
            "/recurring/preview/",
            {**PREVIEW, "start_date": next(dates).isoformat()},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200 and b"preview-date" in response.content

    return [
        catch_up,
        rerun,
        tick,
        measure(
            "Live preview endpoint (htmx GET, 6 dates, shifted)", preview, runs=100, target_ms=20
        ),
        measure(
            "Recurring list page (50 of 1,000 rules, next 3 dates each)",
            lambda: client.get("/recurring/"),
            runs=20,
            target_ms=100,
        ),
    ]
