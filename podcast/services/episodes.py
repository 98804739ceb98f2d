"""Episodes: create, edit, start their Podcast workflow once, re-date that workflow.

The workflow is started and re-dated through the tasks app's services (which write its
tasks and history); an episode only points at it. Each function is keyword-only and runs in
one transaction; starting locks the episode's row, so two clicks (or two people) at once
start one workflow.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction

from dataops.errors import ServiceError
from dataops.models import User
from dataops.services import audit_record
from podcast import messages
from podcast.models import Episode, Guest
from podcast.selectors import stream_date
from tasks.models import Workflow, WorkflowTemplate
from tasks.services.workflows import TaskShift, workflow_shift_open_tasks, workflow_start

EDITABLE_FIELDS = ("working_title", "topic", "stream_at", "status", "season", "number", "owner")
GUEST_EMAIL_SLOT = "Guest email"


def _check_numbers(values: dict[str, Any]) -> None:
    numbered = values.get("season") is not None or values.get("number") is not None
    if numbered and values.get("status") != Episode.Status.PUBLISHED:
        raise ServiceError(messages.EPISODE_NUMBERS_WHEN_PUBLISHED, field="season")


@transaction.atomic
def episode_create(
    *, data: dict[str, Any], guests: list[Guest], by: User | None, notes: str = ""
) -> Episode:
    values = {name: data.get(name) for name in EDITABLE_FIELDS if name in data}
    _check_numbers(values)
    episode = Episode.objects.create(created_by=by, notes=notes.strip(), **values)
    episode.guests.set(guests)
    return episode


@transaction.atomic
def episode_update(
    *, episode: Episode, data: dict[str, Any], guests: list[Guest], by: User | None
) -> bool:
    """Save the edit. Returns True when the stream moved to another day while an active
    workflow runs: the page then offers to re-date the workflow's open tasks (nothing moves
    here)."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    values = {name: data.get(name) for name in EDITABLE_FIELDS if name in data}
    _check_numbers(values)
    day_before = stream_date(episode)
    for name, value in values.items():
        setattr(episode, name, value)
    if "notes" in data:
        episode.notes = (data["notes"] or "").strip()
    episode.save()
    episode.guests.set(guests)
    day_after = stream_date(episode)
    if not (episode.workflow_id and day_after) or day_after == day_before:
        return False
    return not episode.workflow.is_archived and day_after != episode.workflow.anchor_date


def podcast_template() -> WorkflowTemplate:
    template = WorkflowTemplate.objects.filter(slug=settings.PODCAST_TEMPLATE_SLUG).first()
    if template is None:
        raise ServiceError(messages.PODCAST_TEMPLATE_MISSING)
    return template


def guest_email_url(email: str) -> str:
    """The “Guest email” slot holds a link: the mailbox search for the guest's address."""
    return settings.PODCAST_GUEST_EMAIL_URL.format(email=quote(email, safe="@")) if email else ""


def _slot_urls(template: WorkflowTemplate, guests: list[Guest]) -> dict[str, str]:
    email = next((g.email for g in guests if g.email), "")
    has_slot = template.link_slots.filter(name=GUEST_EMAIL_SLOT).exists()
    return {GUEST_EMAIL_SLOT: guest_email_url(email)} if email and has_slot else {}


@transaction.atomic
def episode_start_workflow(*, episode: Episode, by: User | None) -> Workflow:
    """Start the Podcast workflow of `episode`: anchor = the stream's day (organisation
    zone), title from the template's convention with the topic and guests, the “Guest email”
    slot filled from the first guest with an email, linked back (`episode.workflow`).

    Refused (code "has_workflow") when the episode has one: the episode row is locked
    first, so of two starts at once the second waits and then sees the first's workflow."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if episode.workflow_id:
        raise ServiceError(messages.EPISODE_HAS_WORKFLOW, code="has_workflow")
    anchor = stream_date(episode)
    if anchor is None:
        raise ServiceError(messages.EPISODE_NEEDS_STREAM_DATE, field="stream_at")
    template = podcast_template()
    guests = list(episode.guests.order_by("name", "pk"))
    workflow = workflow_start(
        template=template,
        anchor_date=anchor,
        by=by,
        title_values={
            "topic": episode.topic or episode.working_title,
            "guest": ", ".join(g.name for g in guests),
        },
        slot_urls=_slot_urls(template, guests),
    )
    episode.workflow = workflow
    episode.save(update_fields=["workflow", "updated_at"])
    audit_record(
        actor=by,
        action="podcast.episode.workflow_start",
        target=episode,
        changes={"workflow": workflow.pk, "anchor_date": anchor.isoformat()},
    )
    return workflow


@transaction.atomic
def episode_redate_workflow(*, episode: Episode, by: User | None) -> list[TaskShift]:
    """Move the episode's workflow to the episode's stream day: its open tasks shift by the
    same number of days, completed ones keep their dates (see `workflow_shift_open_tasks`)."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if not episode.workflow_id:
        raise ServiceError(messages.NO_WORKFLOW)
    anchor = stream_date(episode)
    if anchor is None:
        raise ServiceError(messages.EPISODE_NEEDS_STREAM_DATE, field="stream_at")
    if anchor == episode.workflow.anchor_date:
        raise ServiceError(messages.REDATE_NOTHING)
    return workflow_shift_open_tasks(workflow=episode.workflow, new_anchor=anchor, by=by)
