"""The Trello import pages: upload → mapping → dry run → approve, batches and rollback.

The dry run and the import are background jobs. Celery runs eagerly in tests, once the
request's transaction commits: `jobs_run()` runs what a request queued, as a worker would.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dataops.models import AuditEvent, JobRun
from tasks import import_forms
from tasks.importers.trello import NO_CARDS, NOT_A_BOARD
from tasks.models import ImportBatch, ImportUpload, Task, Workflow, WorkflowTemplate
from tasks.services import task_complete
from tasks.services.import_rollback import ALREADY_ROLLED_BACK
from tasks.services.import_uploads import NOT_UTF8, PREVIEW_FIRST

SAMPLE = Path(__file__).resolve().parents[1] / "importers" / "fixtures" / "sample_board.json"
TOKEN = "ATTA9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a"
SIGNATURE = "X-Amz-Signature=9a8b7c6d"

pytestmark = pytest.mark.django_db


def board_file(content: bytes | None = None, name: str = "board.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SAMPLE.read_bytes() if content is None else content)


def upload(client, content: bytes | None = None):
    return client.post(reverse("tasks:import-upload"), {"board": board_file(content)})


def uploaded(client) -> ImportUpload:
    response = upload(client)
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportUpload.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def form_defaults(client, pk: int) -> dict:
    """What the mapping page posts when the admin changes nothing."""
    form = client.get(reverse("tasks:import-mapping", args=[pk])).context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {name: value for name, value in data.items() if value not in (None, False)}


def list_field(form, name: str) -> str:
    return next(f"list_{lst.trello_id}" for lst in form.open_lists if lst.name == name)


def jobs_run():
    """Run the jobs queued inside the block once it ends (the request's commit)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def dry_run(client, pk: int, **changes) -> object:
    data = form_defaults(client, pk) | changes
    with jobs_run():
        return client.post(reverse("tasks:import-mapping", args=[pk]), data)


def follow(client, response):
    """The page a redirect leads to once the queued job ran, with the whole redirect chain."""
    if response.status_code != 302:
        return response
    page = client.get(response["Location"], follow=True)
    page.redirect_chain = [(response["Location"], 302), *page.redirect_chain]
    return page


def approve(client, pk: int):
    with jobs_run():
        response = client.post(reverse("tasks:import-approve", args=[pk]))
    return follow(client, response)


def command_report(*args: str) -> dict:
    out = StringIO()
    call_command("import_trello", str(SAMPLE), *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def admin(admin_client_, operator):
    """An admin's client, with the operator `grace` (a board member) on the team."""
    return admin_client_


@pytest.fixture
def previewed(admin) -> ImportUpload:
    upload_row = uploaded(admin)
    assert dry_run(admin, upload_row.pk).status_code == 302
    upload_row.refresh_from_db()
    return upload_row


@pytest.fixture
def imported(admin, previewed) -> ImportBatch:
    approve(admin, previewed.pk)
    return ImportBatch.objects.get()


# --- access -------------------------------------------------------------------------------------


@pytest.fixture
def urls(imported, previewed):
    """(method, url) of every import page and action."""
    upload_pk, batch_pk = [previewed.pk], [imported.pk]
    return [
        ("get", reverse("tasks:import-list")),
        ("get", reverse("tasks:import-upload")),
        ("post", reverse("tasks:import-upload")),
        ("get", reverse("tasks:import-mapping", args=upload_pk)),
        ("post", reverse("tasks:import-mapping", args=upload_pk)),
        ("get", reverse("tasks:import-report", args=upload_pk)),
        ("post", reverse("tasks:import-approve", args=upload_pk)),
        ("get", reverse("tasks:import-batch", args=batch_pk)),
        ("get", reverse("tasks:import-rollback", args=batch_pk)),
        ("post", reverse("tasks:import-rollback", args=batch_pk)),
    ]


def test_only_admins_get_in(client, operator, outsider, urls):
    """Anonymous people go to the login page; operators and people without a role get 403."""
    for person, status in ((None, 302), (operator, 403), (outsider, 403)):
        client.logout()
        if person:
            client.force_login(person)
        for method, url in urls:
            response = getattr(client, method)(url)
            assert response.status_code == status, (person, url)
            assert status == 403 or response["Location"].startswith("/login/"), url
    assert not ImportBatch.objects.get().rolled_back_at


def test_templates_page_links_the_import_for_admins_only(admin, operator_client):
    link = reverse("tasks:import-upload")
    assert link in admin.get(reverse("tasks:template-list")).content.decode()
    assert link not in operator_client.get(reverse("tasks:template-list")).content.decode()


# --- upload --------------------------------------------------------------------------------------


def test_empty_states(admin):
    page = admin.get(reverse("tasks:import-list")).content.decode()
    assert "No imports yet" in page
    assert "Nothing waiting" in admin.get(reverse("tasks:import-upload")).content.decode()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "The file is not valid JSON"),
        (b"[1, 2]", NOT_A_BOARD.format(missing="board object")),
        (b'{"name": "x"}', "This is not a Trello board export"),
        (b'{"id": "b1", "name": "Empty", "lists": [], "cards": []}', NO_CARDS.format(name="Empty")),
        (b"\xff\xfe\x00{", NOT_UTF8),
    ],
)
def test_a_file_that_is_not_a_board_with_cards_is_refused_on_the_form(admin, content, message):
    response = upload(admin, content)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_a_missing_file_is_named(admin):
    response = admin.post(reverse("tasks:import-upload"), {})
    assert response.status_code == 422
    assert "Choose the board" in response.content.decode()


def test_a_file_over_the_limit_is_refused_by_its_size(admin, settings):
    settings.TRELLO_UPLOAD_MAX_BYTES = 1024 * 1024
    response = upload(admin, b" " * (2 * 1024 * 1024))  # not JSON: the size speaks first
    assert response.status_code == 422
    assert "The file is 2 MB; boards up to 1 MB can be imported." in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_an_upload_is_kept_server_side_and_only_its_id_travels(admin, admin_user):
    upload_row = uploaded(admin)
    assert upload_row.created_by == admin_user and len(upload_row.sha256) == 64
    assert upload_row.board_name == "Operations board"
    page = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).content.decode()
    assert 'type="file"' not in page and TOKEN not in page


def test_old_uploads_are_gone_and_cleaned_at_the_next_upload(admin, settings):
    old = uploaded(admin)
    ImportUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.TRELLO_UPLOAD_KEEP_HOURS + 1)
    )
    response = admin.get(reverse("tasks:import-mapping", args=[old.pk]), follow=True)
    assert response.redirect_chain == [(reverse("tasks:import-upload"), 302)]
    assert "This upload is gone" in response.content.decode()
    uploaded(admin)
    assert not ImportUpload.objects.filter(pk=old.pk).exists()


# --- mapping -------------------------------------------------------------------------------------


def test_mapping_page_shows_lists_with_counts_and_archived_ones_skipped(admin):
    upload_row = uploaded(admin)
    response = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk]))
    rows = {row.name: row for row in response.context["form"].list_rows()}
    old = rows["Old ideas 2024"]
    assert old.field is None and (old.cards, old.archived) == (15, 1)
    assert all(row.field is not None for name, row in rows.items() if name != "Old ideas 2024")
    assert sum(row.cards for row in rows.values()) + sum(r.archived for r in rows.values()) == 66
    assert "Skipped: the list is archived" in response.content.decode()


def test_the_unchanged_mapping_dry_runs_exactly_what_the_command_would(admin, admin_user):
    upload_row = uploaded(admin)
    defaults = form_defaults(admin, upload_row.pk)
    assert defaults["member_c30000000000000000000001"] == "grace"  # matched by username
    assert defaults["member_c30000000000000000000003"] == ""  # nobody called Sam here
    assert defaults["label_b20000000000000000000001"] == "urgent"
    dry_run(admin, upload_row.pk)
    upload_row.refresh_from_db()
    expected = command_report("--dry-run", "--by", admin_user.username)
    for key in ("created", "skipped", "errors", "redacted", "unmatched_members"):
        assert upload_row.preview[key] == expected[key], key
    assert Workflow.objects.count() == 0 and not ImportBatch.objects.exists()


def test_report_page_lists_redactions_without_the_secrets(admin, previewed):
    response = admin.get(reverse("tasks:import-report", args=[previewed.pk]))
    page = response.content.decode()
    assert "trello token" in page and "signed url" in page and "email address" in page
    assert TOKEN not in page and SIGNATURE not in page and "dave@example.com" not in page
    assert "Approve import" in page and "Would create" in page
    assert "Sam Stranger" in page  # a member without a person here


def test_a_target_that_names_a_missing_template_is_a_form_error(admin):
    upload_row = uploaded(admin)
    form = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    response = dry_run(admin, upload_row.pk, **{list_field(form, "Backlog"): "template:nope"})
    assert response.status_code == 422
    assert "There is no workflow template “template:nope” here" in response.content.decode()
    upload_row.refresh_from_db()
    assert upload_row.preview == {} and upload_row.mapping is None


def test_skipping_every_list_is_refused(admin):
    upload_row = uploaded(admin)
    form = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    skip_all = {f"list_{lst.trello_id}": import_forms.SKIP for lst in form.open_lists}
    response = dry_run(admin, upload_row.pk, **skip_all)
    assert response.status_code == 422
    assert import_forms.NOTHING_SELECTED in response.content.decode()


def test_mapped_lists_labels_members_and_done_rule_are_what_gets_imported(
    admin, operator, load_podcast
):
    upload_row = uploaded(admin)
    form = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    dry_run(
        admin,
        upload_row.pk,
        **{
            list_field(form, "Podcast episodes"): "template:podcast",
            list_field(form, "Backlog"): import_forms.SKIP,
            list_field(form, "Waiting on others"): "workflow",
            "label_b20000000000000000000001": "hot",
            "label_b20000000000000000000004": "purple",
            "member_c30000000000000000000003": operator.username,
            "done": "list:Done",
        },
    )
    upload_row.refresh_from_db()
    assert upload_row.mapping["targets"]["Podcast episodes"] == "podcast"
    assert upload_row.preview["skipped"]["unselected_cards"] > 0
    assert upload_row.preview["unmatched_members"] == []
    approve(admin, upload_row.pk)
    podcasts = Workflow.objects.filter(template__slug="podcast")
    assert podcasts.exists() and all(w.tasks.count() > 40 for w in podcasts)
    waiting = Workflow.objects.exclude(template__slug="podcast").count()
    assert waiting >= Task.objects.filter(workflow=None).count() > 0
    tags = {tag for tags in Task.objects.values_list("tags", flat=True) for tag in tags}
    assert "hot" in tags and "urgent" not in tags and "purple" in tags
    in_done_list = Task.objects.filter(workflow__title="Venue booking #4")
    assert in_done_list.exists() and not in_done_list.exclude(status="done").exists()


# --- approve --------------------------------------------------------------------------------------


def test_approve_imports_once_records_an_audit_event_and_shows_the_batch(
    admin, previewed, admin_user
):
    response = approve(admin, previewed.pk)
    batch = ImportBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse("tasks:import-batch", args=[batch.pk])
    assert f"as import #{batch.pk}" in response.content.decode()
    assert batch.created_by == admin_user and Workflow.objects.count() == 29
    assert AuditEvent.objects.filter(action="import.trello", actor=admin_user).count() == 1
    previewed.refresh_from_db()
    assert previewed.batch == batch and previewed.raw == "" and previewed.approved_at

    again = approve(admin, previewed.pk)
    assert "approved already" in again.content.decode()
    assert ImportBatch.objects.count() == 1 and Workflow.objects.count() == 29


def test_approving_without_a_dry_run_goes_back_to_the_mapping(admin):
    upload_row = uploaded(admin)
    response = approve(admin, upload_row.pk)
    assert response.redirect_chain[-1][0] == reverse("tasks:import-mapping", args=[upload_row.pk])
    assert PREVIEW_FIRST in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_same_board_again_shows_nothing_new(admin, imported):
    second = uploaded(admin)
    dry_run(admin, second.pk)
    report = admin.get(reverse("tasks:import-report", args=[second.pk])).content.decode()
    assert "Nothing new: every selected card was imported already" in report
    response = approve(admin, second.pk)
    page = response.content.decode()
    assert "Nothing new: every card of" in page and "Nothing new" in page
    assert ImportBatch.objects.count() == 1 and Workflow.objects.count() == 29
    assert AuditEvent.objects.filter(target_label__contains="nothing new").count() == 1


# --- batches and rollback ------------------------------------------------------------------------


def test_batch_list_and_page_show_what_the_import_created(admin, imported):
    listing = admin.get(reverse("tasks:import-list")).content.decode()
    assert reverse("tasks:import-batch", args=[imported.pk]) in listing
    response = admin.get(reverse("tasks:import-batch", args=[imported.pk]))
    page = response.content.decode()
    assert response.context["workflow_total"] == 29 and response.context["task_total"] == 19
    workflow = Workflow.objects.order_by("pk").first()
    assert workflow.get_absolute_url() in page and "Roll back" in page


def test_rollback_preview_lists_kept_rows_with_why_and_confirm_removes_the_rest(
    admin, imported, operator
):
    done = Task.objects.filter(workflow=None, status="todo").order_by("pk").first()
    task_complete(task=done, by=operator)
    url = reverse("tasks:import-rollback", args=[imported.pk])
    preview = admin.get(url)
    kept = preview.context["preview"].kept
    assert [row.row for row in kept] == [done]
    assert "changed since the import: completed by Grace Hopper" in kept[0].why
    assert preview.context["preview"].removed["workflows"] == 29
    assert Workflow.objects.count() == 29  # a preview removes nothing

    response = admin.post(url, follow=True)
    page = response.content.decode()
    assert f"Rolled back import #{imported.pk}" in page and "Kept 1 row(s)" in page
    assert Workflow.objects.count() == 0
    assert list(Task.objects.all()) == [done]
    assert done.get_absolute_url() in page
    assert AuditEvent.objects.filter(action="import.rollback").count() == 1

    assert admin.get(url)["Location"] == reverse("tasks:import-batch", args=[imported.pk])
    again = admin.post(url, follow=True).content.decode()
    assert ALREADY_ROLLED_BACK.split("{")[0] in again


def test_the_mapping_page_comes_back_with_what_was_chosen(admin, load_podcast):
    upload_row = uploaded(admin)
    form = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    field = list_field(form, "Podcast episodes")
    dry_run(admin, upload_row.pk, **{field: "template:podcast", "keep_emails": "on"})
    again = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    assert again[field].value() == "template:podcast" and again["keep_emails"].value() is True
    upload_row.refresh_from_db()
    kinds = {r["kind"] for r in upload_row.preview["redactions"]}
    assert "email address" not in kinds and "trello token" in kinds


def test_a_list_whose_template_is_gone_asks_for_a_new_target(admin, load_podcast):
    upload_row = uploaded(admin)
    url = reverse("tasks:import-mapping", args=[upload_row.pk])
    field = list_field(admin.get(url).context["form"], "Podcast episodes")
    dry_run(admin, upload_row.pk, **{field: "template:podcast"})
    WorkflowTemplate.objects.filter(pk=load_podcast.pk).update(slug="podcast-renamed")
    html = admin.get(url).content.decode()
    # Not silently "Skip": the old target shows, disabled, with why and what to do.
    assert import_forms.TEMPLATE_GONE.format(slug="podcast") in html
    gone = re.search(r'<option value="template:podcast"([^>]*)>([^<]*)</option>', html)
    assert gone and set(gone[1].split()) == {"selected", "disabled"}
    assert gone[2] == import_forms.GONE_OPTION.format(slug="podcast")
    assert '<option value="template:podcast-renamed">' in html  # offered under its new name
    # A browser sends nothing for a disabled option: the form asks for a choice.
    as_it_comes = {k: v for k, v in form_defaults(admin, upload_row.pk).items() if k != field}
    refused = admin.post(url, as_it_comes)
    assert refused.status_code == 422
    assert import_forms.CHOOSE_TARGET in refused.content.decode()
    # Sent anyway, the gone target is refused by name.
    forced = admin.post(url, as_it_comes | {field: "template:podcast"})
    assert forced.status_code == 422 and "template:podcast" in forced.content.decode()
    chosen = dry_run(admin, upload_row.pk, **{field: "template:podcast-renamed"})
    assert chosen.status_code == 302


def test_a_template_gone_before_approval_is_reported_and_nothing_imported(admin, load_podcast):
    upload_row = uploaded(admin)
    form = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    dry_run(admin, upload_row.pk, **{list_field(form, "Podcast episodes"): "template:podcast"})
    WorkflowTemplate.objects.filter(pk=load_podcast.pk).update(slug="podcast-renamed")
    response = approve(admin, upload_row.pk)
    assert "The mapping names templates that do not exist: podcast." in response.content.decode()
    assert not ImportBatch.objects.exists() and not Workflow.objects.exists()
    upload_row.refresh_from_db()
    assert upload_row.approved_at is None and upload_row.raw


def test_batch_list_queries_do_not_grow_with_batches(admin, admin_user):
    def make(count: int) -> None:
        for n in range(count):
            ImportBatch.objects.create(
                source="trello", external_id=f"b{n}", name=f"Board {n}", created_by=admin_user
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert admin.get(reverse("tasks:import-list")).status_code == 200
        return len(context)

    make(1)
    queries()  # the session and the cached role lists
    one = queries()
    make(5)
    assert queries() == one


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_import_the_board_once(admin_user, operator):
    from django.test import Client

    from tasks.tests.conftest import concurrent_posts

    client = Client()
    client.force_login(admin_user)
    upload_row = uploaded(client)
    dry_run(client, upload_row.pk)
    url = reverse("tasks:import-approve", args=[upload_row.pk])
    responses = concurrent_posts(admin_user, url, count=4)
    batch = ImportBatch.objects.get()
    target = reverse("tasks:import-batch", args=[batch.pk])
    # Each click lands on the batch, at once or through the page waiting for the one run.
    run = JobRun.objects.get(kind="trello.import")
    waiting = f"{reverse('tasks:import-report', args=[upload_row.pk])}?run={run.pk}"
    assert {(r.status_code, r["Location"]) for r in responses} <= {(302, target), (302, waiting)}
    assert [follow(client, r).redirect_chain[-1][0] for r in responses] == [target] * 4
    assert Workflow.objects.count() == 29 and run.status == JobRun.Status.SUCCEEDED


def test_a_changed_task_keeps_its_workflow_and_the_preview_says_why(imported, operator):
    from tasks.services.import_rollback import import_rollback_preview

    task = Task.objects.filter(workflow__isnull=False, status="todo").order_by("pk").first()
    task_complete(task=task, by=operator)
    preview = import_rollback_preview(batch=imported)
    why = {row.row: row.why for row in preview.kept}
    assert why[task.workflow] == f"its task “{task.title}” changed since the import"
    assert why[task].startswith("changed since the import: completed by Grace Hopper")
    assert task.workflow not in preview.workflows and preview.removed["workflows"] == 28


# --- background jobs -----------------------------------------------------------------------------


def runs(kind: str) -> list[JobRun]:
    return list(JobRun.objects.filter(kind=kind).order_by("pk"))


def poll(client, url: str):
    """What the waiting page's hidden element asks (htmx, not a boosted navigation)."""
    return client.get(url, headers={"HX-Request": "true"})


def test_the_dry_run_waits_on_a_page_that_polls_then_shows_the_report(admin, admin_user):
    upload_row = uploaded(admin)
    data = form_defaults(admin, upload_row.pk)
    url = reverse("tasks:import-mapping", args=[upload_row.pk])
    with TestCase.captureOnCommitCallbacks() as queued:
        first = admin.post(url, data)
        second = admin.post(url, data)  # a double click joins the pending run
    [run] = runs("trello.dry-run")
    report_url = reverse("tasks:import-report", args=[upload_row.pk])
    check_url = f"{report_url}?run={run.pk}"
    assert first["Location"] == second["Location"] == check_url
    assert run.triggered_by == admin_user and run.status == JobRun.Status.QUEUED

    waiting = admin.get(check_url)
    page = waiting.content.decode()
    assert waiting.templates[0].name == "tasks/imports/waiting.html"
    assert "Dry run of “Operations board”" in page and f'id="job-status-{run.pk}"' in page
    assert f'hx-get="{check_url}"' in page and "dataops:job-settled from:body" in page
    assert poll(admin, check_url).status_code == 204  # not yet: the page keeps waiting
    assert "· dry run running" in admin.get(reverse("tasks:import-list")).content.decode()
    approving = admin.post(reverse("tasks:import-approve", args=[upload_row.pk]), follow=True)
    assert PREVIEW_FIRST in approving.content.decode()  # no report to approve yet

    for job in queued:
        job()
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and run.counts["cards"] == 66
    assert run.counts["cards_total"] == 66 and run.counts["workflows"] == 29
    settled = poll(admin, check_url)
    assert settled["HX-Redirect"] == report_url
    report = admin.get(check_url)  # without JavaScript, the page shows the report
    assert "Would create" in report.content.decode() and "Approve import" in report.content.decode()
    assert len(runs("trello.dry-run")) == 1 and not runs("trello.import")
    assert "· dry run ready" in admin.get(reverse("tasks:import-upload")).content.decode()
    assert admin.get(f"{report_url}?run=nonsense").status_code == 200  # no 500 on bad input


def test_the_import_waits_on_a_page_that_moves_on_to_the_batch(admin, previewed, admin_user):
    url = reverse("tasks:import-approve", args=[previewed.pk])
    with TestCase.captureOnCommitCallbacks() as queued:
        first = admin.post(url)
        second = admin.post(url)  # joins the pending run
    [run] = runs("trello.import")
    check_url = f"{reverse('tasks:import-report', args=[previewed.pk])}?run={run.pk}"
    assert first["Location"] == second["Location"] == check_url
    page = admin.get(check_url).content.decode()
    assert "Importing “Operations board”" in page and f'id="job-status-{run.pk}"' in page
    assert poll(admin, check_url).status_code == 204
    assert "· importing" in admin.get(reverse("tasks:import-list")).content.decode()
    mapping = admin.get(reverse("tasks:import-mapping", args=[previewed.pk]))
    assert mapping["Location"] == reverse("tasks:import-report", args=[previewed.pk])
    assert not ImportBatch.objects.exists()

    for job in queued:
        job()
    batch = ImportBatch.objects.get()
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and run.triggered_by == admin_user
    assert run.counts["cards"] == run.counts["cards_total"] == 66
    assert run.target_label == str(batch)
    settled = poll(admin, check_url)
    assert settled["HX-Redirect"] == reverse("tasks:import-batch", args=[batch.pk])
    landed = admin.get(settled["HX-Redirect"]).content.decode()
    assert f"as import #{batch.pk}" in landed
    assert approve(admin, previewed.pk).redirect_chain[-1][0] == settled["HX-Redirect"]
    assert len(runs("trello.import")) == 1 and len(runs("trello.dry-run")) == 1


def test_a_dry_run_failing_in_its_job_shows_on_the_mapping_page_and_keeps_nothing(
    admin, load_podcast
):
    upload_row = uploaded(admin)
    form = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    data = form_defaults(admin, upload_row.pk) | {
        list_field(form, "Podcast episodes"): "template:podcast"
    }
    with TestCase.captureOnCommitCallbacks() as queued:
        response = admin.post(reverse("tasks:import-mapping", args=[upload_row.pk]), data)
    # Gone meanwhile (templates with workflows cannot be deleted; renaming loses it too).
    WorkflowTemplate.objects.filter(pk=load_podcast.pk).update(slug="podcast-renamed")
    for job in queued:
        job()
    [run] = runs("trello.dry-run")
    assert run.status == JobRun.Status.FAILED
    settled = poll(admin, response["Location"])
    mapping_url = reverse("tasks:import-mapping", args=[upload_row.pk])
    assert settled["HX-Redirect"] == mapping_url
    page = admin.get(response["Location"], follow=True)
    assert page.redirect_chain == [(mapping_url, 302)]
    text = page.content.decode()
    assert "The dry run failed: The mapping names templates that do not exist: podcast." in text
    assert page.context["form"][list_field(form, "Podcast episodes")].value() == "template:podcast"
    upload_row.refresh_from_db()
    assert upload_row.preview == {} and upload_row.mapping is None
    assert not ImportBatch.objects.exists() and not Workflow.objects.exists()
    assert not Task.objects.exists()
    assert "· dry run failed" in admin.get(reverse("tasks:import-list")).content.decode()


def test_an_import_failing_in_its_job_shows_on_the_report_and_can_be_approved_again(
    admin, load_podcast
):
    upload_row = uploaded(admin)
    form = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    dry_run(admin, upload_row.pk, **{list_field(form, "Podcast episodes"): "template:podcast"})
    WorkflowTemplate.objects.filter(pk=load_podcast.pk).update(slug="podcast-renamed")
    page = approve(admin, upload_row.pk)
    [failed] = runs("trello.import")
    assert failed.status == JobRun.Status.FAILED
    assert page.redirect_chain[-1][0] == reverse("tasks:import-report", args=[upload_row.pk])
    text = page.content.decode()
    assert "The import failed: The mapping names templates that do not exist: podcast." in text
    assert failed.get_absolute_url() in text and "Approve import" in text
    assert not ImportBatch.objects.exists() and not Task.objects.exists()

    WorkflowTemplate.objects.filter(pk=load_podcast.pk).update(slug="podcast")
    again = approve(admin, upload_row.pk)
    batch = ImportBatch.objects.get()
    assert again.redirect_chain[-1][0] == reverse("tasks:import-batch", args=[batch.pk])
    assert [r.status for r in runs("trello.import")] == ["failed", "succeeded"]


def test_a_dry_run_for_a_mapping_changed_meanwhile_keeps_only_the_latest_report(admin):
    upload_row = uploaded(admin)
    form = admin.get(reverse("tasks:import-mapping", args=[upload_row.pk])).context["form"]
    url = reverse("tasks:import-mapping", args=[upload_row.pk])
    defaults = form_defaults(admin, upload_row.pk)
    with TestCase.captureOnCommitCallbacks() as queued:
        admin.post(url, defaults)
        admin.post(url, defaults | {list_field(form, "Backlog"): import_forms.SKIP})
    for job in queued:
        job()
    older, latest = runs("trello.dry-run")
    assert older.status == latest.status == JobRun.Status.SUCCEEDED
    upload_row.refresh_from_db()
    assert upload_row.preview_run == latest and "Backlog" not in upload_row.mapping["lists"]
    assert upload_row.preview["skipped"]["unselected_cards"] > 0


def test_trello_import_reports_its_progress_every_few_cards(admin_user, monkeypatch):
    from tasks.importers.mapping import Mapping
    from tasks.importers.trello import Redactor, load_json, parse_board
    from tasks.services import imports

    monkeypatch.setattr(imports, "PROGRESS_EVERY", 20)
    board = parse_board(load_json(SAMPLE.read_text()), Redactor())
    heard: list[tuple[int, int]] = []
    imports.trello_import(
        board=board,
        mapping=Mapping(),
        by=admin_user,
        dry_run=True,
        on_progress=lambda *a: heard.append(a),
    )
    assert heard == [(0, 66), (20, 66), (40, 66), (60, 66), (66, 66)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_counts_move_while_the_import_holds_its_transaction(admin_user, operator, monkeypatch):
    """Another connection (the page polling the run) sees the cards processed go up."""
    from django.db import connections
    from django.test import Client

    from tasks.services import imports

    client = Client()
    client.force_login(admin_user)
    upload_row = uploaded(client)
    dry_run(client, upload_row.pk)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 10)
    seen: list[int] = []
    other = connections.create_connection("default")
    take_card = imports._take_card

    def watched(run, card) -> None:
        take_card(run, card)
        with other.cursor() as cursor:
            cursor.execute("SELECT counts FROM dataops_jobrun WHERE kind = 'trello.import'")
            row = cursor.fetchone()
        counts = json.loads(row[0]) if row and isinstance(row[0], str) else row and row[0]
        seen.append((counts or {}).get("cards", -1))

    monkeypatch.setattr(imports, "_take_card", watched)
    try:
        client.post(reverse("tasks:import-approve", args=[upload_row.pk]))
    finally:
        other.close()
    assert ImportBatch.objects.exists()
    assert seen[0] == 0 and seen[-1] == 60 and sorted(seen) == seen
    assert {0, 10, 20, 30, 40, 50, 60} <= set(seen)
    assert JobRun.objects.get(kind="trello.import").counts["cards"] == 66


@pytest.mark.postgres
def test_the_import_goes_on_when_its_progress_cannot_be_written(admin, previewed, monkeypatch):
    """No connection to spare for the live counts: they show at the end, the import runs."""
    from django.db import connections

    from tasks import tasks as jobs

    def unreachable(alias):
        own = connections[alias]
        return type(own)(dict(own.settings_dict, PORT="1"), alias)

    monkeypatch.setattr(jobs.connections, "create_connection", unreachable)
    page = approve(admin, previewed.pk)
    batch = ImportBatch.objects.get()
    assert page.redirect_chain[-1][0] == reverse("tasks:import-batch", args=[batch.pk])
    [run] = runs("trello.import")
    assert run.status == JobRun.Status.SUCCEEDED and run.counts["cards"] == 66
