"""The Backups page: admins only, a designed empty state, runs with their files and errors,
and "Back up now" as a background job (with htmx and without)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dataops.models import JobRun
from dataops.portability import backups
from dataops.portability.backup_tasks import KIND
from dataops.portability.models import BackupRun, ExportArchive, Outcome, Trigger

pytestmark = pytest.mark.django_db
URL = reverse("portability:backups")
START = reverse("portability:backup-start")


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_S3_URL = ""


def test_anonymous_visitors_are_sent_to_login(client):
    for response in (client.get(URL), client.post(START)):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_operators_are_refused(operator_client):
    assert operator_client.get(URL).status_code == 403
    assert operator_client.post(START).status_code == 403
    assert not JobRun.objects.filter(kind=KIND).exists()


def test_the_empty_page_says_what_will_appear(admin_client_):
    response = admin_client_.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No backups yet" in html and "Back up now" in html
    assert 'not configured (set <span class="mono">BACKUP_S3_URL</span>)' in html
    assert 'aria-current="page">Backups</a>' in html


def test_runs_show_sizes_checksums_offsite_state_and_errors(admin_client_, admin_user):
    export = ExportArchive.objects.create(
        name="x.tar.gz", path="/x", size_bytes=2048, sha256="e" * 64
    )
    BackupRun.objects.create(
        status=Outcome.SUCCEEDED,
        trigger=Trigger.PAGE,
        triggered_by=admin_user,
        dump_size=5 * 1024**2,
        dump_sha256="d" * 64,
        export=export,
        offsite_url="s3://b/p/backup-1/",
        offsite_verified_at=timezone.now(),
        started_at=timezone.now() - timedelta(hours=3),
    )
    BackupRun.objects.create(status=Outcome.FAILED, error="pg_dump failed (exit 1): disk full")
    html = admin_client_.get(URL).content.decode()
    assert "5.0\xa0MB" in html and "2.0\xa0KB" in html
    assert 'title="sha256 ' + "d" * 64 + '">dddddddddddd…' in html
    assert ">verified</span>" in html
    assert "pg_dump failed (exit 1): disk full" in html
    assert "No backups yet" not in html


def test_back_up_now_queues_the_job_and_it_writes_a_backup(
    admin_client_, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client_.post(START)
    assert response.status_code == 302 and response["Location"] == URL
    job = JobRun.objects.get(kind=KIND)
    assert job.triggered_by == admin_user and job.kwargs == {
        "trigger": "page",
        "by_id": admin_user.pk,
    }
    assert len(callbacks) == 1
    page = admin_client_.get(URL).content.decode()
    assert f'id="job-status-{job.pk}"' in page  # the status polls while the job waits


def test_back_up_now_with_htmx_answers_with_the_job_status(admin_client_):
    response = admin_client_.post(START, headers={"HX-Request": "true"})
    job = JobRun.objects.get(kind=KIND)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="backup-active"')
    assert f'hx-get="{reverse("job-status", args=[job.pk])}"' in html


def test_a_second_click_while_a_backup_runs_is_refused_with_a_message(admin_client_):
    admin_client_.post(START)
    job = JobRun.objects.get(kind=KIND)
    response = admin_client_.post(START, headers={"HX-Request": "true"})
    assert backups.ALREADY_RUNNING.format(run=job.pk) in response.content.decode()
    assert JobRun.objects.filter(kind=KIND).count() == 1
    response = admin_client_.post(START, follow=True)
    assert backups.ALREADY_RUNNING.format(run=job.pk) in response.content.decode()


@pytest.mark.parametrize("number", ["abc", "-1", "99999", "1%00"])
def test_a_bad_page_number_is_not_an_error(admin_client_, number):
    assert admin_client_.get(URL, {"page": number}).status_code == 200


def test_get_on_the_start_url_is_not_allowed(admin_client_):
    assert admin_client_.get(START).status_code == 405


def test_the_table_alone_answers_an_htmx_refresh(admin_client_):
    response = admin_client_.get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="backup-table"')


def _page_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_one_backup_or_many(admin_client_, admin_user):
    def add_backup():
        export = ExportArchive.objects.create(name="x", path="/x", size_bytes=1, sha256="a" * 64)
        BackupRun.objects.create(status=Outcome.SUCCEEDED, export=export, triggered_by=admin_user)

    add_backup()
    _page_queries(admin_client_)  # the first request also fills the session's caches
    one = _page_queries(admin_client_)
    for _ in range(10):
        add_backup()
    assert _page_queries(admin_client_) == one
