"""Fixtures of the work engine's tests: shipped templates, workflows, tasks."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tasks.services.templates import SHIPPED_DIR

PODCAST_YAML = SHIPPED_DIR / "podcast.yaml"


@pytest.fixture
def today():
    from tasks.services.common import local_today

    return local_today()


@pytest.fixture
def load_podcast(db):
    """The shipped Podcast template, loaded from its YAML file."""
    from tasks.models import WorkflowTemplate
    from tasks.services import templates_load

    templates_load(paths=[PODCAST_YAML])
    return WorkflowTemplate.objects.get(slug="podcast")


@pytest.fixture
def start_podcast(load_podcast, operator):
    """start_podcast(anchor) → a Podcast workflow started by the operator."""
    from tasks.services import workflow_start

    def start(anchor: date, **kwargs):
        return workflow_start(template=load_podcast, anchor_date=anchor, by=operator, **kwargs)

    return start


@pytest.fixture
def make_task(db, operator):
    """make_task(title=…, due=…, **fields) → a standalone to-do task (through the service)."""
    from tasks.services import task_create
    from tasks.services.common import local_today

    def make(title: str = "Call the venue", due: date | None = None, **fields):
        task = task_create(
            title=title,
            due_date=due or local_today(),
            by=operator,
            assignee=fields.pop("assignee", operator),
        )
        if fields:
            for name, value in fields.items():
                setattr(task, name, value)
            task.save()
        return task

    return make


def ref(workflow, template_ref: str):
    return workflow.tasks.get(template_ref=template_ref)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- recurring ----------------------------------------------------------------------------------

BERLIN = "Europe/Berlin"


def at(day: date, hour: int = 10, minute: int = 0, tz: str = BERLIN):
    """An aware instant: `day` at hour:minute in `tz` (Berlin by default)."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), ZoneInfo(tz))


@pytest.fixture
def make_rule(db):
    """make_rule(rrule, start, **RuleInput fields) → a rule saved through the service."""
    from tasks.services import RuleInput, recurring_rule_create

    def make(
        rrule: str = "FREQ=DAILY",
        start: date | None = None,
        title: str = "Chore",
        by=None,
        **fields,
    ):
        from tasks.services.common import local_today

        data = RuleInput(title=title, rrule=rrule, start_date=start or local_today(), **fields)
        return recurring_rule_create(data=data, by=by)

    return make


def tick(**kwargs):
    """One generator run (what beat's tick does)."""
    from tasks.services import recurring_generate

    return recurring_generate(**kwargs)


def occurrences(rule) -> list[date]:
    return list(rule.tasks.order_by("occurrence_date").values_list("occurrence_date", flat=True))


def due_dates(rule) -> dict[date, date]:
    return dict(rule.tasks.values_list("occurrence_date", "due_date"))


def concurrent_posts(user, url: str, data: dict | None = None, *, count: int) -> list:
    """POST `data` to `url` from `count` threads at once, each with its own client and
    database connection, all released together; returns the responses (any exception a
    thread met is raised here)."""
    import threading

    from django.db import connection
    from django.test import Client

    barrier, responses, errors = threading.Barrier(count), [], []

    def post() -> None:
        try:
            client = Client()
            client.force_login(user)
            barrier.wait(timeout=60)
            responses.append(client.post(url, data or {}))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return responses
