"""The Data pages: Exports (export now with live progress, list, download) and Restore drills,
for admins only; the Data link in the navigation; the tabs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from dataops.models import AuditEvent, JobRun
from dataops.portability.export import export_data, record_export
from dataops.portability.models import ExportArchive, Outcome, RestoreDrill, Trigger
from dataops.portability.tasks import exports_dir
from dataops.portability.views import MISSING

pytestmark = pytest.mark.django_db

PAGES = ["portability:exports", "portability:drills"]
ACTIONS = ["portability:export-start", "portability:drill-start"]


@pytest.fixture(autouse=True)
def _var(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


def an_export(**extra) -> ExportArchive:
    return record_export(export_data(out_dir=exports_dir()), trigger=Trigger.COMMAND, **extra)


# --- who may see them ------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_people_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES + ACTIONS)
def test_operators_are_refused(operator_client, name):
    method = operator_client.post if name in ACTIONS else operator_client.get
    assert method(reverse(name)).status_code == 403
    assert not JobRun.objects.exists()


def test_download_is_for_admins_only(client, operator_client):
    archive = an_export()
    url = reverse("portability:export-download", args=[archive.pk])
    assert operator_client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_the_data_link_is_in_the_navigation_for_admins_only(admin_client_, operator_client):
    data_link = f'href="{reverse("portability:exports")}"'
    assert data_link in admin_client_.get(reverse("home")).content.decode()
    assert data_link not in operator_client.get(reverse("home")).content.decode()
    page = admin_client_.get(reverse("portability:drills")).content.decode()
    assert 'class="nav-link is-active" aria-current="page">Data</a>' in page


# --- exports -----------------------------------------------------------------------------------


def test_no_exports_yet_shows_the_designed_empty_state(admin_client_):
    page = admin_client_.get(reverse("portability:exports")).content.decode()
    assert "No exports yet" in page and "Export now" in page
    assert 'class="data-tab is-active"' in page and "Restore drills" in page


def test_export_now_runs_the_job_and_lists_the_archive(
    admin_client_, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the job runs once queued
        response = admin_client_.post(reverse("portability:export-start"), {"include_files": "on"})
    assert response.status_code == 302
    response = admin_client_.get(response.url)
    run = JobRun.objects.get(kind="portability.export")
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert run.triggered_by == admin_user and run.trigger == JobRun.Trigger.MANUAL
    # Progress per entity was stored on the run as it went.
    assert run.counts["entities"] == run.counts["entities_total"] > 10
    archive = ExportArchive.objects.get()
    assert (archive.trigger, archive.created_by, archive.job_run) == ("page", admin_user, run)
    assert archive.include_files and Path(archive.path).parent == exports_dir().resolve()
    assert archive.size_bytes == Path(archive.path).stat().st_size and len(archive.sha256) == 64
    event = AuditEvent.objects.get(action="data.exported")
    assert event.actor == admin_user and event.target_id == str(archive.pk)
    page = response.content.decode()
    assert archive.name in page and archive.sha256[:12] in page
    assert f'data-copy="{archive.sha256}"' in page
    assert reverse("portability:export-download", args=[archive.pk]) in page


def test_a_queued_export_shows_its_live_status(admin_client_):
    # Without running the job: the page shows the run polling its status.
    response = admin_client_.post(reverse("portability:export-start"), HTTP_HX_REQUEST="true")
    run = JobRun.objects.get(kind="portability.export")
    html = response.content.decode()
    assert f'hx-get="{reverse("job-status", args=[run.pk])}"' in html
    assert 'hx-trigger="every 2s"' in html
    page = admin_client_.get(reverse("portability:exports")).content.decode()
    assert f'id="job-status-{run.pk}"' in page
    # A second click while it is under way joins it.
    admin_client_.post(reverse("portability:export-start"))
    assert JobRun.objects.filter(kind="portability.export").count() == 1


def test_the_list_refreshes_itself_when_a_run_settles(admin_client_):
    an_export()
    page = admin_client_.get(reverse("portability:exports")).content.decode()
    assert 'hx-trigger="dataops:job-settled from:body"' in page
    part = admin_client_.get(reverse("portability:exports"), HTTP_HX_REQUEST="true")
    assert part.content.decode().lstrip().startswith('<section class="card" id="export-table"')


def test_download_streams_the_archive(admin_client_):
    archive = an_export()
    response = admin_client_.get(reverse("portability:export-download", args=[archive.pk]))
    assert response.status_code == 200 and response.streaming
    assert f'filename="{archive.name}"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == Path(archive.path).read_bytes()


def test_download_refuses_a_missing_file(admin_client_):
    archive = an_export()
    Path(archive.path).unlink()
    response = admin_client_.get(reverse("portability:export-download", args=[archive.pk]))
    assert response.status_code == 404
    assert MISSING.format(path=archive.path) in response.content.decode()


def test_download_refuses_a_path_outside_the_export_folder(admin_client_, tmp_path):
    outside = tmp_path / "elsewhere"
    result = export_data(out_dir=outside)
    archive = record_export(result, trigger=Trigger.COMMAND)
    response = admin_client_.get(reverse("portability:export-download", args=[archive.pk]))
    assert response.status_code == 403
    assert "outside the export folders" in response.content.decode()
    # A path that climbs out of the folder with .. is outside too.
    ExportArchive.objects.filter(pk=archive.pk).update(
        path=str(exports_dir() / ".." / "elsewhere" / archive.name)
    )
    response = admin_client_.get(reverse("portability:export-download", args=[archive.pk]))
    assert response.status_code == 403


# --- restore drills ---------------------------------------------------------------------------


def test_no_drills_yet_shows_the_designed_empty_state(admin_client_):
    page = admin_client_.get(reverse("portability:drills")).content.decode()
    assert "No restore drills yet" in page
    assert "There is no export to drill yet" in page


def test_a_drill_without_an_export_is_refused_with_the_reason(admin_client_):
    response = admin_client_.post(reverse("portability:drill-start"), follow=True)
    assert "No export to drill" in response.content.decode()
    assert not JobRun.objects.exists()


def test_run_a_drill_now_drills_the_latest_export(
    admin_client_, admin_user, django_capture_on_commit_callbacks
):
    archive = an_export()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(reverse("portability:drill-start"))
    response = admin_client_.get(reverse("portability:drills"))
    run = JobRun.objects.get(kind="portability.restore-drill")
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    drill = RestoreDrill.objects.get()
    assert drill.status == Outcome.SUCCEEDED and drill.triggered_by == admin_user
    assert drill.trigger == "page" and drill.job_run == run
    assert drill.source == archive.path and drill.archive_sha256 == archive.sha256
    page = response.content.decode()
    assert "none: every file identical" in page and archive.sha256[:12] in page


def test_a_failed_drill_lists_its_differences(admin_client_):
    RestoreDrill.objects.create(
        status=Outcome.FAILED,
        source="/x/dataops-export.tar.gz",
        counts={"tasks.task": 3},
        mismatches=[
            {
                "name": "entities/tasks.task.jsonl",
                "archive_sha256": "a" * 64,
                "restored_sha256": "b" * 64,
                "archive_rows": 4,
                "restored_rows": 3,
            }
        ],
        error="1 file(s) differ",
    )
    page = admin_client_.get(reverse("portability:drills")).content.decode()
    assert "entities/tasks.task.jsonl" in page and "rows 4 → 3" in page
