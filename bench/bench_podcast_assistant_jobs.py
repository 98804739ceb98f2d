"""Prep-document assistant jobs: the job page while a draft runs (issue 13's target:
p95 ≤ 50 ms) and the timeline polling (≤ 3 SQL queries), on a portal with two years of
drafts (2,000 jobs, 20,000 events, 2,000 artifacts).

The running job has a timeline like a real run's; a waiting job shows its rendered
document. Rows are written with `bulk_create`.
"""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.harness import Result, measure
from dataops.models import OPERATOR_GROUP, User
from podcast.assistant.models import AssistantArtifact, AssistantEvent, AssistantJob
from podcast.models import Episode

TITLE = "Prep-document assistant: job page and timeline polling"
JOBS, EPISODES = 2_000, 300
TARGET_MS = 50
POLL_QUERY_LIMIT = 3
S = AssistantJob.Status
E = AssistantEvent.Kind
SETTLED = [S.SUCCEEDED] * 6 + [S.CANCELED, S.FAILED, S.REJECTED, S.WAITING_APPROVAL]
RUN_EVENTS = [E.CREATED, E.QUEUED, E.STARTED, E.PROGRESS, E.ARTIFACT, E.APPROVAL_REQUESTED]


def _operator() -> User:
    user, _ = User.objects.get_or_create(username="grace", defaults={"first_name": "Grace"})
    user.groups.add(Group.objects.get(name=OPERATOR_GROUP))
    return user


def _document(n: int) -> str:
    questions = "\n".join(
        f"{q}. Question {q} for episode {n}: how did the migration go?\n"
        f"   - Arc: Concrete story\n   - Source: guest form: Stories (intake #{n})"
        for q in range(1, 13)
    )
    return (
        f"# Prep document: Episode {n}\n\n## Context\n\n- **Topic:** data\n\n"
        f"## Guest background\n\nA guest.\n\n## Proposed angle\n\nAn angle.\n\n"
        f"## Questions\n\n{questions}\n\n## Live follow-up prompts\n\n"
        + "\n".join(f"- Follow-up {k}" for k in range(6))
        + "\n\n## Notes for the host\n\n- Note\n\n## Open TODOs\n\n_None._\n"
    )


def _generate(user: User) -> tuple[AssistantJob, AssistantJob]:
    rng, now = random.Random(13), timezone.now()
    episodes = Episode.objects.bulk_create(
        Episode(working_title=f"Episode {n}: data work", topic="data") for n in range(EPISODES)
    )
    jobs = AssistantJob.objects.bulk_create(
        AssistantJob(
            episode=rng.choice(episodes),
            requested_by=user,
            status=rng.choice(SETTLED),
            attempts=1,
            created_at=now - timedelta(hours=(JOBS - n) * 8),
            inputs={"guests": [1], "intake_items": [n], "kb_questions": [1, 2, 3]},
        )
        for n in range(JOBS)
    )
    AssistantEvent.objects.bulk_create(
        AssistantEvent(job=job, kind=kind, actor=None, summary=f"{kind} of job {job.pk}")
        for job in jobs
        for kind in [*RUN_EVENTS, E.APPROVED, E.SUCCEEDED, E.EDITED, E.PROGRESS][:10]
    )
    AssistantArtifact.objects.bulk_create(
        AssistantArtifact(
            job=job,
            revision=1,
            markdown=(text := _document(job.pk)),
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            size=len(text.encode()),
            drafter="offline",
            drafter_version="1",
        )
        for job in jobs
    )
    running = AssistantJob.objects.create(
        episode=episodes[0], requested_by=user, status=S.RUNNING, attempts=1
    )
    AssistantEvent.objects.bulk_create(
        AssistantEvent(job=running, kind=kind, summary=f"{kind}") for kind in RUN_EVENTS[:4]
    )
    waiting = next(job for job in jobs if job.status == S.WAITING_APPROVAL)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return running, waiting


def _fetch(client: Client, url: str, **headers):
    def fetch():
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)

    return fetch


def _queries(client: Client, url: str, **headers) -> int:
    client.get(url, **headers)  # fills the cached role lists; the steady state is what counts
    with CaptureQueriesContext(connection) as captured:
        client.get(url, **headers)
    return len(captured)


def run(ctx) -> list[Result]:
    user = _operator()
    client = Client()
    client.force_login(user)
    running, waiting = _generate(user)
    poll = f"/podcast/assistant/jobs/{running.pk}/timeline/?status=running"
    htmx = {"HTTP_HX_REQUEST": "true"}
    cases = [
        ("job page while running", running.get_absolute_url(), {}),
        ("timeline polling while running", poll, htmx),
        ("job page waiting for approval (rendered document)", waiting.get_absolute_url(), {}),
    ]
    results = []
    for name, url, headers in cases:
        result = measure(
            f"{name} ({JOBS:,} jobs)", _fetch(client, url, **headers), target_ms=TARGET_MS
        )
        result.queries = _queries(client, url, **headers)
        results.append(result)
    polling = results[1].queries
    results[1].note = f"polling queries {polling} (limit {POLL_QUERY_LIMIT})"
    print(f"timeline polling: {polling} SQL queries per poll (limit {POLL_QUERY_LIMIT})")
    if polling > POLL_QUERY_LIMIT:
        raise SystemExit(f"timeline polling costs {polling} queries (limit {POLL_QUERY_LIMIT})")
    return results
