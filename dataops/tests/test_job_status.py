"""Queued work moves on screen: job pages and the job-status fragment poll until the run
succeeded or failed, then stop and show the result."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dataops.models import JobRun

POLL = 'hx-trigger="every 2s"'


def _run(**fields) -> JobRun:
    return JobRun.objects.create(kind="docs.sync", task_name="docs_app.tasks.sync_docs", **fields)


def _finish(run: JobRun, status: str, **fields) -> None:
    now = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(
        status=status, started_at=now - timedelta(seconds=3), finished_at=now, **fields
    )


def _poll(client, url: str):
    return client.get(url, headers={"HX-Request": "true"})


@pytest.mark.django_db
def test_status_fragment_polls_while_queued_and_stops_with_the_result(admin_client_):
    run = _run()
    url = reverse("job-status", args=[run.pk])
    queued = _poll(admin_client_, url)
    assert queued.status_code == 200
    body = queued.content.decode()
    assert POLL in body and f'hx-get="{url}"' in body and "Queued" in body
    assert "HX-Trigger" not in queued

    _finish(
        run,
        JobRun.Status.SUCCEEDED,
        counts={"registered": 12, "deleted": 0},
        note="Full registration at abc1234.",
    )
    done = _poll(admin_client_, url)
    body = done.content.decode()
    assert POLL not in body and "hx-get" not in body
    assert "Succeeded" in body and "registered 12" in body and "deleted 0" not in body
    assert "Full registration at abc1234." in body
    event = json.loads(done["HX-Trigger"])["dataops:job-settled"]
    assert event == {"run": run.pk, "kind": "docs.sync", "status": "succeeded"}


@pytest.mark.django_db
def test_status_fragment_of_a_failed_run_shows_why_and_links_to_retry(admin_client_):
    run = _run()
    _finish(run, JobRun.Status.FAILED, error="PermanentJobError: remote rewritten\n\ntrace")
    body = _poll(admin_client_, reverse("job-status", args=[run.pk])).content.decode()
    assert "Failed" in body and "PermanentJobError: remote rewritten" in body
    assert "trace" not in body and POLL not in body
    assert f'href="{run.get_absolute_url()}"' in body


@pytest.mark.django_db
def test_a_run_no_worker_takes_says_so(admin_client_):
    run = _run(created_at=timezone.now() - timedelta(minutes=5))
    body = _poll(admin_client_, reverse("job-status", args=[run.pk])).content.decode()
    assert "No worker has taken it for over a minute" in body and POLL in body


@pytest.mark.django_db
def test_status_fragment_is_for_admins_and_whoever_queued_the_run(
    operator_client, operator, make_user
):
    others = _run()
    assert operator_client.get(reverse("job-status", args=[others.pk])).status_code == 403
    mine = _run(triggered_by=operator)
    response = operator_client.get(reverse("job-status", args=[mine.pk]))
    assert response.status_code == 200 and f"run #{mine.pk}" in response.content.decode()
    assert f'href="{mine.get_absolute_url()}"' not in response.content.decode()  # admins only
    assert operator_client.get(reverse("job-status", args=[99999])).status_code == 404


@pytest.mark.django_db
def test_job_page_polls_its_own_body_until_the_run_settles(admin_client_):
    run = _run()
    page = admin_client_.get(run.get_absolute_url()).content.decode()
    assert POLL in page and f'hx-get="{run.get_absolute_url()}"' in page

    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.RUNNING, started_at=timezone.now(), counts={"registered": 4}
    )
    running = _poll(admin_client_, run.get_absolute_url())
    body = running.content.decode()
    assert "<html" not in body and 'id="job-run"' in body
    assert "Running" in body and POLL in body and "registered" in body

    _finish(run, JobRun.Status.FAILED, error="RuntimeError: boom")
    failed = _poll(admin_client_, run.get_absolute_url())
    body = failed.content.decode()
    assert POLL not in body and "Failed" in body and "RuntimeError: boom" in body
    assert reverse("job-retry", args=[run.pk]) in body  # the Retry button appears in place
    assert "dataops:job-settled" in failed["HX-Trigger"]


@pytest.mark.django_db
def test_job_list_polls_only_while_a_run_on_the_page_is_moving(admin_client_):
    run = _run()
    assert 'id="job-table" hx-get=' in admin_client_.get(reverse("job-list")).content.decode()
    table = _poll(admin_client_, reverse("job-list")).content.decode()
    assert "<html" not in table and f"#{run.pk}" in table
    _finish(run, JobRun.Status.SUCCEEDED)
    assert "hx-get" not in _poll(admin_client_, reverse("job-list")).content.decode()


@pytest.mark.django_db
def test_retry_from_failed_jobs_shows_the_new_run_moving(admin_client_):
    from dataops.tasks import selfcheck

    failed = JobRun.objects.create(
        kind="platform.selfcheck", task_name=selfcheck.name, status=JobRun.Status.FAILED, error="x"
    )
    response = admin_client_.post(
        reverse("job-retry", args=[failed.pk]), headers={"HX-Request": "true"}
    )
    failed.refresh_from_db()
    body = response.content.decode()
    assert f'hx-get="{reverse("job-status", args=[failed.retried_as_id])}"' in body
    assert POLL in body  # on_commit never ran: the new run is still queued


@pytest.mark.django_db
def test_plain_retry_goes_to_the_new_run_page(admin_client_):
    from dataops.tasks import selfcheck

    failed = JobRun.objects.create(
        kind="platform.selfcheck", task_name=selfcheck.name, status=JobRun.Status.FAILED, error="x"
    )
    response = admin_client_.post(reverse("job-retry", args=[failed.pk]))
    failed.refresh_from_db()
    assert response["Location"] == failed.retried_as.get_absolute_url()
