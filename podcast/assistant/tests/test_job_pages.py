"""Pages of the assistant: access, empty states, bad input, the actions a state allows, the
live timeline (three queries at most), the episode and task panels, Home's counter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dataops.models import Notification
from podcast.assistant import services
from podcast.assistant.models import AssistantJob
from podcast.assistant.tasks import run_assistant_job
from podcast.assistant.tests.jobs_fixtures import *  # noqa: F403
from podcast.assistant.tests.jobs_fixtures import job_for

pytestmark = pytest.mark.django_db
S = AssistantJob.Status
HOST = {"HTTP_HOST": "localhost"}


def run(job: AssistantJob) -> AssistantJob:
    run_assistant_job.apply(args=[job.pk], task_id=job.run.task_id)
    return AssistantJob.objects.get(pk=job.pk)


@pytest.fixture
def waiting(prep_episode, operator):
    return run(job_for(prep_episode, operator))


def page(client, job) -> str:
    response = client.get(job.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def action_url(job, action: str) -> str:
    return reverse("podcast:assistant-action", args=[job.pk, action])


def shown_actions(body: str, job) -> set[str]:
    found = {a for a in ("approve", "reject", "cancel", "retry") if action_url(job, a) in body}
    if reverse("podcast:assistant-edit", args=[job.pk]) in body:
        found.add("edit")
    return found


# --- access -----------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(client, waiting):
    response = client.get(waiting.get_absolute_url())
    assert response.status_code == 302 and "login" in response["Location"]


def test_people_without_a_role_are_refused(client, outsider, waiting):
    client.force_login(outsider)
    assert client.get(waiting.get_absolute_url()).status_code == 403
    assert client.post(action_url(waiting, "approve")).status_code == 403


def test_the_jobs_list_is_for_admins(operator_client, admin_client_):
    url = reverse("podcast:assistant-jobs")
    assert operator_client.get(url).status_code == 403
    body = admin_client_.get(url).content.decode()
    assert "No drafts yet" in body and "Draft prep document" in body


def test_the_jobs_list_filters_by_state(admin_client_, waiting):
    url = reverse("podcast:assistant-jobs")
    body = admin_client_.get(url, {"status": "waiting_approval"}).content.decode()
    assert waiting.get_absolute_url() in body
    body = admin_client_.get(url, {"status": "failed"}).content.decode()
    assert "No drafts in this state" in body and waiting.get_absolute_url() not in body
    response = admin_client_.get(url, {"status": "exploded", "page": "x"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "is not a state" in body and waiting.get_absolute_url() in body


def test_an_unknown_job_is_404(operator_client):
    assert operator_client.get("/podcast/assistant/jobs/999999/").status_code == 404
    assert operator_client.get("/podcast/assistant/jobs/999999/timeline/").status_code == 404


# --- starting a draft -------------------------------------------------------------------------


def test_the_episode_page_drafts_the_prep_document(operator_client, prep_episode):
    body = operator_client.get(prep_episode.get_absolute_url()).content.decode()
    draft_url = reverse("podcast:assistant-episode-draft", args=[prep_episode.pk])
    assert "Draft prep document" in body and draft_url in body and "No draft yet" in body
    response = operator_client.post(draft_url)
    job = AssistantJob.objects.get(episode=prep_episode)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == S.QUEUED and job.task.template_ref == "create-podcast-document"
    again = operator_client.post(draft_url, follow=True)
    assert "already in progress" in again.content.decode()
    assert AssistantJob.objects.filter(episode=prep_episode).count() == 1
    assert operator_client.get(draft_url).status_code == 405


def test_the_prep_task_page_has_the_panel_and_others_do_not(operator_client, prep_episode):
    tasks = prep_episode.workflow.tasks
    prep = tasks.get(template_ref="create-podcast-document")
    body = operator_client.get(prep.get_absolute_url()).content.decode()
    task_draft = reverse("podcast:assistant-task-draft", args=[prep.pk])
    assert "Draft prep document" in body and task_draft in body
    other = tasks.exclude(pk=prep.pk).first()
    assert (
        "Draft prep document" not in operator_client.get(other.get_absolute_url()).content.decode()
    )
    response = operator_client.post(task_draft)
    job = AssistantJob.objects.get(episode=prep_episode)
    assert response["Location"] == job.get_absolute_url() and job.task == prep


def test_drafting_from_a_task_without_an_episode_says_why(operator_client, operator):
    from tasks.services import task_create
    from tasks.services.common import local_today

    task = task_create(title="Loose task", due_date=local_today(), by=operator)
    response = operator_client.post(
        reverse("podcast:assistant-task-draft", args=[task.pk]), follow=True
    )
    assert "belongs to no episode" in response.content.decode()
    assert not AssistantJob.objects.exists()
    assert operator_client.post("/podcast/assistant/tasks/999999/draft/").status_code == 404


# --- the job page -----------------------------------------------------------------------------


def test_a_queued_job_polls_and_shows_no_review_actions(operator_client, prep_episode, operator):
    job = job_for(prep_episode, operator)
    body = page(operator_client, job)
    timeline = reverse("podcast:assistant-timeline", args=[job.pk])
    assert f'hx-get="{timeline}?status=queued"' in body and 'hx-trigger="every 1s"' in body
    assert "Drafting…" in body
    assert shown_actions(body, job) == {"cancel"}


def test_a_waiting_job_shows_the_document_and_its_actions(operator_client, waiting):
    body = page(operator_client, waiting)
    assert 'hx-trigger="every' not in body  # settled: no polling
    assert "<h2>Questions</h2>" in body and "Source:" in body
    assert shown_actions(body, waiting) == {"approve", "reject", "cancel", "edit"}
    assert "Download Markdown" in body


def test_a_failed_job_offers_retry_only(operator_client, prep_episode, operator):
    job = job_for(prep_episode, operator)
    services.run_fail(job, code="llm_timeout", summary="The model server did not answer in 30 s.")
    body = page(operator_client, job)
    assert shown_actions(body, job) == {"retry"}
    assert "llm_timeout" in body and "did not answer" in body and "No document" in body


def test_a_failed_job_at_the_limit_offers_nothing(operator_client, prep_episode, operator):
    job = job_for(prep_episode, operator)
    services.run_fail(job, code="lost", summary="Lost.")
    AssistantJob.objects.filter(pk=job.pk).update(attempts=2)
    body = page(operator_client, job)
    assert shown_actions(body, job) == set() and "No attempts are left" in body


def test_approving_on_the_page(operator_client, waiting):
    response = operator_client.post(
        action_url(waiting, "approve"), {"version": waiting.version}, follow=True, **HOST
    )
    body = response.content.decode()
    assert "now the proof" in body
    waiting.refresh_from_db()
    assert waiting.status == S.SUCCEEDED
    task = waiting.episode.workflow.tasks.get(template_ref="create-podcast-document")
    assert task.proof_url == f"http://localhost{waiting.get_absolute_url()}"
    assert shown_actions(body, waiting) == set()
    # the same click again: refused with the table's message, nothing changes
    again = operator_client.post(
        action_url(waiting, "approve"), {"version": "1"}, follow=True, **HOST
    ).content.decode()
    assert "Invalid transition: succeeded -&gt; approved" in again


def test_forbidden_and_unknown_actions_are_refused(operator_client, waiting, operator):
    services.job_cancel(job=waiting, by=operator)
    body = operator_client.post(action_url(waiting, "approve"), follow=True).content.decode()
    assert "Invalid transition: canceled -&gt; approved" in body
    body = operator_client.post(action_url(waiting, "retry"), follow=True).content.decode()
    assert "Invalid transition: canceled -&gt; retrying" in body
    body = operator_client.post(action_url(waiting, "explode"), follow=True).content.decode()
    assert "Unknown action." in body
    assert operator_client.get(action_url(waiting, "approve")).status_code == 405


def test_rejecting_needs_a_reason_and_requeues(operator_client, waiting):
    body = operator_client.post(action_url(waiting, "reject"), {"reason": ""}, follow=True)
    assert "Say why" in body.content.decode()
    body = operator_client.post(action_url(waiting, "reject"), {"reason": "x" * 2000}, follow=True)
    assert "1,000 characters" in body.content.decode()
    operator_client.post(action_url(waiting, "reject"), {"reason": "More on the migration"})
    waiting.refresh_from_db()
    assert waiting.status == S.QUEUED and waiting.guidance == "More on the migration"


def test_a_stale_version_from_the_page_is_refused(operator_client, waiting):
    body = operator_client.post(
        action_url(waiting, "cancel"), {"version": "99"}, follow=True
    ).content.decode()
    assert "changed meanwhile" in body
    waiting.refresh_from_db()
    assert waiting.status == S.WAITING_APPROVAL


# --- the timeline (polling) -------------------------------------------------------------------


@pytest.mark.redis
def test_polling_costs_at_most_three_queries(
    operator_client, prep_episode, operator, django_assert_max_num_queries
):
    job = job_for(prep_episode, operator)
    url = reverse("podcast:assistant-timeline", args=[job.pk]) + "?status=queued"
    operator_client.get(url, HTTP_HX_REQUEST="true")  # warm: roles and session in the cache
    for n in range(20):
        services.record_event(job, "progress", summary=f"step {n}")
    with django_assert_max_num_queries(3):
        response = operator_client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content.decode().count("step ") == 20


def test_the_timeline_asks_for_a_reload_when_the_job_moves(operator_client, waiting):
    url = reverse("podcast:assistant-timeline", args=[waiting.pk])
    response = operator_client.get(url + "?status=running", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"
    response = operator_client.get(url + "?status=waiting_approval", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "hx-trigger" not in body
    assert "Approval requested" in body


# --- edit and download ------------------------------------------------------------------------


def test_editing_keeps_a_revision_and_refuses_a_stale_one(operator_client, waiting):
    url = reverse("podcast:assistant-edit", args=[waiting.pk])
    body = operator_client.get(url).content.decode()
    assert 'name="base_revision"' in body and "## Questions" in body
    markdown = services.current_artifact(waiting).markdown
    changed = markdown.replace("## Questions\n\n1. ", "## Questions\n\n1. So, ", 1)
    response = operator_client.post(url, {"markdown": changed, "base_revision": "1"})
    assert response.status_code == 302
    assert services.current_artifact(waiting).revision == 2
    stale = operator_client.post(url, {"markdown": markdown, "base_revision": "1"})
    assert stale.status_code == 400 and "changed since you opened it" in stale.content.decode()
    bad = operator_client.post(url, {"markdown": "", "base_revision": "x"})
    assert bad.status_code == 400


def test_editing_a_settled_job_is_refused(operator_client, waiting, operator):
    services.job_cancel(job=waiting, by=operator)
    response = operator_client.get(
        reverse("podcast:assistant-edit", args=[waiting.pk]), follow=True
    )
    assert "only be edited while it waits" in response.content.decode()


def test_download_as_markdown(operator_client, waiting, prep_episode, operator):
    response = operator_client.get(reverse("podcast:assistant-download", args=[waiting.pk]))
    assert response["Content-Type"].startswith("text/markdown")
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response.content.decode() == services.current_artifact(waiting).markdown
    services.job_cancel(job=waiting, by=operator)
    empty = job_for(prep_episode, operator)
    response = operator_client.get(
        reverse("podcast:assistant-download", args=[empty.pk]), follow=True
    )
    assert "no document yet" in response.content.decode()


# --- Home and notifications -------------------------------------------------------------------


def test_home_counts_drafts_waiting_for_approval(admin_client_, operator_client, waiting):
    body = admin_client_.get("/").content.decode()
    assert "Drafts waiting for approval" in body
    assert reverse("podcast:assistant-jobs") + "?status=waiting_approval" in body
    body = operator_client.get("/").content.decode()
    assert waiting.get_absolute_url() in body


def test_the_requester_is_notified_once(prep_episode, operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = run(job_for(prep_episode, operator))
    services.notify_waiting(job)
    notes = Notification.objects.filter(recipient=operator, kind="assistant_waiting")
    assert notes.count() == 1 and "waits for your approval" in notes.get().text


# --- publish ----------------------------------------------------------------------------------


def test_publish_is_an_explicit_click_by_the_approving_user(
    operator_client, waiting, operator, monkeypatch
):
    calls = []

    def fake_publish(markdown, *, path_hint, user):
        calls.append((markdown, path_hint, user))
        return "a" * 40, f"podcast-prep/{path_hint}.md"

    monkeypatch.setattr("podcast.assistant.publish.publish_document", fake_publish)
    publish = reverse("podcast:assistant-publish", args=[waiting.pk])
    assert publish not in page(operator_client, waiting)  # not approved yet
    body = operator_client.post(publish, follow=True).content.decode()
    assert "Only an approved document can be published." in body and not calls
    services.job_approve(job=waiting, by=operator, document_url="http://localhost/x/")
    assert publish in page(operator_client, waiting)
    body = operator_client.post(publish, follow=True).content.decode()
    assert "Published to the docs as podcast-prep/" in body
    [(markdown, hint, user)] = calls
    assert markdown == services.current_artifact(waiting).markdown and user == operator
    assert "do-you-need-a-feature-store" in hint
    waiting.refresh_from_db()
    assert waiting.published_sha == "a" * 40
    assert waiting.events.filter(kind="published").count() == 1
    assert publish not in body  # published once: the button is gone
    again = operator_client.post(publish, follow=True).content.decode()
    assert "already published" in again and len(calls) == 1


def test_only_the_approver_publishes_and_a_refusal_says_why(
    operator_client, admin_client_, waiting, operator, monkeypatch
):
    from dataops.errors import ServiceError

    def refuse(markdown, *, path_hint, user):
        raise ServiceError("The docs mirror is not configured.")

    monkeypatch.setattr("podcast.assistant.publish.publish_document", refuse)
    services.job_approve(job=waiting, by=operator, document_url="http://localhost/x/")
    publish = reverse("podcast:assistant-publish", args=[waiting.pk])
    assert publish not in admin_client_.get(waiting.get_absolute_url()).content.decode()
    body = admin_client_.post(publish, follow=True).content.decode()
    assert "Only Grace Hopper, who approved the document, can publish it" in body
    body = operator_client.post(publish, follow=True).content.decode()
    assert "The docs mirror is not configured." in body
    waiting.refresh_from_db()
    assert waiting.published_sha == ""


def test_jobs_never_publish_on_their_own(prep_episode, operator, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a job published by itself")

    monkeypatch.setattr("podcast.assistant.publish.publish_document", forbidden)
    job = run(job_for(prep_episode, operator))
    services.job_approve(job=job, by=operator, document_url="http://localhost/x/")
    assert job.published_sha == ""
