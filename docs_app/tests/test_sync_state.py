"""The docs pages say what the sync is doing: the queued run moves on screen, a failed sync
is shown with its reason, and admins re-clone a diverged mirror from the browser."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from dataops.models import AuditEvent, JobRun
from docs_app.mirror import BACKUPS_KEPT, Mirror
from docs_app.models import Document, MirrorState
from docs_app.reclone import mirror_backups
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at

FILES = {"ops/start.md": "# Start here\n", "ops/close.md": "# Close the day\n"}


@pytest.fixture
def remote(settings, tmp_path):
    origin = GitRemote.create(tmp_path / "origin", FILES)
    point_docs_at(settings, origin.url, tmp_path)
    return origin


@pytest.fixture
def synced(remote):
    docs_sync()
    return remote


def _force_push(remote: GitRemote) -> str:
    remote.write("ops/new.md", "# New after the rewrite\n")
    return remote.rewrite_last_commit("Rewrite history")


def _backups() -> list[str]:
    mirror = Mirror(django_settings.DOCS_MIRROR_DIR, "", django_settings.DOCS_GIT_BRANCH)
    return [path.name for path in mirror.backups()]


def _fail_a_sync(django_capture_on_commit_callbacks, remote: GitRemote) -> JobRun:
    from dataops.jobs import enqueue
    from docs_app.tasks import sync_docs

    _force_push(remote)
    with django_capture_on_commit_callbacks(execute=True):
        run = enqueue(sync_docs, kwargs={})
    run.refresh_from_db()
    assert run.status == JobRun.Status.FAILED
    return run


# --- the state line -----------------------------------------------------------------------


@pytest.mark.django_db
def test_docs_index_says_when_the_last_sync_failed_and_why(
    synced, operator_client, admin_client_, django_capture_on_commit_callbacks
):
    failed = _fail_a_sync(django_capture_on_commit_callbacks, synced)
    page = operator_client.get(reverse("docs:index")).content.decode()
    assert "Last sync failed" in page
    assert "The remote history was rewritten (force-push)" in page
    assert "nothing was changed" in page
    assert reverse("docs:reclone") not in page  # operators cannot re-clone
    admin_page = admin_client_.get(reverse("docs:index")).content.decode()
    assert reverse("docs:reclone") in admin_page
    assert failed.get_absolute_url() in admin_page


@pytest.mark.django_db
def test_docs_index_after_a_good_sync_says_when_and_at_which_commit(synced, operator_client):
    page = operator_client.get(reverse("docs:index")).content.decode()
    head = MirrorState.objects.get().head_sha
    assert "2 documents · synced just now" in page and head[:8] in page
    assert "Last sync failed" not in page


@pytest.mark.django_db
def test_sync_state_fragment_refreshes_when_a_run_on_the_page_settles(synced, admin_client_):
    fragment = admin_client_.get(reverse("docs:sync-state")).content.decode()
    assert 'hx-trigger="dataops:job-settled from:body"' in fragment
    assert "<html" not in fragment and "2 documents" in fragment
    refreshed = admin_client_.get(
        reverse("docs:sync-state"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/docs/?domain=ops"},
    )
    assert 'href="/docs/?domain=ops">Reload to see the changes' in refreshed.content.decode()
    elsewhere = admin_client_.get(
        reverse("docs:sync-state"),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/docs/"},
    )
    assert "Reload to see" not in elsewhere.content.decode()


@pytest.mark.django_db
def test_admins_see_the_sync_queued_now_moving_on_the_docs_page(synced, admin_client_):
    from docs_app.sync import sync_enqueue

    run = sync_enqueue(trigger=JobRun.Trigger.WEBHOOK)  # not sent: on_commit never fires
    page = admin_client_.get(reverse("docs:index")).content.decode()
    assert f'hx-get="{reverse("job-status", args=[run.pk])}"' in page
    assert 'hx-trigger="every 2s"' in page


@pytest.mark.django_db
def test_sync_now_turns_into_the_live_status_of_its_run(synced, admin_client_):
    response = admin_client_.post(reverse("docs:sync-now"), headers={"HX-Request": "true"})
    run = JobRun.objects.get(kind="docs.sync", trigger=JobRun.Trigger.MANUAL)
    body = response.content.decode()
    assert f'hx-get="{reverse("job-status", args=[run.pk])}"' in body
    assert 'hx-trigger="every 2s"' in body and "Queued" in body


# --- re-clone -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_reclone_page_explains_and_asks_before_doing_anything(synced, admin_client_):
    page = admin_client_.get(reverse("docs:reclone"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Re-clone the mirror" in body and "moved aside as a backup" in body
    assert f"newest {BACKUPS_KEPT} backups" in body and "No backups yet" in body
    assert not JobRun.objects.filter(kind="docs.sync").exclude(trigger="schedule").exists()


@pytest.mark.django_db
def test_reclone_from_the_browser_recovers_a_force_pushed_remote_and_keeps_a_backup(
    synced, admin_client_, admin_user, django_capture_on_commit_callbacks
):
    _fail_a_sync(django_capture_on_commit_callbacks, synced)
    rewritten = synced.head()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(reverse("docs:reclone"), headers={"HX-Request": "true"})
    run = JobRun.objects.get(kind="docs.sync", kwargs={"reclone": True})
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert run.triggered_by == admin_user
    assert f"run #{run.pk}" in response.content.decode()
    state = MirrorState.objects.get()
    assert state.head_sha == rewritten and state.last_result == "ok"
    assert Document.objects.filter(path="ops/new.md").exists()
    backups = _backups()
    assert len(backups) == 1
    assert (django_settings.DOCS_MIRROR_DIR.parent / backups[0] / ".git").exists()
    assert AuditEvent.objects.filter(action="docs.reclone", actor=admin_user).count() == 1
    page = admin_client_.get(reverse("docs:index")).content.decode()
    assert "Last sync failed" not in page


@pytest.mark.django_db
def test_reclone_keeps_only_the_newest_backups(
    synced, admin_client_, django_capture_on_commit_callbacks, settings
):
    stale = [f"mirror.bak-2020010{n}120000" for n in range(1, 5)]
    for name in stale:
        (settings.DOCS_MIRROR_DIR.parent / name / ".git").mkdir(parents=True)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(reverse("docs:reclone"))
    backups = _backups()
    assert len(backups) == BACKUPS_KEPT
    assert backups[:2] == stale[-2:]  # the two newest stale ones, then today's
    assert not (settings.DOCS_MIRROR_DIR.parent / stale[0]).exists()
    page = admin_client_.get(reverse("docs:reclone")).content.decode()
    assert stale[-2] in page and "deleted by the next re-clone" in page


@pytest.mark.django_db
def test_the_command_uses_the_same_rotation(synced, settings):
    for n in range(1, 5):
        (settings.DOCS_MIRROR_DIR.parent / f"mirror.bak-2020010{n}120000").mkdir()
    call_command("docs_sync", "--reclone", stdout=StringIO())
    assert len(_backups()) == BACKUPS_KEPT


@pytest.mark.django_db
def test_reclone_commands_one_after_another_keep_the_newest_backups(synced):
    made = []
    for second in range(BACKUPS_KEPT + 2):
        moment = datetime(2026, 3, 1, 9, 30, second, tzinfo=UTC)
        with time_machine.travel(moment, tick=False):
            call_command("docs_sync", "--reclone", stdout=StringIO())
        made.append(f"mirror.bak-{moment:%Y%m%d%H%M%S}")
    assert _backups() == made[-BACKUPS_KEPT:]
    assert [backup.name for backup in mirror_backups()] == made[:-4:-1]  # what admins see
    assert Document.objects.count() == len(FILES)


@pytest.mark.django_db
def test_a_second_reclone_click_returns_the_one_already_queued(synced, admin_client_):
    admin_client_.post(reverse("docs:reclone"))  # on_commit never fires: it stays queued
    response = admin_client_.post(reverse("docs:reclone"))
    assert JobRun.objects.filter(kind="docs.sync", kwargs={"reclone": True}).count() == 1
    assert response["Location"] == JobRun.objects.get(kind="docs.sync").get_absolute_url()
    page = admin_client_.get(reverse("docs:reclone")).content.decode()
    assert "already under way" in page and "Re-clone the mirror</button>" not in page


@pytest.mark.django_db
def test_reclone_and_sync_state_refuse_who_may_not(synced, operator_client):
    from django.test import Client

    assert operator_client.get(reverse("docs:reclone")).status_code == 403
    assert operator_client.post(reverse("docs:reclone")).status_code == 403
    assert not JobRun.objects.filter(kind="docs.sync").exists()
    assert Client().get(reverse("docs:sync-state")).status_code == 302  # to the login page
    assert operator_client.get(reverse("docs:sync-state")).status_code == 200


@pytest.mark.postgres  # holds the sync's advisory lock from a second connection
@pytest.mark.django_db
def test_a_reclone_that_meets_a_running_sync_waits_instead_of_being_skipped(
    synced, admin_client_, django_capture_on_commit_callbacks, settings
):
    import psycopg
    from django.db import connection

    from docs_app.sync import LOCK_KEY

    settings.JOB_MAX_RETRIES = 0
    params = connection.get_connection_params()
    other = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        with django_capture_on_commit_callbacks(execute=True):
            admin_client_.post(reverse("docs:reclone"))
    finally:
        other.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])  # not when its process exits
        other.close()
    run = JobRun.objects.get(kind="docs.sync", kwargs={"reclone": True})
    assert run.status == JobRun.Status.FAILED
    assert "the re-clone waits for it" in run.error
    assert _backups() == []  # the mirror was not touched
