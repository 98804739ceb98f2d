"""The job-run ledger: success, retries with backoff, failures, Retry and Dismiss."""

import pytest
from django.urls import reverse

from dataops import services
from dataops.celery import app
from dataops.errors import ServiceError
from dataops.jobs import (
    LedgerTask,
    TransientJobError,
    backoff_seconds,
    enqueue,
    job_run,
    progress,
)
from dataops.models import JobRun, Notification
from dataops.tasks import selfcheck

# A job whose behaviour the tests steer: how many transient failures before success, or a
# permanent failure while the switch is on.
STATE = {"transient_failures": 0, "broken": False, "calls": 0}


@app.task(base=LedgerTask, kind="test.steerable", bind=True)
def steerable(self, *, label: str = "x"):
    STATE["calls"] += 1
    if STATE["broken"]:
        raise RuntimeError(
            f"broken for {label}: password=hunter2 at https://bob:s3cr3t@git.example"
        )
    if STATE["transient_failures"] > 0:
        STATE["transient_failures"] -= 1
        raise TransientJobError("remote busy")
    return {"created": 2, "skipped": 1}


@pytest.fixture(autouse=True)
def _reset_state():
    STATE.update(transient_failures=0, broken=False, calls=0)


@pytest.fixture
def run_now(django_capture_on_commit_callbacks):
    """Enqueue and execute (Celery is eager in tests) once the transaction would commit."""

    def run(task, **kwargs) -> JobRun:
        with django_capture_on_commit_callbacks(execute=True):
            job = enqueue(task, kwargs=kwargs)
        job.refresh_from_db()
        return job

    return run


@pytest.mark.django_db
def test_success_records_counts_and_times(run_now):
    run = run_now(steerable, label="ok")
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.counts == {"created": 2, "skipped": 1}
    assert run.started_at and run.finished_at and run.attempts == 1
    assert run.task_name == steerable.name and run.kwargs == {"label": "ok"}


@pytest.mark.django_db
def test_transient_errors_retry_on_the_same_row(run_now):
    STATE["transient_failures"] = 2
    run = run_now(steerable)
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.attempts == 3 and STATE["calls"] == 3
    assert JobRun.objects.count() == 1


@pytest.mark.django_db
def test_exhausted_retries_fail_and_notify_admins_once(run_now, admin_user, operator, settings):
    settings.JOB_MAX_RETRIES = 2
    STATE["transient_failures"] = 10
    run = run_now(steerable)
    assert run.status == JobRun.Status.FAILED
    assert run.attempts == 3
    assert "remote busy" in run.error
    assert Notification.objects.filter(recipient=admin_user, kind="job_failed").count() == 1
    assert not Notification.objects.filter(recipient=operator).exists()


@pytest.mark.django_db
def test_permanent_error_fails_at_once_with_secrets_redacted(run_now, admin_user):
    STATE["broken"] = True
    run = run_now(steerable)
    assert run.status == JobRun.Status.FAILED and run.attempts == 1
    assert "hunter2" not in run.error and "s3cr3t" not in run.error
    assert "[redacted]" in run.error
    assert run.is_open_failure


def test_backoff_is_exponential(settings):
    settings.JOB_RETRY_BACKOFF_SECONDS = 30
    assert [backoff_seconds(n) for n in range(4)] == [30, 60, 120, 240]
    settings.JOB_TIME_LIMIT_SECONDS = 4 * 3600
    assert backoff_seconds(20) == 3600
    settings.JOB_TIME_LIMIT_SECONDS = 600  # a held retry never outlives Redis' visibility
    assert backoff_seconds(20) == 600


@pytest.mark.django_db
def test_failed_job_is_listed_and_retry_reruns_it(
    run_now, admin_user, client, django_capture_on_commit_callbacks
):
    STATE["broken"] = True
    failed = run_now(steerable, label="flaky")
    client.force_login(admin_user)
    page = client.get(reverse("failed-jobs")).content.decode()
    assert f"#{failed.pk}" in page and "test.steerable" in page

    STATE["broken"] = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("job-retry", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    retry = failed.retried_as
    assert retry is not None and retry.status == JobRun.Status.SUCCEEDED
    assert retry.trigger == JobRun.Trigger.RETRY and retry.kwargs == {"label": "flaky"}
    assert f"#{failed.pk}" not in client.get(reverse("failed-jobs")).content.decode()
    # one notification for the one failure, none for the successful retry
    assert Notification.objects.filter(recipient=admin_user).count() == 1


@pytest.mark.django_db
def test_dismiss_takes_the_run_off_the_list(run_now, admin_user, client):
    STATE["broken"] = True
    failed = run_now(steerable)
    client.force_login(admin_user)
    response = client.post(reverse("job-dismiss", args=[failed.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Dismissed" in response.content.decode()
    failed.refresh_from_db()
    assert failed.dismissed_by == admin_user and not failed.is_open_failure
    assert JobRun.objects.failed_open().count() == 0


@pytest.mark.django_db
def test_retry_of_a_successful_run_is_refused(run_now, admin_user):
    run = run_now(steerable)
    with pytest.raises(ServiceError, match="Only failed runs"):
        services.job_retry(run=run, by=admin_user)


@pytest.mark.django_db
def test_failed_jobs_pages_are_for_admins_only(operator_client):
    for name in ("failed-jobs", "job-list", "health", "audit-log"):
        assert operator_client.get(reverse(name)).status_code == 403


@pytest.mark.django_db
def test_sync_job_run_records_counts_and_failures(admin_user):
    with job_run(kind="test.sync") as run:
        run.counts["created"] = 4
        progress(seen=10)
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and run.counts == {"created": 4, "seen": 10}

    with pytest.raises(ValueError), job_run(kind="test.sync"):
        raise ValueError("token=abcdef123456 leaked")
    failed = JobRun.objects.filter(kind="test.sync", status="failed").get()
    assert "abcdef123456" not in failed.error


@pytest.mark.django_db
def test_selfcheck_button_queues_a_job(admin_client_, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(reverse("health-selfcheck"))
    run = JobRun.objects.get(kind="platform.selfcheck")
    assert response["Location"] == run.get_absolute_url()
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and run.counts == {"checked": 1}
    detail = admin_client_.get(run.get_absolute_url()).content.decode()
    assert "platform.selfcheck" in detail and "checked" in detail


@pytest.mark.django_db
def test_broker_down_at_enqueue_leaves_the_run_waiting_for_the_queue(
    unreachable_broker, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = enqueue(selfcheck, kwargs={})
    assert run.awaits_queue  # what the page that queued it tells the person
    run.refresh_from_db()
    assert run.status == JobRun.Status.QUEUED and run.awaits_queue
    assert not Notification.objects.filter(recipient=admin_user).exists()


@pytest.mark.django_db
def test_a_job_failing_the_same_way_again_does_not_notify_twice(run_now, admin_user):
    STATE["broken"] = True
    run_now(steerable, label="a")
    run_now(steerable, label="a")
    assert JobRun.objects.failed_open().count() == 2
    assert Notification.objects.filter(recipient=admin_user).count() == 1
    run_now(steerable, label="b")  # a different error text: a new alert
    assert Notification.objects.filter(recipient=admin_user).count() == 2
