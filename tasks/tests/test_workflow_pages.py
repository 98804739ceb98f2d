"""Workflow list, workflow page (slots inline, stage, archive), start form, templates."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks import messages, services
from tasks.models import Workflow, WorkflowTemplate
from tasks.services import templates_load
from tasks.tests.conftest import days, ref, write

pytestmark = pytest.mark.django_db
# A warm visit: user (with the unread count), workflow, slots, tasks, history, references
# (role and the tasks' instruction-doc links come from the cache).
WORKFLOW_PAGE_QUERIES = 6


def detail(workflow) -> str:
    return reverse("tasks:workflow-detail", args=[workflow.pk])


def test_workflow_page_shows_progress_risk_phases_slots_and_history(
    operator_client, start_podcast, operator, today
):
    workflow = start_podcast(today + days(17), title="Podcast: the page")
    services.task_complete(
        task=ref(workflow, "obtain-speaker-email"),
        by=operator,
        proof=services.ProofInput(url="https://mail.example/ana"),
    )
    response = operator_client.get(detail(workflow))
    assert response.status_code == 200
    page = response.context["page"]
    assert (page.done, page.total, page.risk.level) == (1, 42, "high")
    assert [group.title for group in page.phases][:3] == [
        "Guest intake",
        "Prep document",
        "Event setup",
    ]
    html = response.content.decode()
    assert "Podcast: the page" in html and "1</strong> of 42 tasks done" in html
    assert "https://mail.example/ana" in html  # the Guest email slot, filled by the proof
    assert "completed" in html and "started the workflow" in html
    assert 'aria-current="step"><span class="stage-label">Preparation' in html


def test_a_slot_is_edited_inline_and_bad_links_are_refused(operator_client, start_podcast, today):
    workflow = start_podcast(today + days(17))
    slot = workflow.link_slots.get(name="Luma")
    url = reverse("tasks:workflow-slot", args=[workflow.pk, slot.pk])
    editor = operator_client.get(url + "?edit=1", HTTP_HX_REQUEST="true")
    assert 'name="url"' in editor.content.decode()
    bad = operator_client.post(url, {"url": "javascript:alert(1)"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and messages.URL_NOT_HTTP in bad.content.decode()
    good = operator_client.post(url, {"url": "https://lu.ma/ok"}, HTTP_HX_REQUEST="true")
    assert good.status_code == 200
    html = good.content.decode()
    assert "https://lu.ma/ok" in html and 'id="wf-summary"' in html and "saved" in html
    slot.refresh_from_db()
    assert slot.url == "https://lu.ma/ok"
    plain = operator_client.post(url, {"url": ""})
    assert plain.status_code == 302 and plain["Location"] == detail(workflow)
    assert operator_client.get(url).status_code == 200  # the page of its own, without JS


def test_a_slot_of_another_workflow_is_404(operator_client, start_podcast, today):
    one, two = start_podcast(today), start_podcast(today)
    slot = two.link_slots.first()
    url = reverse("tasks:workflow-slot", args=[one.pk, slot.pk])
    assert operator_client.get(url).status_code == 404


def test_manual_stage_change_needs_a_comment(operator_client, start_podcast, today):
    workflow = start_podcast(today)
    url = reverse("tasks:workflow-stage", args=[workflow.pk])
    response = operator_client.post(url, {"stage": "announced", "comment": ""}, follow=True)
    assert messages.STAGE_NEEDS_COMMENT in response.content.decode()
    operator_client.post(url, {"stage": "announced", "comment": "announced on Slack by hand"})
    workflow.refresh_from_db()
    assert workflow.stage == "announced"
    bad = operator_client.post(url, {"stage": "launched", "comment": "x"}, follow=True)
    assert bad.status_code == 200


def test_archive_from_the_page(operator_client, start_podcast, today):
    workflow = start_podcast(today)
    response = operator_client.post(
        reverse("tasks:workflow-archive", args=[workflow.pk]), follow=True
    )
    assert "archived with its open tasks" in response.content.decode()
    workflow.refresh_from_db()
    assert workflow.status == "archived"
    again = operator_client.post(reverse("tasks:workflow-archive", args=[workflow.pk]), follow=True)
    assert messages.WORKFLOW_ALREADY_ARCHIVED in again.content.decode()


def test_completing_in_place_on_the_workflow_page_updates_phases_and_summary(
    operator_client, start_podcast, today
):
    workflow = start_podcast(today + days(14))
    task = ref(workflow, "announce-event-slack")
    response = operator_client.post(
        reverse("tasks:task-complete", args=[task.pk]),
        {"ctx": "workflow", "lane": "wf", "version": task.version, "note": "Posted"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        'id="wf-board"' in html
        and 'id="wf-summary" class="card wf-summary" hx-swap-oob="true"' in html
    )
    assert 'aria-current="step"><span class="stage-label">Announced' in html


# --- list ----------------------------------------------------------------------------------


def test_workflow_list_filters(operator_client, start_podcast, today, operator):
    late = start_podcast(today - days(10), title="Late one")
    calm = start_podcast(today + days(60), title="Calm one")
    gone = start_podcast(today + days(60), title="Gone one")
    services.workflow_archive(workflow=gone, by=operator)

    def titles(query=""):
        response = operator_client.get(reverse("tasks:workflow-list") + query)
        assert response.status_code == 200
        return [w.title for w in response.context["page_obj"]]

    assert titles() == ["Late one", "Calm one"]
    assert titles("?risk=high") == ["Late one"]
    assert titles("?risk=none") == ["Calm one"]
    assert titles("?status=archived") == ["Gone one"]
    assert titles("?template=podcast&stage=preparation&status=all") == [
        "Late one",
        "Calm one",
        "Gone one",
    ]
    assert titles("?template=nope&risk=weird&page=999") == ["Late one", "Calm one"]
    assert calm.pk and late.pk


def test_workflow_list_shows_each_workflows_progress_in_constant_queries(
    operator_client, start_podcast, today, operator
):
    first = start_podcast(today + days(20), title="First")
    services.task_complete(
        task=ref(first, "obtain-speaker-email"),
        by=operator,
        proof=services.ProofInput(url="https://mail.example/ana"),
    )
    url = reverse("tasks:workflow-list")
    operator_client.get(url)  # fills the cached lists

    def view():
        with CaptureQueriesContext(connection) as captured:
            response = operator_client.get(url)
        return response, len(captured)

    response, one = view()
    assert [(w.title, w.done, w.total) for w in response.context["page_obj"]] == [("First", 1, 42)]
    assert "1/42" in response.content.decode()
    start_podcast(today + days(30), title="Second")
    start_podcast(today + days(40), title="Third")
    response, three = view()
    assert [(w.title, w.done, w.total) for w in response.context["page_obj"]] == [
        ("First", 1, 42),
        ("Second", 0, 42),
        ("Third", 0, 42),
    ]
    assert three == one


def test_empty_workflow_list_invites_to_start_one(operator_client):
    html = operator_client.get(reverse("tasks:workflow-list")).content.decode()
    assert "No workflows yet" in html and reverse("tasks:workflow-start") in html


# --- start form ------------------------------------------------------------------------------


def test_start_form_suggests_a_title_and_starts_with_slots(operator_client, load_podcast):
    url = reverse("tasks:workflow-start")
    preview = operator_client.get(url + "?template=podcast&anchor_date=2026-12-10")
    html = preview.content.decode()
    assert "42 tasks" in html and "Podcast: 2026-12-10" in html
    assert 'name="title_topic"' in html and 'name="title_guest"' in html
    fields = operator_client.get(
        url + "?partial=fields&template=podcast&anchor_date=2026-12-10", HTTP_HX_REQUEST="true"
    )
    assert fields.content.decode().lstrip().startswith('<div id="start-fields">')
    slot_key = next(
        k
        for k in preview.context["form"].fields
        if getattr(preview.context["form"].fields[k], "slot_name", "") == "Guest email"
    )
    response = operator_client.post(
        url,
        {
            "start_key": preview.context["form"].initial["start_key"],
            "template": "podcast",
            "anchor_date": "2026-12-10",
            "title_topic": "Data contracts",
            "title_guest": "Ana",
            slot_key: "https://mail.example/ana",
        },
    )
    workflow = Workflow.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(workflow)
    assert workflow.title == "Podcast: 2026-12-10 - Data contracts - Ana"
    assert workflow.link_slots.get(name="Guest email").url == "https://mail.example/ana"


@pytest.mark.parametrize(
    "query",
    [
        "?template=podcast&anchor_date=9999-12-31",
        "?template=podcast&anchor_date=0001-01-01",
        "?template=podcast&anchor_date=garbage",
        "?template=nope&anchor_date=2026-12-10",
        "?template=podcast&title_topic=x&slot_3=not-a-url",
    ],
)
def test_start_form_previews_never_500(operator_client, load_podcast, query):
    url = reverse("tasks:workflow-start") + query
    assert operator_client.get(url).status_code == 200
    assert operator_client.get(url + "&partial=fields", HTTP_HX_REQUEST="true").status_code == 200


def test_start_form_keeps_what_was_typed_when_the_anchor_changes(operator_client, load_podcast):
    html = operator_client.get(
        reverse("tasks:workflow-start") + "?partial=fields&template=podcast"
        "&anchor_date=2026-12-10&title_topic=Data%20contracts",
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'value="Data contracts"' in html
    assert "Podcast: 2026-12-10 - Data contracts" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"template": "", "anchor_date": "2026-12-10"}, "This field is required."),
        ({"template": "nope", "anchor_date": "2026-12-10"}, "Select a valid choice."),
        ({"template": "podcast", "anchor_date": ""}, "Pick a date."),
        ({"template": "podcast", "anchor_date": "2026-13-45"}, "Enter a real date"),
        ({"template": "podcast", "anchor_date": "2399-01-01"}, "Pick an anchor date between"),
        (
            {"template": "podcast", "anchor_date": "2026-12-10", "slot_0": "ftp://x"},
            messages.URL_NOT_HTTP,
        ),
    ],
)
def test_start_form_bad_input_shows_field_errors(operator_client, load_podcast, data, error):
    response = operator_client.post(
        reverse("tasks:workflow-start"), {"start_key": str(uuid.uuid4()), **data}
    )
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not Workflow.objects.exists()


def test_templates_pages(operator_client, load_podcast):
    listing = operator_client.get(reverse("tasks:template-list")).content.decode()
    assert "Podcast" in listing and "42 tasks" in listing
    page = operator_client.get(reverse("tasks:template-detail", args=["podcast"]))
    html = page.content.decode()
    assert "create-event-luma" in html and "sop.media.podcast.create-podcast-document" in html
    assert operator_client.get(reverse("tasks:template-detail", args=["nope"])).status_code == 404


# --- query count ------------------------------------------------------------------------------


def _template_with(tmp_path, n: int) -> WorkflowTemplate:
    tasks = "\n".join(
        f"  - {{ref: t{i}, title: Task {i}, offset: {i - n // 2}, phase: all, doc: sop.x{i % 3}"
        + (", proof: {kind: url, label: Luma}}" if i % 4 == 0 else "}")
        for i in range(n)
    )
    text = (
        f"slug: gen-{n}\nname: Generated {n}\nphases: [{{slug: all, title: All}}]\n"
        f"link_slots: [Luma]\nreferences: [{{title: R, url: 'https://r.example'}}]\n"
        f"tasks:\n{tasks}\n"
    )
    templates_load(paths=[write(tmp_path, f"gen-{n}.yaml", text)])
    return WorkflowTemplate.objects.get(slug=f"gen-{n}")


def _page_queries(client, workflow) -> int:
    """A visit's queries once the cached role lists are filled."""
    client.get(detail(workflow))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(workflow)).status_code == 200
    return len(queries)


def test_workflow_page_query_count_is_the_same_for_5_and_55_tasks(
    operator_client, operator, today, tmp_path
):
    counts = []
    for n in (5, 55):
        workflow = services.workflow_start(
            template=_template_with(tmp_path, n), anchor_date=today, by=operator
        )
        first = workflow.tasks.order_by("due_date").first()
        services.task_complete(
            task=first, by=operator, proof=services.ProofInput(url="https://x.example")
        )
        counts.append(_page_queries(operator_client, workflow))
    assert counts == [WORKFLOW_PAGE_QUERIES, WORKFLOW_PAGE_QUERIES]
