"""The transition table of assistant jobs: every allowed move works, every other one is
refused with its exact message; the approval and attempt rules; the database's guards; the
event log's limits."""

from __future__ import annotations

import itertools

import pytest
from django.db import IntegrityError, transaction

from dataops.errors import ServiceError
from podcast.assistant import services
from podcast.assistant.models import AppendOnly, AssistantEvent, AssistantJob
from podcast.assistant.states import MOVES, JobStatus, TransitionError, check_move

pytestmark = pytest.mark.django_db
S = JobStatus
ALLOWED = {
    ("draft", "queued"),
    ("draft", "canceled"),
    ("queued", "running"),
    ("queued", "failed"),
    ("queued", "canceled"),
    ("running", "waiting_approval"),
    ("running", "succeeded"),
    ("running", "failed"),
    ("running", "canceled"),
    ("waiting_approval", "approved"),
    ("waiting_approval", "rejected"),
    ("waiting_approval", "canceled"),
    ("approved", "succeeded"),
    ("rejected", "retrying"),
    ("failed", "retrying"),
    ("retrying", "queued"),
    ("retrying", "canceled"),
}
PAIRS = list(itertools.product(S.values, S.values))


@pytest.fixture
def bare_episode(db):
    from podcast.models import Episode

    return Episode.objects.create(working_title="Data contracts")


def job_in(episode, status: str, **fields) -> AssistantJob:
    return AssistantJob.objects.create(episode=episode, status=status, **fields)


def test_the_table_is_the_issue_s_table():
    table = {(source, target) for source, targets in MOVES.items() for target in targets}
    assert table == ALLOWED
    assert MOVES[S.SUCCEEDED] == MOVES[S.CANCELED] == frozenset()


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_move_of_the_table(bare_episode, source, target):
    # approval off only so that running → succeeded can be shown allowed by the table
    job = job_in(
        bare_episode, source, approval_required=(source, target) != ("running", "succeeded")
    )
    if (source, target) in ALLOWED:
        moved = services.transition(job, target)
        job.refresh_from_db()
        assert moved.status == job.status == target
        assert job.version == 2
        assert job.events.count() == 1
    else:
        with pytest.raises(TransitionError) as refused:
            services.transition(job, target)
        assert str(refused.value) == f"Invalid transition: {source} -> {target}"
        job.refresh_from_db()
        assert (job.status, job.version, job.events.count()) == (source, 1, 0)


def test_succeeded_without_approval_is_refused_when_approval_is_required(bare_episode):
    job = job_in(bare_episode, S.RUNNING)
    with pytest.raises(TransitionError) as refused:
        services.transition(job, S.SUCCEEDED)
    assert str(refused.value).startswith("Invalid transition: running -> succeeded")
    assert "approval" in str(refused.value)
    job.refresh_from_db()
    assert job.status == S.RUNNING


@pytest.mark.parametrize("source", [S.FAILED, S.REJECTED])
def test_retrying_is_refused_at_the_attempt_limit(bare_episode, operator, source):
    job = job_in(bare_episode, source, attempts=2, max_attempts=2)
    with pytest.raises(TransitionError, match="^Retry limit reached$"):
        services.transition(job, S.RETRYING)
    with pytest.raises(ServiceError, match="^Retry limit reached$"):
        services.job_retry(job=job, by=operator)
    job.refresh_from_db()
    assert job.status == source


def test_retry_below_the_limit_queues_the_job_again(bare_episode, operator):
    job = job_in(bare_episode, S.FAILED, attempts=1)
    job = services.job_retry(job=job, by=operator)
    assert job.status == S.QUEUED
    assert job.run is not None
    kinds = list(job.events.values_list("kind", flat=True))
    assert kinds == ["retry", "queued"]


def test_check_move_alone():
    check_move("draft", "queued")
    with pytest.raises(TransitionError, match="^Invalid transition: succeeded -> queued$"):
        check_move("succeeded", "queued")


def test_the_database_refuses_an_unknown_status(bare_episode):
    with pytest.raises(IntegrityError), transaction.atomic():
        job_in(bare_episode, "exploded")


def test_a_stale_version_is_refused(bare_episode, operator):
    job = job_in(bare_episode, S.WAITING_APPROVAL)
    with pytest.raises(ServiceError, match="changed meanwhile"):
        services.job_cancel(job=job, by=operator, version=job.version + 1)
    services.job_cancel(job=job, by=operator, version=job.version)


# --- events -----------------------------------------------------------------------------------


def test_summaries_are_capped_and_redacted(bare_episode):
    job = job_in(bare_episode, S.DRAFT)
    event = services.record_event(job, "progress", summary="x" * 5000)
    assert len(event.summary) == 1000
    token = "ghp_" + "a" * 36
    event = services.record_event(job, "progress", summary=f"push failed with {token}")
    assert token not in event.summary and "[redacted]" in event.summary


def test_metadata_over_4_kb_is_refused(bare_episode):
    job = job_in(bare_episode, S.DRAFT)
    services.record_event(job, "progress", metadata={"ids": list(range(100))})
    with pytest.raises(ServiceError, match="4 KB"):
        services.record_event(job, "progress", metadata={"blob": "y" * 5000})


@pytest.mark.parametrize(
    "value",
    [
        "sk-" + "b" * 30,
        "https://bucket.s3.amazonaws.com/x?X-Amz-Signature=abcdef123",
        "api_key=hunter22",
    ],
)
def test_secret_looking_metadata_is_refused(bare_episode, value):
    job = job_in(bare_episode, S.DRAFT)
    with pytest.raises(ServiceError, match="secret"):
        services.record_event(job, "progress", metadata={"note": value})
    assert not job.events.exists()


def test_events_are_append_only(bare_episode):
    job = job_in(bare_episode, S.DRAFT)
    event = services.record_event(job, "progress", summary="one")
    event.summary = "changed"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    assert AssistantEvent.objects.get(pk=event.pk).summary == "one"


def test_a_secret_looking_rejection_reason_is_refused(bare_episode, operator):
    job = job_in(bare_episode, S.WAITING_APPROVAL)
    with pytest.raises(ServiceError, match="secret"):
        services.job_reject(job=job, by=operator, reason="use token=abcdef1234 next time")
