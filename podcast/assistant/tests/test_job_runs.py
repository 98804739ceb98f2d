"""Runs of assistant jobs: the runner through the job ledger, drafter failures, the reaper,
approval into the task's proof, rejection with guidance, double clicks, stale edits, races
and the podcast_draft command."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dataops.errors import ServiceError
from dataops.models import JobRun, Notification
from podcast.assistant import services
from podcast.assistant.drafters import DraftError, parse_markdown
from podcast.assistant.models import AssistantJob
from podcast.assistant.states import TransitionError
from podcast.assistant.tasks import reap_lost_jobs, run_assistant_job
from podcast.assistant.tests.jobs_fixtures import *  # noqa: F403
from podcast.assistant.tests.jobs_fixtures import AVOID_TOPICS, job_for

pytestmark = pytest.mark.django_db
S = AssistantJob.Status
URL = "http://localhost/podcast/assistant/jobs/1/"


def run(job: AssistantJob) -> AssistantJob:
    run_assistant_job.apply(args=[job.pk], task_id=job.run.task_id)
    return AssistantJob.objects.select_related("run", "task").get(pk=job.pk)


def prep_task(episode):
    return episode.workflow.tasks.get(template_ref="create-podcast-document")


@pytest.fixture
def waiting(prep_episode, operator):
    return run(job_for(prep_episode, operator))


def test_a_run_drafts_the_document_and_waits_for_approval(
    prep_episode, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = run(job_for(prep_episode, operator))
    assert job.status == S.WAITING_APPROVAL and job.attempts == 1
    assert job.run.status == JobRun.Status.SUCCEEDED and job.run.kind == "podcast.assistant_draft"
    artifact = services.current_artifact(job)
    assert artifact.revision == 1 and artifact.author is None
    assert artifact.size == len(artifact.markdown.encode()) and len(artifact.sha256) == 64
    assert artifact.drafter == "offline"
    draft = parse_markdown(artifact.markdown)
    assert 10 <= len(draft.questions) <= 14
    assert all(q.source for q in draft.questions)
    assert set(job.inputs) >= {"guests", "intake_items"} and job.inputs["intake_items"]
    kinds = list(job.events.values_list("kind", flat=True))
    assert kinds == ["created", "queued", "started", "progress", "artifact", "approval_requested"]
    started = job.events.get(kind="started")
    assert started.metadata == {"attempt": 1, "run": job.run_id}
    note = Notification.objects.get(recipient=operator, kind="assistant_waiting")
    assert note.link == job.get_absolute_url()


def test_topics_to_avoid_are_never_asked(waiting):
    questions = " ".join(
        q.text for q in parse_markdown(services.current_artifact(waiting).markdown).questions
    )
    for topic in ("salar", "compensation", "Northbank", "layoff"):
        assert topic.lower() not in questions.lower()
    assert AVOID_TOPICS  # the form did name them


def test_a_second_draft_while_one_is_queued_is_refused(prep_episode, operator):
    job = job_for(prep_episode, operator)
    with pytest.raises(ServiceError, match=f"already in progress \\(job #{job.pk}\\)"):
        services.job_create(episode=prep_episode, by=operator)


def test_a_drafter_error_fails_the_job_with_its_code_and_a_redacted_summary(
    prep_episode, operator, monkeypatch
):
    class Broken:
        name, version = "broken", "1"

        def draft(self, inputs):
            raise DraftError("llm_timeout", "no answer from https://u:pw123@llm.local in 30 s")

    monkeypatch.setattr("podcast.assistant.drafters.get_drafter", lambda: Broken())
    job = run(job_for(prep_episode, operator))
    assert (job.status, job.error_code) == (S.FAILED, "llm_timeout")
    assert "pw123" not in job.error_summary and "no answer" in job.error_summary
    assert job.run.status == JobRun.Status.FAILED and "pw123" not in job.run.error
    assert job.finished_at is not None
    services.job_retry(job=job, by=operator)
    monkeypatch.undo()
    job = run(AssistantJob.objects.get(pk=job.pk))
    assert (job.status, job.attempts) == (S.WAITING_APPROVAL, 2)


def test_an_unexpected_error_fails_the_job_never_leaves_it_running(
    prep_episode, operator, monkeypatch
):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("podcast.assistant.inputs.gather_inputs", explode)
    job = run(job_for(prep_episode, operator))
    assert (job.status, job.error_code) == (S.FAILED, "error")
    assert "boom" in job.error_summary


def test_a_canceled_job_is_not_run(prep_episode, operator):
    job = job_for(prep_episode, operator)
    services.job_cancel(job=job, by=operator)
    job = run(job)
    assert job.status == S.CANCELED and job.attempts == 0
    assert not job.artifacts.exists()


def test_a_message_delivered_twice_runs_once(prep_episode, operator):
    job = run(job_for(prep_episode, operator))
    run_assistant_job.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.attempts == 1 and job.artifacts.count() == 1


# --- the reaper -------------------------------------------------------------------------------


def test_the_reaper_fails_a_job_whose_worker_died(prep_episode, operator):
    job = job_for(prep_episode, operator)
    run_row = job.run
    # A worker took it and died mid-run: the job is running, its run too, long ago.
    services.run_start(job.pk, run=run_row)
    long_ago = timezone.now() - timedelta(days=1)
    JobRun.objects.filter(pk=run_row.pk).update(
        status=JobRun.Status.RUNNING, started_at=long_ago, attempt_started_at=long_ago, attempts=1
    )
    assert reap_lost_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.error_code) == (S.FAILED, "lost")
    assert "Lost" in job.error_summary
    assert job.events.filter(kind="failed").count() == 1
    # retryable: one attempt of two was used
    job = services.job_retry(job=job, by=operator)
    assert job.status == S.QUEUED
    assert reap_lost_jobs() == 0


def test_the_reaper_leaves_a_live_run_alone(prep_episode, operator):
    job = job_for(prep_episode, operator)
    services.run_start(job.pk, run=job.run)
    JobRun.objects.filter(pk=job.run_id).update(
        status=JobRun.Status.RUNNING, attempt_started_at=timezone.now(), attempts=1
    )
    assert reap_lost_jobs() == 0
    job.refresh_from_db()
    assert job.status == S.RUNNING


# --- approval ---------------------------------------------------------------------------------


def test_approve_fills_the_task_proof_and_the_task_can_complete(waiting, operator):
    from tasks.models import HistoryEvent
    from tasks.services.task_actions import task_complete

    job = services.job_approve(job=waiting, by=operator, document_url=URL)
    assert job.status == S.SUCCEEDED and job.approved_by == operator
    task = prep_task(waiting.episode)
    assert task.proof_url == URL
    slot = waiting.episode.workflow.link_slots.get(name="Podcast document")
    assert slot.url == URL
    proof = HistoryEvent.objects.get(task=task, action="proof_added")
    assert proof.actor == operator and proof.after["proof_url"] == URL
    comment = HistoryEvent.objects.get(task=task, action="commented")
    assert comment.actor == operator
    assert comment.note.startswith(f"Approved the prep document (assistant job #{job.pk}")
    task = task_complete(task=task, by=operator)
    assert task.status == "done"
    kinds = list(job.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["approved", "succeeded"]


def test_a_double_click_on_approve_approves_once(waiting, operator):
    from tasks.models import HistoryEvent

    version = waiting.version
    services.job_approve(job=waiting, by=operator, document_url=URL, version=version)
    with pytest.raises(TransitionError, match="^Invalid transition: succeeded -> approved$"):
        services.job_approve(job=waiting, by=operator, document_url=URL, version=version)
    assert waiting.events.filter(kind="approved").count() == 1
    task = prep_task(waiting.episode)
    assert HistoryEvent.objects.filter(task=task, action="proof_added").count() == 1


def test_approve_after_cancel_is_refused(waiting, operator):
    services.job_cancel(job=waiting, by=operator)
    with pytest.raises(TransitionError, match="^Invalid transition: canceled -> approved$"):
        services.job_approve(job=waiting, by=operator, document_url=URL)
    assert prep_task(waiting.episode).proof_url == ""


def test_a_refused_proof_rolls_the_approval_back(waiting, operator):
    with pytest.raises(ServiceError):
        services.job_approve(job=waiting, by=operator, document_url="javascript:alert(1)")
    waiting.refresh_from_db()
    assert (
        waiting.status == S.WAITING_APPROVAL and not waiting.events.filter(kind="approved").exists()
    )


def test_reject_retries_with_the_reason_as_guidance(waiting, operator, monkeypatch):
    seen = {}
    from podcast.assistant import inputs as inputs_module

    real = inputs_module.gather_inputs

    def spy(episode, **kwargs):
        seen.update(kwargs)
        return real(episode, **kwargs)

    job = services.job_reject(job=waiting, by=operator, reason="More about the team, less tooling")
    assert job.status == S.QUEUED and job.guidance == "More about the team, less tooling"
    monkeypatch.setattr("podcast.assistant.inputs.gather_inputs", spy)
    job = run(job)
    assert seen["guidance"] == "More about the team, less tooling"
    assert (job.status, job.attempts) == (S.WAITING_APPROVAL, 2)
    assert services.current_artifact(job).revision == 2
    # at the limit a rejection stays rejected
    job = services.job_reject(job=job, by=operator, reason="Still not it")
    assert job.status == S.REJECTED
    with pytest.raises(ServiceError, match="^Retry limit reached$"):
        services.job_retry(job=job, by=operator)


def test_reject_needs_a_reason(waiting, operator):
    with pytest.raises(ServiceError, match="Say why"):
        services.job_reject(job=waiting, by=operator, reason="  ")


# --- edits ------------------------------------------------------------------------------------


def edited(markdown: str) -> str:
    draft = parse_markdown(markdown)
    first = draft.questions[0].text
    return markdown.replace(first, "What first pulled you from analysis into ML platforms?", 1)


def test_an_edit_is_a_new_revision_by_its_author(waiting, operator):
    current = services.current_artifact(waiting)
    saved = services.artifact_edit(
        job=waiting, by=operator, markdown=edited(current.markdown), base_revision=1
    )
    assert (saved.revision, saved.author) == (2, operator)
    assert "analysis into ML platforms" in saved.markdown
    assert services.current_artifact(waiting).revision == 2
    assert waiting.artifacts.get(revision=1).markdown == current.markdown


def test_an_edit_with_a_stale_revision_is_refused(waiting, operator, make_user):
    current = services.current_artifact(waiting)
    other = make_user("ana")
    services.artifact_edit(
        job=waiting, by=other, markdown=edited(current.markdown), base_revision=1
    )
    with pytest.raises(ServiceError) as refused:
        services.artifact_edit(
            job=waiting, by=operator, markdown=current.markdown + "\nmore", base_revision=1
        )
    assert "changed since you opened it" in str(refused.value)
    assert "revision 2" in str(refused.value) and refused.value.code == "stale"
    assert waiting.artifacts.count() == 2


def test_an_edit_that_breaks_the_sections_is_refused(waiting, operator):
    with pytest.raises(ServiceError, match="does not fit"):
        services.artifact_edit(
            job=waiting, by=operator, markdown="# Just a title\n", base_revision=1
        )


def test_an_edit_after_approval_is_refused(waiting, operator):
    services.job_approve(job=waiting, by=operator, document_url=URL)
    with pytest.raises(ServiceError, match="only be edited while it waits"):
        services.artifact_edit(job=waiting, by=operator, markdown="x", base_revision=1)


# --- races ------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_cannot_both_win(prep_episode, operator):
    from django.db import connection

    job = run(job_for(prep_episode, operator))
    barrier, outcomes = threading.Barrier(2), []

    def act(name: str) -> None:
        try:
            barrier.wait()
            if name == "approve":
                services.job_approve(job=job, by=operator, document_url=URL, version=job.version)
            else:
                services.job_cancel(job=job, by=operator, version=job.version)
            outcomes.append(name)
        except ServiceError as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(name,)) for name in ("approve", "cancel")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("TransitionError") == 1
    job.refresh_from_db()
    winner = next(name for name in outcomes if name != "TransitionError")
    assert job.status == {"approve": S.SUCCEEDED, "cancel": S.CANCELED}[winner]
    assert job.events.filter(kind__in=["approved", "canceled"]).count() == 1


# --- the command ------------------------------------------------------------------------------


def test_podcast_draft_json(prep_episode):
    out = StringIO()
    call_command("podcast_draft", str(prep_episode.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"job", "status", "questions", "followups", "todos"}
    assert data["status"] == "waiting_approval"
    job = AssistantJob.objects.get(pk=data["job"])
    assert job.run.trigger == JobRun.Trigger.COMMAND and job.run.status == JobRun.Status.SUCCEEDED
    assert 10 <= len(data["questions"]) <= 14
    assert all(
        set(q) == {"text", "source"} and q["text"] and q["source"] for q in data["questions"]
    )
    assert 5 <= len(data["followups"]) <= 8 and all(isinstance(t, str) for t in data["followups"])
    assert isinstance(data["todos"], list)


def test_podcast_draft_prints_the_document(prep_episode):
    out = StringIO()
    call_command("podcast_draft", str(prep_episode.pk), stdout=out)
    text = out.getvalue()
    assert text.startswith("Job #") and ": waiting_approval" in text.splitlines()[0]
    assert "## Questions" in text


def test_podcast_draft_unknown_episode():
    with pytest.raises(CommandError, match="No episode with id 999999"):
        call_command("podcast_draft", "999999")


def test_a_job_canceled_while_running_keeps_no_draft(prep_episode, operator):
    job = job_for(prep_episode, operator)
    services.run_start(job.pk, run=job.run)
    services.job_cancel(job=job, by=operator)
    ended = services.run_finish(
        job, markdown="# x\n", drafter="offline", drafter_version="1", references={}
    )
    assert ended.status == S.CANCELED and not ended.artifacts.exists()
    assert services.run_fail(job, code="error", summary="late") is None
