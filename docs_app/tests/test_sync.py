"""The docs sync end to end on real git remotes: the bundled content, incremental changes,
rewritten or unreachable remotes, the messy repository, the command, the health check."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dataops.celery import app
from dataops.health import FAIL, OK, WARN
from dataops.jobs import enqueue
from dataops.models import JobRun, Notification
from docs_app.health import NEVER_SYNCED, check_docs_mirror
from docs_app.mirror import Mirror
from docs_app.models import Document, DocumentLink, Finding, MirrorState
from docs_app.repo_paths import is_doc_path
from docs_app.sync import ALREADY_RUNNING, LOCK_KEY, docs_sync, sync_enqueue
from docs_app.tasks import sync_docs
from docs_app.tests.fixtures import (
    AUTHOR,
    GitRemote,
    IndexCalls,
    git,
    make_messy_repo,
    messy_markdown_paths,
    point_docs_at,
)

# Every instruction doc the organisation's workflows name (reference/workflows.md).
REQUIRED_DOC_IDS = [
    "sop.community.book-of-the-week.invite-people-to-slack-from-the-airtable-form",
    "sop.events.announce-event-in-slack-in-announcements",
    "sop.events.calendar.create-a-calender-invite-for-the-guests-speaker-for-an-event",
    "sop.events.calendar.creating-tentative-event-on-google-calendar",
    "sop.events.luma.creating-events-on-google-calendar",
    "sop.events.luma.creating-events-webinar-workshop-and-podcast-on-luma",
    "sop.events.luma.downloading-the-csv-file-on-luma",
    "sop.events.meetup.create-events-in-meetup-com",
    "sop.events.outreach.how-to-find-emails-of-previous-guests",
    "sop.events.planning.create-speaker-profiles-via-airtable-form",
    "sop.events.planning.fill-in-the-event-form-in-airtable-for-adding-events-to-our-website",
    "sop.internal-admin.trello.how-to-create-an-event-through-trello",
    "sop.media.podcast.add-a-guest-bio-to-the-podcast-document",
    "sop.media.podcast.add-a-podcast-episode-via-airtable-form",
    "sop.media.podcast.add-links-to-youtube-after-the-stream-is-over",
    "sop.media.podcast.create-podcast-document",
    "sop.media.podcast.creating-podcast-transcription-document",
    "sop.media.podcast.generate-timecodes-from-docx-transcriptions",
    "sop.media.podcast.making-event-announcements-when-topic-bio-or-outline-is-missing",
    "sop.media.podcast.managing-podcast-workflow",
    "sop.media.podcast.move-podcast-documents-to-archive-in-google-drive",
    "sop.media.podcast.moving-podcast-audio-in-dropbox",
    "sop.media.podcast.removing-the-beginning-from-the-youtube-stream",
    "sop.media.podcast.schedule-podcast-episodes-with-spotify-for-podcaster",
    "sop.media.podcast.select-and-propose-a-date-for-events",
    "sop.media.podcast.sending-a-podcast-scheduled-email-to-pavel-after-the-event",
    "sop.media.podcast.update-the-website-with-the-information-from-forms",
    "sop.media.podcast.updating-the-cover-of-the-youtube-video",
    "sop.media.video-youtube.adding-videos-from-other-channels-to-our-playlist",
    "sop.social-media.post-podcast-guest-recommendations",
    "template.media.podcast.podcast-adding-johanna-and-sending-the-podcast-link-to-the-speaker",
    "template.media.podcast.podcast-links-after-the-event-is-over",
    "template.media.podcast.podcast-remind-about-the-event-in-a-week-share-registration-link-template",
    "template.media.podcast.podcast-remind-the-guest-about-the-event-a-day-before-template",
    "template.media.podcast.podcast-share-the-podcast-page-template",
    "template.media.podcast.sending-podcast-document-on-slack-the-dtc-podcast-help-channel",
    "template.social-media.template-new-event-announcements-podcasts-webinars-workshops",
]
EDITED_DOC = "finance/reference/invoices.md"
SERIOUS = ("broken-doc-reference", "broken-asset-reference", "lint", "registry")


@pytest.fixture
def index_calls(monkeypatch):
    return IndexCalls().install(monkeypatch)


@pytest.fixture
def bundled(settings, tmp_path):
    """A remote holding the bundled content/ folder, with the portal pointed at it."""
    remote = GitRemote.create(tmp_path / "origin", from_dir=django_settings.DOCS_CONTENT_SEED_DIR)
    point_docs_at(settings, remote.url, tmp_path)
    return remote


@pytest.fixture
def run_sync(django_capture_on_commit_callbacks):
    """Queue the Celery job and run it (eager) as a worker would; returns the re-read run."""

    def run(**kwargs) -> JobRun:
        with django_capture_on_commit_callbacks(execute=True):
            job = enqueue(sync_docs, kwargs=kwargs, trigger=JobRun.Trigger.MANUAL)
        job.refresh_from_db()
        return job

    return run


def registry_snapshot() -> dict[str, tuple]:
    return {d.path: (d.pk, d.blob_sha, d.last_commit_sha) for d in Document.objects.all()}


def mirror_head() -> str | None:
    mirror = Mirror(django_settings.DOCS_MIRROR_DIR, "", django_settings.DOCS_GIT_BRANCH)
    try:
        return mirror.head()
    finally:
        mirror.close()


# --- the bundled content ------------------------------------------------------------------


@pytest.mark.django_db
def test_initial_sync_of_bundled_content_registers_a_clean_corpus(bundled, run_sync, index_calls):
    run = run_sync()
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    markdown = {
        p.relative_to(bundled.work).as_posix()
        for p in bundled.work.rglob("*.md")
        if ".git" not in p.parts and is_doc_path(p.relative_to(bundled.work).as_posix())
    }
    assert set(Document.objects.values_list("path", flat=True)) == markdown
    assert not any(path.startswith("podcast/") for path in markdown)  # DOCS_EXCLUDE_PATHS
    assert run.counts["added"] == run.counts["registered"] == len(markdown) >= 40
    assert run.counts["indexed"] == len(markdown) and index_calls.rebuilds == 1

    ids = set(Document.objects.values_list("doc_id", flat=True))
    assert [doc_id for doc_id in REQUIRED_DOC_IDS if doc_id not in ids] == []
    unclean = Document.objects.exclude(lint_status__in=["clean", "n/a"])
    assert list(unclean.values_list("path", "lint_messages")) == []
    assert Document.objects.filter(lint_status="clean", is_marked_sop=True).count() >= 25
    broken = DocumentLink.objects.filter(resolved_path="")
    assert list(broken.values_list("source__path", "target", "problem")) == []
    assert DocumentLink.objects.filter(kind="image").exists()
    assert DocumentLink.objects.filter(kind="related").exists()
    assert list(Finding.objects.filter(category__in=SERIOUS).values_list("path", "message")) == []

    state = MirrorState.objects.get()
    assert state.head_sha == bundled.head() == mirror_head()
    assert state.last_result == "ok" and state.document_count == len(markdown)
    assert set(Document.objects.values_list("last_commit_author", flat=True)) == {AUTHOR[0]}


@pytest.mark.django_db
def test_default_source_is_the_bundled_content_made_into_a_local_repository(
    settings, tmp_path, index_calls
):
    settings.DOCS_GIT_URL = ""
    settings.VAR_DIR = tmp_path / "var"
    settings.DOCS_MIRROR_DIR = tmp_path / "var" / "docs-mirror"
    result = docs_sync()
    assert (tmp_path / "var" / "docs-origin.git" / "HEAD").exists()
    assert result.counts["registered"] >= 40
    assert Document.objects.filter(doc_id="sop.media.podcast.create-podcast-document").exists()


# --- incremental syncs ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_commit_changing_one_file_re_registers_and_re_indexes_only_that_file(
    bundled, run_sync, index_calls
):
    run_sync()
    before = registry_snapshot()
    text = (bundled.work / EDITED_DOC).read_text()
    bundled.write(EDITED_DOC, text.replace("# ", "# Updated: ", 1))
    new_head = bundled.commit("Clarify invoices", author=("Bob Builder", "bob@example.org"))

    run = run_sync()
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert {
        k: run.counts[k]
        for k in ("changed", "added", "deleted", "renamed", "registered", "indexed")
    } == {"changed": 1, "added": 0, "deleted": 0, "renamed": 0, "registered": 1, "indexed": 1}
    assert index_calls.updates == [([EDITED_DOC], [])]
    after = registry_snapshot()
    changed = [path for path in after if after[path] != before[path]]
    assert changed == [EDITED_DOC]
    assert after[EDITED_DOC][0] == before[EDITED_DOC][0]  # same row, updated in place
    doc = Document.objects.get(path=EDITED_DOC)
    assert doc.title.startswith("Updated: ") or "Updated: " in str(doc.headings)
    assert (doc.last_commit_author, doc.last_commit_message, doc.last_commit_sha) == (
        "Bob Builder",
        "Clarify invoices",
        new_head,
    )
    assert MirrorState.objects.get().head_sha == new_head


@pytest.mark.django_db
def test_a_sync_without_remote_changes_does_nothing(bundled, run_sync, index_calls):
    run_sync()
    before = registry_snapshot()
    first_synced = MirrorState.objects.get().synced_at
    run = run_sync()
    assert run.status == JobRun.Status.SUCCEEDED
    assert set(run.counts.values()) == {0} and run.note.startswith("No changes")
    assert index_calls.updates == [] and index_calls.rebuilds == 1
    assert registry_snapshot() == before
    assert MirrorState.objects.get().synced_at > first_synced


@pytest.mark.django_db
def test_renames_and_deletes_reach_the_registry_and_the_index(bundled, run_sync, index_calls):
    run_sync()
    old, new = "finance/reference/invoices.md", "finance/reference/invoices-and-receipts.md"
    gone = "internal-admin/reference/glossary.md"
    bundled.rename(old, new)
    bundled.remove(gone)
    bundled.commit("Rename invoices, drop the glossary")
    run = run_sync()
    assert (run.counts["renamed"], run.counts["deleted"], run.counts["registered"]) == (1, 1, 1)
    assert index_calls.updates == [([new], sorted([old, gone]))]
    paths = set(Document.objects.values_list("path", flat=True))
    assert new in paths and old not in paths and gone not in paths
    # the explicit id travelled with the file, so references by id still resolve
    assert not DocumentLink.objects.filter(resolved_path=old).exists()


@pytest.mark.django_db
def test_full_sync_re_registers_everything_and_rebuilds_the_index(bundled, run_sync, index_calls):
    run_sync()
    run = run_sync(full=True)
    assert run.counts["registered"] == Document.objects.count() == run.counts["changed"]
    assert index_calls.rebuilds == 2 and index_calls.updates == []


# --- remotes that must not be followed ----------------------------------------------------


@pytest.mark.django_db
def test_force_push_fails_the_run_notifies_admins_and_changes_nothing(
    bundled, run_sync, index_calls, admin_user, operator
):
    run_sync()
    before, head = registry_snapshot(), bundled.head()
    bundled.write(EDITED_DOC, "# Rewritten\n")
    rewritten = bundled.rewrite_last_commit("Rewrite history")

    run = run_sync()
    assert run.status == JobRun.Status.FAILED and run.attempts == 1
    assert "The remote history was rewritten (force-push)" in run.error
    assert f"not an ancestor of remote {rewritten[:7]}" in run.error
    notice = Notification.objects.get(recipient=admin_user, kind="job_failed")
    assert "force-push" in notice.text
    assert not Notification.objects.filter(recipient=operator).exists()
    assert mirror_head() == head and registry_snapshot() == before
    state = MirrorState.objects.get()
    assert state.head_sha == head and state.last_result == "failed"
    check = check_docs_mirror()
    assert check.status == FAIL and "force-push" in check.detail


@pytest.mark.django_db
def test_reclone_after_an_intended_force_push_keeps_the_old_mirror(bundled, run_sync, index_calls):
    run_sync()
    bundled.write("new-doc.md", "# New after rewrite\n")
    rewritten = bundled.rewrite_last_commit("Rewrite history")
    assert run_sync().status == JobRun.Status.FAILED
    out = StringIO()
    call_command("docs_sync", "--reclone", stdout=out)
    assert MirrorState.objects.get().head_sha == rewritten == mirror_head()
    assert Document.objects.filter(path="new-doc.md").exists()
    backups = list(django_settings.DOCS_MIRROR_DIR.parent.glob("mirror.bak-*"))
    assert len(backups) == 1 and (backups[0] / ".git").exists()


@pytest.mark.django_db
def test_local_commits_in_the_mirror_and_new_remote_commits_fail_as_diverged(
    bundled, run_sync, index_calls, admin_user
):
    run_sync()
    mirror_dir = django_settings.DOCS_MIRROR_DIR
    (mirror_dir / "local.md").write_text("# Local only\n")
    git(mirror_dir, "add", "local.md")
    git(mirror_dir, "-c", "user.name=Ed", "-c", "user.email=ed@example.org", "commit", "-qm", "l")
    local = git(mirror_dir, "rev-parse", "HEAD")
    bundled.write("remote.md", "# Remote\n")
    bundled.commit("Remote change")

    run = run_sync()
    assert run.status == JobRun.Status.FAILED
    assert "have diverged" in run.error and "Nothing was changed" in run.error
    assert mirror_head() == local
    assert not Document.objects.filter(path__in=["local.md", "remote.md"]).exists()
    assert Notification.objects.filter(recipient=admin_user, kind="job_failed").count() == 1


@pytest.mark.django_db
def test_unreachable_remote_retries_then_fails_and_leaves_mirror_and_registry(
    bundled, run_sync, index_calls, settings, tmp_path
):
    run_sync()
    before, head = registry_snapshot(), mirror_head()
    settings.JOB_MAX_RETRIES = 2
    bundled.bare.rename(tmp_path / "moved-away.git")
    run = run_sync()
    assert run.status == JobRun.Status.FAILED and run.attempts == 3
    assert "Fetching" in run.error
    assert mirror_head() == head and registry_snapshot() == before
    assert MirrorState.objects.get().last_result == "failed"


@pytest.mark.django_db
def test_credentials_in_the_url_never_reach_the_ledger(settings, tmp_path, run_sync, index_calls):
    point_docs_at(settings, "https://bob:hunter2secret@127.0.0.1:9/org/docs.git", tmp_path)
    settings.JOB_MAX_RETRIES = 0
    run = run_sync()
    assert run.status == JobRun.Status.FAILED
    assert "hunter2secret" not in run.error
    assert "hunter2secret" not in MirrorState.objects.get().last_error


@pytest.mark.django_db
@pytest.mark.postgres
def test_a_second_sync_while_one_runs_is_skipped(bundled, run_sync, index_calls):
    import psycopg

    params = connection.get_connection_params()
    other = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    )
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        assert docs_sync().note == ALREADY_RUNNING
        run = run_sync()
        assert run.status == JobRun.Status.SUCCEEDED and run.note == ALREADY_RUNNING
        assert not Document.objects.exists()
    finally:
        other.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])  # not when its process exits
        other.close()
    assert run_sync().counts["registered"] > 0


# --- any repository -------------------------------------------------------------------------


@pytest.mark.django_db
def test_messy_repository_registers_every_markdown_file_with_findings(
    settings, tmp_path, run_sync, index_calls
):
    point_docs_at(settings, make_messy_repo(tmp_path / "messy"), tmp_path)
    run = run_sync()
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert set(Document.objects.values_list("path", flat=True)) == messy_markdown_paths()
    assert run.counts["skipped"] == 5  # binary, latin-1, huge, two symlinks

    codes = set(Finding.objects.values_list("path", "code"))
    expected = {
        ("bad-yaml.md", "yaml-error"),
        ("yaml-list.md", "yaml-error"),
        ("binary.md", "skipped"),
        ("latin1.md", "skipped"),
        ("huge.md", "skipped"),
        ("link-outside.md", "symlink-outside"),
        ("link-inside.md", "symlink"),
        ("dup-a.md", "duplicate-id"),
        ("dup-b.md", "duplicate-id"),
        ("dup-a.md", "duplicate-alias"),
        ("dup-b.md", "invalid-alias"),
        ("invalid-id.md", "invalid-id"),
        ("weird-type.md", "unsupported-doc-type"),
        ("sops/broken.md", "L06"),
        ("sops/no-frontmatter.md", "L01"),
        ("guides/guide.md", "reference-not-found"),
        ("guides/guide.md", "missing-image"),
        ("guides/guide.md", "placeholder"),
        ("sops/marked.md", "related-not-found"),
        ("sops/marked.md", "sop-todo"),
        ("sops/marked.md", "empty-validation"),
        ("README.md", "no-frontmatter"),
    }
    assert expected - codes == set()
    skipped = Document.objects.get(path="link-outside.md")
    assert skipped.skipped_reason == "symlink pointing outside the repository"
    marked = Document.objects.get(path="sops/marked.md")
    assert marked.lint_status == "clean" and marked.is_marked_sop
    assert (
        DocumentLink.objects.get(source=marked, kind="image").resolved_path == "images/button.png"
    )
    assert Document.objects.get(path="dates.md").frontmatter["date"] == "2024-01-31"


@pytest.mark.django_db
def test_any_plain_markdown_repository_is_listed(settings, tmp_path, run_sync, index_calls):
    """Not our format, not a bare remote, another branch name: every .md is still a doc."""
    project = tmp_path / "someone-elses-project"
    git(tmp_path, "init", "--quiet", "-b", "master", str(project))
    files = {
        "README.md": "# Project\n\nSee [docs](docs/index.md) and [changes](CHANGELOG.md).\n",
        "CHANGELOG.md": "## 1.0\n\n- first\n",
        "docs/index.md": "Intro without a heading.\n\n* [Install](install.md)\n",
        "docs/install.md": "# Install\n\n```bash\npip install thing\n```\n",
        "docs/reference/api.md": "# API\n\n| x | y |\n|---|---|\n",
        "src/main.py": "print('hi')\n",
    }
    for path, text in files.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    git(project, "add", ".")
    git(
        project,
        "-c",
        "user.name=Someone",
        "-c",
        "user.email=s@example.org",
        "commit",
        "-qm",
        "init",
    )
    point_docs_at(settings, project, tmp_path)
    settings.DOCS_GIT_BRANCH = "master"
    run = run_sync()
    assert run.status == JobRun.Status.SUCCEEDED, run.error
    assert set(Document.objects.values_list("path", flat=True)) == {
        p for p in files if p.endswith(".md")
    }
    assert not DocumentLink.objects.filter(resolved_path="").exists()
    assert Document.objects.get(path="docs/reference/api.md").doc_type == "reference"


@pytest.mark.django_db
def test_sync_calls_the_real_search_index(settings, tmp_path):
    remote = GitRemote.create(tmp_path / "origin", {"a.md": "# Alpha\n", "b/c.md": "# Gamma\n"})
    point_docs_at(settings, remote.url, tmp_path)
    first = docs_sync()
    remote.write("a.md", "# Alpha two\n")
    remote.commit()
    second = docs_sync()
    assert isinstance(first.counts["indexed"], int) and second.counts["registered"] == 1


@pytest.mark.django_db
def test_a_wiped_index_is_rebuilt_by_the_next_sync_even_without_changes(settings, tmp_path):
    import shutil

    from docs_app import search

    remote = GitRemote.create(tmp_path / "origin", {"a.md": "# Alpha\n", "b/c.md": "# Gamma\n"})
    point_docs_at(settings, remote.url, tmp_path)
    docs_sync()
    shutil.rmtree(settings.DOCS_INDEX_DIR)
    assert search.index_state()[0] == search.INDEX_MISSING
    again = docs_sync()
    assert again.counts["indexed"] == 2 and "rebuilt" in again.note
    assert [hit.path for hit in search.search("gamma").hits] == ["b/c.md"]
    assert docs_sync().counts["indexed"] == 0


# --- triggers, command, health --------------------------------------------------------------


def test_beat_runs_the_sync_every_configured_minutes():
    entry = django_settings.CELERY_BEAT_SCHEDULE["docs-sync"]
    assert entry["task"] == "docs_app.tasks.sync_docs" and entry["task"] in app.tasks
    assert entry["schedule"] == django_settings.DOCS_SYNC_MINUTES * 60


@pytest.mark.django_db
def test_command_prints_counts_and_records_a_run(bundled, index_calls):
    out = StringIO()
    call_command("docs_sync", stdout=out)
    assert "registered=" in out.getvalue() and "run #" in out.getvalue()
    run = JobRun.objects.get(kind="docs.sync")
    assert run.trigger == JobRun.Trigger.COMMAND and run.status == JobRun.Status.SUCCEEDED
    assert run.counts["registered"] == Document.objects.count()


@pytest.mark.django_db
def test_command_exits_1_with_the_reason_on_failure(settings, tmp_path, index_calls):
    point_docs_at(settings, tmp_path / "missing.git", tmp_path)
    err = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("docs_sync", stderr=err)
    assert exited.value.code == 1
    assert "docs sync failed: Cloning" in err.getvalue()
    assert JobRun.objects.get(kind="docs.sync").status == JobRun.Status.FAILED


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_queued_sync_is_reused_only_while_its_message_waits_in_the_queue(redis_server, live_broker):
    import redis

    live_broker(redis_server.url)
    first = sync_enqueue(trigger=JobRun.Trigger.WEBHOOK)  # sent; no worker takes it
    again = sync_enqueue(trigger=JobRun.Trigger.WEBHOOK)
    assert again.pk == first.pk and JobRun.objects.filter(kind="docs.sync").count() == 1

    redis.Redis.from_url(redis_server.url).flushall()  # a restarted Redis lost the message
    after_loss = sync_enqueue(trigger=JobRun.Trigger.WEBHOOK)
    assert after_loss.pk != first.pk and after_loss.status == JobRun.Status.QUEUED
    assert sync_enqueue(trigger=JobRun.Trigger.WEBHOOK).pk == after_loss.pk


@pytest.mark.django_db
def test_health_check_reports_never_fresh_stale_and_failed(bundled, index_calls, settings):
    assert check_docs_mirror().detail == NEVER_SYNCED
    docs_sync()
    fresh = check_docs_mirror()
    assert fresh.status == OK and fresh.name == "Docs mirror" and "documents at" in fresh.detail
    later = timezone.now() + timedelta(minutes=3 * settings.DOCS_SYNC_MINUTES + 1)
    with time_machine.travel(later):
        assert check_docs_mirror().status == WARN
    MirrorState.objects.update(last_result="failed", last_error="Fetching x failed: boom\nmore")
    failed = check_docs_mirror()
    assert failed.status == FAIL and failed.detail.endswith("Fetching x failed: boom")


def test_file_lock_lets_one_sync_in_at_a_time(settings, tmp_path):
    from docs_app.sync import _file_lock

    settings.DOCS_MIRROR_DIR = tmp_path / "mirror"
    with _file_lock() as first, _file_lock() as second:
        assert (first, second) == (True, False)
    with _file_lock() as again:
        assert again is True
