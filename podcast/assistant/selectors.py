"""Reads of the assistant pages: the job page, its live timeline (the polling endpoint, two
queries), the admins' jobs list, the episode/task panel and the Operations Home counter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Count, Min, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from podcast.assistant.models import AssistantArtifact, AssistantEvent, AssistantJob
from podcast.assistant.states import ACTIVE, MOVES
from podcast.selectors import HomeCounter

S = AssistantJob.Status
TIMELINE_LIMIT = 200


@dataclass
class JobPage:
    job: AssistantJob
    events: list[AssistantEvent]
    artifact: AssistantArtifact | None
    revisions: int
    actions: set[str]
    html: str
    live: bool
    used: list[str]


USED_LABELS = {
    "guests": ("guest", "guests"),
    "intake_items": ("intake item", "intake items"),
    "kb_episodes": ("past episode", "past episodes"),
    "kb_questions": ("past question", "past questions"),
}


def used_inputs(references: dict) -> list[str]:
    """“1 guest”, “3 past questions”: what the last run drew on."""
    used = []
    for key, (one, many) in USED_LABELS.items():
        ids = references.get(key) or []
        if ids:
            used.append(f"{len(ids)} {one if len(ids) == 1 else many}")
    return used


def actions_for(job: AssistantJob) -> set[str]:
    """What a person may do now, read from the transition table (and the attempt limit)."""
    moves = MOVES[job.status]
    actions = set()
    if S.APPROVED in moves:
        actions |= {"approve", "edit"}
    if S.REJECTED in moves:
        actions.add("reject")
    if S.CANCELED in moves:
        actions.add("cancel")
    if S.RETRYING in moves and job.attempts < job.max_attempts:
        actions.add("retry")
    return actions


def timeline(job_id: int) -> tuple[AssistantJob, list[AssistantEvent]]:
    """The job and its events: two queries, whatever the number of events."""
    job = get_object_or_404(AssistantJob.objects.only("id", "status", "version"), pk=job_id)
    events = list(
        AssistantEvent.objects.filter(job_id=job_id)
        .select_related("actor")
        .order_by("id")[:TIMELINE_LIMIT]
    )
    return job, events


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


_ORDERED_ITEM = re.compile(r"^(\d{1,3}[.)] +)\S")
_DETAIL_LINE = re.compile(r"^ {1,3}(?=[-*+] )")


def _nest_details(text: str) -> str:
    """Indent an item's detail bullets (“   - Source: …”) to its text, so they stay inside
    item 10 and later too (CommonMark needs four spaces after “10. ”)."""
    lines, width = [], 0
    for line in text.split("\n"):
        if item := _ORDERED_ITEM.match(line):
            width = len(item.group(1))
        elif width and _DETAIL_LINE.match(line):
            line = " " * width + line.lstrip(" ")
        elif line.strip() and not line.startswith(" "):
            width = 0
        lines.append(line)
    return "\n".join(lines)


def render_markdown(text: str) -> str:
    from docs_app.render import sanitize

    return sanitize(_markdown().render(_nest_details(text)))


def job_page(*, job_id: int) -> JobPage:
    job = get_object_or_404(
        AssistantJob.objects.select_related(
            "episode", "task", "requested_by", "approved_by", "run"
        ),
        pk=job_id,
    )
    _, events = timeline(job.pk)
    revisions = list(job.artifacts.select_related("author").order_by("-revision")[:1])
    artifact = revisions[0] if revisions else None
    return JobPage(
        job=job,
        events=events,
        artifact=artifact,
        revisions=artifact.revision if artifact else 0,
        actions=actions_for(job),
        html=render_markdown(artifact.markdown) if artifact else "",
        live=job.status in ACTIVE,
        used=used_inputs(job.inputs if isinstance(job.inputs, dict) else {}),
    )


def job_list(*, status: str = "") -> QuerySet[AssistantJob]:
    jobs = AssistantJob.objects.select_related("episode", "requested_by").order_by(
        "-created_at", "-pk"
    )
    if status:
        jobs = jobs.filter(status=status)
    return jobs


def latest_job(*, episode_id: int) -> AssistantJob | None:
    return AssistantJob.objects.filter(episode_id=episode_id).order_by("-pk").first()


def home_waiting_counter(user) -> HomeCounter | None:
    """“Drafts waiting for approval” (one aggregate query): admins land on the jobs list
    filtered by that state, others on the oldest waiting job."""
    found = AssistantJob.objects.filter(status=S.WAITING_APPROVAL).aggregate(
        count=Count("pk"), oldest=Min("pk")
    )
    if user.is_admin:
        url = reverse("podcast:assistant-jobs") + "?status=" + S.WAITING_APPROVAL
    elif found["oldest"]:
        url = reverse("podcast:assistant-job", args=[found["oldest"]])
    else:
        url = reverse("podcast:episode-list")
    return HomeCounter("Drafts waiting for approval", found["count"], url)
