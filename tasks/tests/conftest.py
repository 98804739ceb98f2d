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
