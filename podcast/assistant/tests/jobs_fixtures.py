"""Fixtures of the assistant job tests: an episode with its Podcast workflow and a filled
guest form attached; test modules star-import them."""

from __future__ import annotations

import pytest

from podcast.assistant.tests.drafting import AVOID, FULL_FORM
from podcast.tests.core_fixtures import podcast_template

__all__ = ["AVOID_TOPICS", "GUEST_FORM", "job_for", "podcast_template", "prep_episode"]

AVOID_TOPICS = AVOID
GUEST_FORM = FULL_FORM


@pytest.fixture
def prep_episode(db, operator, podcast_template):
    """An episode 30 days ahead with a guest, its Podcast workflow started and the guest's
    filled guest form attached."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from podcast.intake.services import intake_attach, intake_create
    from podcast.selectors import org_zone
    from podcast.services.episodes import episode_create, episode_start_workflow
    from podcast.services.guests import guest_create

    guest = guest_create(
        data={"name": "Dana Reyes", "role": "ML Platform Lead", "company": "Acme Logistics"},
        by=operator,
        confirmed=True,
    )
    day = timezone.localdate() + timedelta(days=30)
    episode = episode_create(
        data={
            "working_title": "Do you need a feature store?",
            "topic": "MLOps",
            "status": "planning",
            "stream_at": datetime.combine(day, time(18, 0), tzinfo=org_zone()),
        },
        guests=[guest],
        by=operator,
    )
    episode_start_workflow(episode=episode, by=operator)
    item, _ = intake_create(
        source="form", text="Guest form", by=operator, fields=dict(GUEST_FORM), guest=guest
    )
    intake_attach(item=item, by=operator, episode=episode)
    episode.refresh_from_db()
    return episode


def job_for(episode, by, **fields):
    """A job created without sending its run (tests move it by hand), then `fields` set."""
    from podcast.assistant.models import AssistantJob
    from podcast.assistant.services import job_create

    job = job_create(episode=episode, by=by, send=False)
    if fields:
        AssistantJob.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job
