"""Operations Home: lanes, counts, scope, in-place actions, quick create, query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks import messages, services
from tasks.demo import sample_proof
from tasks.home_selectors import LANE_LIMIT
from tasks.models import Task, WorkflowTemplate
from tasks.services import templates_load
from tasks.tests.conftest import days, ref, write

pytestmark = pytest.mark.django_db
# A warm visit: user (with the unread count), lanes (windowed pick + rows), slots, risk
# aggregate (with what the at-risk list shows). Session, roles, people, templates (quick
# create) and the rows' instruction-doc links come from the cache. The sixth and seventh: the
# counters other apps add (settings.HOME_COUNTERS: the podcast's intake to triage and its
# drafts waiting for approval, one COUNT each).
HOME_QUERIES = 7


def lane_ids(response, lane: str) -> list[int]:
    board = response.context["board"]
    return [task.pk for task in next(lane_ for lane_ in board.lanes if lane_.key == lane).tasks]


@pytest.fixture
def day(make_task, operator, today, start_podcast, settings, tmp_path):
    """One task per lane plus a podcast whose Luma task is due today (all before it done,
    except the banner, which is late)."""
    settings.MEDIA_ROOT = tmp_path
    workflow = start_podcast(today + days(17))
    for task in workflow.tasks.filter(due_date__lt=today).exclude(
        template_ref="create-banner-figma"
    ):
        services.task_complete(task=task, by=operator, proof=sample_proof(task))
    waiting = services.task_mark_waiting(
        task=make_task("Chase Ana"), by=operator, waiting_for="Ana", follow_up_date=today
    )
    parked = services.task_mark_waiting(
        task=make_task("Parked"), by=operator, waiting_for="Bo", follow_up_date=today + days(3)
    )
    return {
        "overdue": make_task("Late", due=today - days(2)),
        "today": make_task("Now", due=today),
        "upcoming": make_task("Soon", due=today + days(3)),
        "later": make_task("Much later", due=today + days(30)),
        "waiting": waiting,
        "parked": parked,
        "workflow": workflow,
        "luma": ref(workflow, "create-event-luma"),
    }


def test_home_shows_each_task_in_its_lane(operator_client, day):
    response = operator_client.get("/")
    assert response.status_code == 200
    assert day["overdue"].pk in lane_ids(response, "overdue")
    assert {day["today"].pk, day["luma"].pk} <= set(lane_ids(response, "today"))
    assert lane_ids(response, "follow_ups") == [day["waiting"].pk]
    assert lane_ids(response, "waiting") == [day["parked"].pk]
    assert day["upcoming"].pk in lane_ids(response, "upcoming")
    assert day["luma"].pk in lane_ids(response, "missing_proof")
    assert day["later"].pk not in sum(
        (lane_ids(response, k) for k in ("overdue", "today", "upcoming")), []
    )
    page = response.content.decode()
    assert "Add the “Luma” link, then complete." in page
    assert "Follow up with Ana." in page
    assert response.context["board"].counts["follow_ups"] == 1


def test_at_risk_workflows_follow_the_rule(operator_client, day, operator, today):
    risky = {w.pk: w.risk for w in operator_client.get("/").context["board"].risky}
    assert risky[day["workflow"].pk].level == "high"  # its tasks before today are overdue
    assert any("overdue" in reason for reason in risky[day["workflow"].pk].reasons)


def test_operators_see_theirs_and_unassigned_admins_can_see_everyone(
    client, day, make_user, admin_user, make_task, today
):
    olga = make_user("olga")
    theirs = make_task("Olga's", due=today, assignee=olga)
    unassigned = make_task("Anyone's", due=today, assignee=None)
    client.force_login(day["today"].assignee)
    mine = lane_ids(client.get("/?scope=everyone"), "today")  # operators cannot widen it
    assert unassigned.pk in mine and theirs.pk not in mine
    client.force_login(admin_user)
    assert theirs.pk not in lane_ids(client.get("/"), "today")
    everyone = client.get("/?scope=everyone")
    assert theirs.pk in lane_ids(everyone, "today")
    assert 'aria-current="true">Everyone' in everyone.content.decode()


def test_a_lane_shows_its_first_tasks_by_date_and_counts_them_all(
    operator_client, make_task, make_user, today
):
    soon = [make_task(f"Soon {i}", due=today + days(3 - i % 3), position=i % 2) for i in range(10)]
    soon.append(make_task("Anyone's", due=today + days(2), assignee=None))
    make_task("Olga's", due=today + days(1), assignee=make_user("olga"))
    lane = next(
        lane for lane in operator_client.get("/").context["board"].lanes if lane.key == "upcoming"
    )
    first = sorted(soon, key=lambda task: (task.due_date, task.position, task.pk))[:LANE_LIMIT]
    assert [task.pk for task in lane.tasks] == [task.pk for task in first]
    assert (lane.count, lane.more) == (11, 11 - LANE_LIMIT)


def test_a_task_missing_only_a_required_link_is_missing_proof(operator_client, make_task, today):
    recap = make_task("Post the recap", due=today + days(1), required_slots=["Recording"])
    make_task("Nothing to prove", due=today + days(1))
    response = operator_client.get("/")
    assert lane_ids(response, "missing_proof") == [recap.pk]
    assert "Add the “Recording” link, then complete." in response.content.decode()


def test_a_new_installation_shows_a_welcome_empty_state(operator_client):
    page = operator_client.get("/").content.decode()
    assert "Nothing needs action right now" in page
    assert "Start a workflow" in page


def test_outsiders_get_a_page_explaining_they_have_no_role(client, outsider, day):
    client.force_login(outsider)
    response = client.get("/")
    assert response.status_code == 200
    assert "Your account has no role yet" in response.content.decode()
    assert "Late" not in response.content.decode()


# --- in place ------------------------------------------------------------------------------


def post_in_place(client, task, action, **data):
    return client.post(
        reverse(f"tasks:task-{action}", args=[task.pk]),
        {"ctx": "home", "lane": "today", "version": task.version, **data},
        HTTP_HX_REQUEST="true",
    )


def test_completing_in_place_returns_the_lanes_without_the_row_and_new_counts(operator_client, day):
    task = day["today"]
    response = post_in_place(operator_client, task, "complete")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="row-today-{task.pk}"' not in html
    assert 'id="home-counts" class="home-counts" aria-label="Counts" hx-swap-oob="true"' in html
    assert 'id="messages"' in html and "Done: “Now”." in html and ">Undo</button>" in html
    task.refresh_from_db()
    assert task.status == "done"


def test_undo_in_the_toast_reopens_the_task(operator_client, day):
    import re

    task = day["today"]
    html = post_in_place(operator_client, task, "complete").content.decode()
    undo = re.search(
        r'<form method="post" class="inline-form" action="([^"]+)".*?'
        r'name="version" value="(\d+)"',
        html,
        re.S,
    )
    assert undo.group(1) == reverse("tasks:task-reopen", args=[task.pk])
    response = operator_client.post(
        undo.group(1),
        {"version": undo.group(2), "ctx": "home", "lane": "today"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="row-today-{task.pk}"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == "todo"


def test_a_refused_completion_reopens_the_row_with_the_proof_prompt(operator_client, day):
    task = day["luma"]
    response = post_in_place(operator_client, task, "complete")
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#row-today-{task.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "Add the “Luma” link before completing." in html
    assert 'name="url"' in html and "“Luma” link" in html
    response = post_in_place(operator_client, task, "complete", url="https://lu.ma/demo")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.status == "done"
    assert day["workflow"].link_slots.get(name="Luma").url == "https://lu.ma/demo"


def test_marking_waiting_in_place_moves_the_row_to_waiting(operator_client, day, today):
    task = day["today"]
    response = post_in_place(
        operator_client,
        task,
        "wait",
        waiting_for="Venue",
        follow_up_date=(today + days(2)).isoformat(),
    )
    html = response.content.decode()
    assert f'id="row-waiting-{task.pk}"' in html
    assert f'id="row-today-{task.pk}"' not in html


@pytest.mark.parametrize(
    ("action", "data", "error"),
    [
        ("wait", {"waiting_for": "Venue", "follow_up_date": "2026-02-30"}, "Enter a real date"),
        ("wait", {"waiting_for": "", "follow_up_date": "2030-01-01"}, messages.WAIT_NEEDS_WHO),
        ("snooze", {"until": "not a date", "reason": "x"}, "Enter a real date"),
        ("snooze", {"until": "", "reason": "x"}, "Pick a date."),
        ("complete", {"version": "1", "url": "javascript:alert(1)"}, messages.URL_NOT_HTTP),
    ],
)
def test_bad_input_in_place_is_shown_on_the_row(operator_client, day, action, data, error):
    task = day["luma"] if action == "complete" else day["today"]
    response = post_in_place(operator_client, task, action, **data)
    assert response.status_code == 422
    assert error in response.content.decode()


def test_a_stale_version_in_place_says_reload(operator_client, day, operator):
    task = day["today"]
    services.task_edit(task=task, by=operator, title="Changed meanwhile")
    response = post_in_place(operator_client, task, "complete", version=1)
    assert response.status_code == 422
    assert messages.STALE in response.content.decode()


def test_without_javascript_actions_redirect_back_and_refusals_get_a_page(operator_client, day):
    task = day["luma"]
    url = reverse("tasks:task-complete", args=[task.pk])
    response = operator_client.post(url, {"ctx": "home", "next": "/", "version": task.version})
    assert response.status_code == 422
    assert "Add the “Luma” link before completing." in response.content.decode()
    assert b'action="' + url.encode() in response.content
    response = operator_client.post(
        url, {"ctx": "home", "next": "/", "url": "https://lu.ma/x", "version": task.version}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_next_never_redirects_off_site(operator_client, day):
    task = day["today"]
    response = operator_client.post(
        reverse("tasks:task-complete", args=[task.pk]),
        {"next": "https://evil.example/", "version": task.version},
    )
    assert response["Location"] == task.get_absolute_url()


def test_quick_create_adds_a_task_to_the_lanes(operator_client, today, operator):
    response = operator_client.post(
        reverse("tasks:task-create"),
        {
            "ctx": "home",
            "title": "Buy stamps",
            "due_date": today.isoformat(),
            "assignee": str(operator.pk),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    task = Task.objects.get(title="Buy stamps")
    assert f'id="row-today-{task.pk}"' in response.content.decode()
    assert task.history.get().action == "created"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "", "due_date": "2026-01-01"}, messages.TITLE_REQUIRED),
        ({"title": "x", "due_date": "31/31/2026"}, "Enter a real date"),
        ({"title": "x", "due_date": "2999-01-01"}, "Pick a date between"),
    ],
)
def test_quick_create_bad_input_is_shown_on_the_form(operator_client, data, error):
    response = operator_client.post(
        reverse("tasks:task-create"), {"ctx": "home", **data}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#quick-task"
    assert error in response.content.decode()
    assert not Task.objects.exists()


# --- query count ------------------------------------------------------------------------------


def _grow(make_task, operator, today, n: int) -> None:
    for i in range(n):
        task = make_task(f"Task {i}", due=today + days(i % 9 - 3))
        if i % 5 == 0:
            services.task_mark_waiting(
                task=task, by=operator, waiting_for="X", follow_up_date=today + days(i % 3)
            )


def _home_queries(client) -> int:
    """A visit's queries once the cached lists (roles, people, templates) are filled."""
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


SMALL = """
slug: small
name: Small
phases: [{slug: all, title: All}]
link_slots: [Luma]
tasks:
  - {ref: a, title: A, offset: -2, phase: all, doc: sop.a}
  - {ref: b, title: B, offset: 0, phase: all, proof: {kind: url, label: Luma}}
  - {ref: c, title: C, offset: 1, phase: all}
"""


def test_home_query_count_does_not_grow_with_the_data(
    operator_client, make_task, operator, today, start_podcast, tmp_path
):
    report = templates_load(paths=[write(tmp_path, "small.yaml", SMALL)])
    services.workflow_start(
        template=WorkflowTemplate.objects.get(slug=report.results[0].slug),
        anchor_date=today,
        by=operator,
    )
    _grow(make_task, operator, today, 2)
    assert Task.objects.count() == 5
    small = _home_queries(operator_client)
    for offset in (-5, 3, 17):
        start_podcast(today + days(offset))
    _grow(make_task, operator, today, 50)
    assert Task.objects.count() > 150
    assert _home_queries(operator_client) == small == HOME_QUERIES


def test_small_forms_open_inside_the_row(operator_client, day):
    task = day["today"]
    url = reverse("tasks:task-wait", args=[task.pk]) + "?ctx=home&lane=today&next=/"
    html = operator_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<form class="row-form"')
    assert 'name="waiting_for"' in html and 'name="follow_up_date"' in html
    assert f'hx-post="{reverse("tasks:task-wait", args=[task.pk])}"' in html
    page = operator_client.get(url).content.decode()  # without JavaScript: a page of its own
    assert "<h1>Mark waiting</h1>" in page
