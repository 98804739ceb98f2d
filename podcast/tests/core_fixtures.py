"""Fixtures of the guest and episode tests; test modules import what they use."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

__all__ = ["make_episode", "make_guest", "podcast_template"]


@pytest.fixture
def podcast_template(db):
    """The shipped Podcast template (42 tasks, a “Guest email” slot), loaded from its YAML."""
    from tasks.models import WorkflowTemplate
    from tasks.services import templates_load
    from tasks.services.templates import SHIPPED_DIR

    templates_load(paths=[SHIPPED_DIR / "podcast.yaml"])
    return WorkflowTemplate.objects.get(slug="podcast")


@pytest.fixture
def make_guest(db, operator):
    """make_guest(name, **fields) → a guest created through the service (no duplicate check)."""
    from podcast.services.guests import guest_create

    def make(name: str = "Dana Reyes", **fields):
        return guest_create(data={"name": name, **fields}, by=operator, confirmed=True)

    return make


@pytest.fixture
def make_episode(db, operator):
    """make_episode(guests, days_ahead=30, **fields) → an episode streaming at 18:00 org time."""
    from django.utils import timezone

    from podcast.selectors import org_zone
    from podcast.services.episodes import episode_create

    def make(guests=(), days_ahead: int | None = 30, **fields):
        stream_at = None
        if days_ahead is not None:
            day = timezone.localdate() + timedelta(days=days_ahead)
            stream_at = datetime.combine(day, time(18, 0), tzinfo=org_zone())
        data = {"working_title": "Data contracts", "topic": "Data contracts", "status": "planning"}
        data.update({"stream_at": stream_at, **fields})
        return episode_create(data=data, guests=list(guests), by=operator)

    return make
