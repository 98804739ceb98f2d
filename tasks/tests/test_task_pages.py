"""Task list (filters, paging, query count) and task page (doc panel, actions, history)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from docs_app import api as docs_api
from docs_app.api import DocLink
from tasks import messages, services
from tasks.models import Task
from tasks.tests.conftest import days, ref

pytestmark = pytest.mark.django_db
# A warm visit: user (with the unread count), count, rows, slots (the rows' instruction-doc
# links come from the cache once resolved).
TASK_LIST_QUERIES = 4
LIST = reverse("tasks:task-list")


def titles(client, query: str = "") -> list[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return [task.title for task in response.context["page_obj"]]


def test_task_list_filters(operator_client, make_task, make_user, operator, today, start_podcast):
    olga = make_user("olga")
    make_task("Mine late", due=today - days(1))
    make_task("Olga's today", due=today, assignee=olga)
    make_task("Nobody's", due=today + days(2), assignee=None)
    waiting = services.task_mark_waiting(
        task=make_task("Waiting one", due=today + days(9)),
        by=operator,
        waiting_for="Ana",
        follow_up_date=today,
    )
    workflow = start_podcast(today + days(100))
    assert titles(operator_client, "?q=late") == ["Mine late"]
    assert titles(operator_client, f"?assignee={olga.pk}") == ["Olga's today"]
    assert titles(operator_client, "?assignee=none&source=manual") == ["Nobody's"]
    assert set(titles(operator_client, "?assignee=mine&source=manual")) == {
        "Mine late",
        "Nobody's",
        "Waiting one",
    }
    assert titles(operator_client, "?status=waiting&due=follow_up") == [waiting.title]
    assert titles(operator_client, "?due=overdue&source=manual") == ["Mine late"]
    assert titles(operator_client, "?due=today") == ["Olga's today"]
    assert titles(operator_client, f"?due_from={today}&due_to={today + days(3)}") == [
        "Olga's today",
        "Nobody's",
    ]
    assert len(titles(operator_client, f"?workflow={workflow.pk}")) == 42
    assert titles(operator_client, "?source=template&q=Actual") == ["Actual stream"]


@pytest.mark.parametrize(
    "query",
    [
        "?due_from=2026-02-30",
        "?due_to=yesterday",
        "?due_from=2026-05-01&due_to=2026-04-01",
        "?status=bogus",
        "?assignee=999999",
        "?workflow=abc",
        "?page=-3",
        "?page=zzz",
    ],
)
def test_bad_filters_never_500(operator_client, make_task, query):
    make_task()
    response = operator_client.get(LIST + query)
    assert response.status_code == 200


def test_an_invalid_date_filter_is_shown_on_its_field(operator_client, make_task):
    make_task()
    html = operator_client.get(LIST + "?due_from=2026-05-01&due_to=2026-04-01").content.decode()
    assert "“Due until” is before “Due from”." in html


def test_task_list_pages_by_50(operator_client, make_task, today):
    for i in range(55):
        make_task(f"T{i:02}", due=today)
    assert len(titles(operator_client)) == 50
    assert len(titles(operator_client, "?page=2")) == 5


def test_task_list_empty_states(operator_client, make_task):
    assert "No tasks yet" in operator_client.get(LIST).content.decode()
    make_task()
    assert "No tasks match these filters" in operator_client.get(LIST + "?q=zzz").content.decode()


def test_task_list_opens_on_open_work_and_any_status_shows_the_rest(
    operator_client, make_task, operator, today
):
    done = make_task("Old and done", due=today - days(30))
    services.task_complete(task=done, by=operator)
    make_task("Still to do", due=today)
    assert titles(operator_client) == ["Still to do"]
    html = operator_client.get(LIST).content.decode()
    assert '<option value="open" selected>' in html and ">Clear</a>" not in html
    assert titles(operator_client, "?status=") == ["Old and done", "Still to do"]
    assert titles(operator_client, "?page=1") == ["Still to do"]
    services.task_complete(task=Task.objects.get(title="Still to do"), by=operator)
    html = operator_client.get(LIST).content.decode()
    assert "Nothing open" in html and 'href="/tasks/?status="' in html


def test_task_list_htmx_returns_only_the_results(operator_client, make_task):
    make_task()
    html = operator_client.get(LIST + "?q=venue", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="task-results">')


def _list_queries(client) -> int:
    """A visit's queries once the cached lists (roles, people) are filled."""
    client.get(LIST + "?status=open&assignee=mine")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST + "?status=open&assignee=mine").status_code == 200
    return len(queries)


def test_task_list_query_count_is_the_same_for_5_and_55_rows(
    operator_client, make_task, start_podcast, today
):
    start_podcast(today)
    Task.objects.filter(workflow__isnull=False).exclude(
        template_ref__in=["create-event-luma", "actual-stream", "obtain-speaker-email"]
    ).update(status="archived")
    make_task("one")
    make_task("two")
    small = _list_queries(operator_client)
    start_podcast(today + days(3))
    for i in range(12):
        make_task(f"more {i}")
    assert _list_queries(operator_client) == small == TASK_LIST_QUERIES


# --- task page ----------------------------------------------------------------------------


def test_task_page_shows_details_proof_history_and_an_unavailable_doc(
    operator_client, start_podcast, today, monkeypatch
):
    monkeypatch.setattr(
        docs_api, "doc_links", lambda refs: {r: DocLink(r, r, "", False) for r in refs}
    )
    monkeypatch.setattr(docs_api, "render_doc_panel", lambda ref, step_id=None: None)
    task = ref(start_podcast(today + days(23)), "add-guest-as-editor")
    html = operator_client.get(task.get_absolute_url()).content.decode()
    assert "Add the Guest as an Editor on the podcast document" in html
    assert "The instruction doc is unavailable" in html
    assert "sop.media.podcast.create-podcast-document</code> (step 6)" in html
    assert "Open the SOP" not in html
    assert "created" in html and "From the “Podcast” template." in html


def test_task_page_shows_the_doc_beside_it_with_a_way_back(
    operator_client, start_podcast, today, monkeypatch
):
    monkeypatch.setattr(
        docs_api,
        "doc_links",
        lambda refs: {
            r: DocLink(r, "Create a podcast document", f"/docs/id/{r}/", True) for r in refs
        },
    )
    calls = []

    def panel(ref, step_id=None):
        calls.append((ref, step_id))
        return '<ol><li class="is-linked-step">Share with the guest</li></ol>'

    monkeypatch.setattr(docs_api, "render_doc_panel", panel)
    task = ref(start_podcast(today + days(23)), "add-guest-as-editor")
    html = operator_client.get(task.get_absolute_url()).content.decode()
    assert calls == [("sop.media.podcast.create-podcast-document", "6")]
    assert '<li class="is-linked-step">Share with the guest</li>' in html
    assert (
        f'href="/docs/id/sop.media.podcast.create-podcast-document/?from_task={task.pk}'
        f'#step-6">Open the SOP</a>'
    ) in html


@pytest.mark.parametrize(
    "action",
    [
        "complete",
        "resolve",
        "wait",
        "follow-up",
        "response",
        "snooze",
        "reassign",
        "not-applicable",
        "reopen",
        "proof",
        "proof-file",
        "comment",
        "edit",
    ],
)
def test_every_action_has_a_page_of_its_own(operator_client, make_task, action):
    task = make_task()
    response = operator_client.get(reverse(f"tasks:task-{action}", args=[task.pk]))
    assert response.status_code == 200
    assert b'method="post"' in response.content


@pytest.mark.parametrize(
    ("action", "data", "error"),
    [
        ("snooze", {"until": "2026-02-31", "reason": "x"}, "Enter a real date"),
        ("snooze", {"until": "2026-12-01"}, messages.SNOOZE_NEEDS_REASON),
        (
            "wait",
            {"waiting_for": "Ana", "follow_up_date": "1999-01-01"},
            messages.FOLLOW_UP_IN_PAST,
        ),
        ("reassign", {"assignee": "424242"}, "Select a valid choice"),
        ("not-applicable", {"reason": "because"}, messages.NA_NOT_ALLOWED),
        ("proof", {"url": "mailto:a@b.c"}, messages.URL_NOT_HTTP),
        ("proof", {}, messages.NOTHING_TO_SAVE),
        ("edit", {"title": "x", "due_date": "tomorrow"}, "Enter a real date"),
        ("edit", {"title": "", "due_date": "2026-12-01"}, "This field is required."),
        ("comment", {"text": ""}, messages.COMMENT_EMPTY),
        ("follow-up", {"next_follow_up": "2026-12-01"}, messages.NOT_WAITING),
        ("complete", {"version": "abc"}, messages.VERSION_MISSING),
    ],
)
def test_bad_input_on_action_pages_is_shown_never_500(
    operator_client, make_task, action, data, error
):
    task = make_task()
    response = operator_client.post(
        reverse(f"tasks:task-{action}", args=[task.pk]), {"version": task.version, **data}
    )
    assert response.status_code == 422
    assert error in response.content.decode()


def test_edit_with_a_stale_version_says_reload(operator_client, make_task, operator):
    task = make_task()
    services.task_edit(task=task, by=operator, title="Someone else's title")
    response = operator_client.post(
        reverse("tasks:task-edit", args=[task.pk]),
        {"version": 1, "title": "Mine", "due_date": task.due_date.isoformat()},
    )
    assert response.status_code == 422
    assert messages.STALE in response.content.decode()
    task.refresh_from_db()
    assert task.title == "Someone else's title"


def test_task_page_actions_redirect_back_to_the_task(operator_client, make_task, today):
    task = make_task()
    response = operator_client.post(
        reverse("tasks:task-snooze", args=[task.pk]),
        {
            "version": 1,
            "ctx": "task",
            "next": task.get_absolute_url(),
            "until": (today + days(2)).isoformat(),
            "reason": "waiting for the venue",
        },
    )
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    page = operator_client.get(response["Location"]).content.decode()
    assert "snoozed" in page and "waiting for the venue" in page


def test_unknown_tasks_are_404(operator_client):
    assert operator_client.get(reverse("tasks:task-detail", args=[999999])).status_code == 404
    assert operator_client.post(reverse("tasks:task-complete", args=[999999])).status_code == 404


def test_rows_escape_what_people_typed(operator_client, make_task, make_user, today):
    """The row is a Jinja2 template: it must escape like every Django one."""
    mallory = make_user("mallory", first_name="<img src=x onerror=alert(2)>")
    make_task("<script>alert(1)</script> & co", due=today, assignee=mallory)
    for url in (LIST, "/?scope=everyone"):
        html = operator_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    html = operator_client.get(LIST).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
