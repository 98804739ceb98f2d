"""Starting a workflow once: the start form's key makes a resubmit return the first result,
and a second workflow of the same template and anchor date is only started on request."""

import re
import uuid

import pytest
from django.urls import reverse

from tasks import messages
from tasks.models import Task, Workflow
from tasks.tests.conftest import concurrent_posts

START = reverse("tasks:workflow-start")
ANCHOR = "2026-08-17"


def start_data(key, **extra) -> dict:
    return {
        "start_key": str(key),
        "template": "podcast",
        "anchor_date": ANCHOR,
        "title_topic": "Data contracts",
        "title_guest": "Ana",
        **extra,
    }


def form_key(html: str) -> str:
    return re.search(r'name="start_key" value="([0-9a-f-]{36})"', html).group(1)


@pytest.mark.django_db
def test_each_start_form_carries_a_fresh_key(operator_client, load_podcast):
    first = form_key(operator_client.get(START).content.decode())
    second = form_key(operator_client.get(START).content.decode())
    assert uuid.UUID(first) and first != second


@pytest.mark.django_db
def test_a_resubmitted_start_form_returns_the_first_workflow(operator_client, load_podcast):
    key = uuid.uuid4()
    first = operator_client.post(START, start_data(key))
    again = operator_client.post(START, start_data(key), follow=True)
    workflow = Workflow.objects.get()
    assert first.status_code == 302 and first.url == workflow.get_absolute_url()
    assert again.redirect_chain[-1][0] == workflow.get_absolute_url()
    assert messages.START_RESUBMITTED.format(title=workflow.title) in again.content.decode()
    assert Task.objects.count() == 42
    assert Workflow.objects.get().start_key == key


@pytest.mark.django_db
def test_a_start_post_without_its_key_is_refused(operator_client, load_podcast):
    data = start_data("x")
    del data["start_key"]
    response = operator_client.post(START, data)
    assert response.status_code == 422
    assert messages.START_KEY_MISSING in response.content.decode()
    assert not Workflow.objects.exists()


@pytest.mark.django_db
def test_a_second_workflow_on_the_same_anchor_asks_first(
    operator_client, load_podcast, start_podcast
):
    from datetime import date

    existing = start_podcast(date(2026, 8, 17))
    response = operator_client.post(START, start_data(uuid.uuid4()))
    html = response.content.decode()
    assert response.status_code == 409
    assert "exists already" in html and "Start another anyway" in html
    assert f'href="{existing.get_absolute_url()}"' in html
    assert Workflow.objects.count() == 1
    key = form_key(html)  # the same form, answered: start another anyway
    response = operator_client.post(START, start_data(key, start_anyway="1"))
    assert response.status_code == 302
    assert Workflow.objects.count() == 2


@pytest.mark.django_db
def test_an_archived_workflow_or_another_anchor_does_not_ask(
    operator_client, load_podcast, start_podcast
):
    from datetime import date

    from tasks.services import workflow_archive

    workflow_archive(workflow=start_podcast(date(2026, 8, 17)), by=None)
    start_podcast(date(2026, 8, 24))
    assert operator_client.post(START, start_data(uuid.uuid4())).status_code == 302
    assert Workflow.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_start_posts_make_one_workflow(load_podcast, operator):
    data = start_data(uuid.uuid4())
    responses = concurrent_posts(operator, START, data, count=10)
    answers = [(r.status_code, r.get("Location")) for r in responses]
    workflow = Workflow.objects.get()
    assert answers == [(302, workflow.get_absolute_url())] * 10
    assert workflow.tasks.count() == 42 and Task.objects.count() == 42


@pytest.mark.django_db
def test_a_post_whose_twin_committed_meanwhile_is_not_asked_about_it(
    load_podcast, operator, monkeypatch
):
    """The key is looked up, then the twin post commits, then the same-anchor check runs:
    the workflow found there is this post's own, so it is returned, not questioned."""
    from datetime import date

    from tasks.services import workflows

    key = uuid.uuid4()
    first = workflows.workflow_start_once(
        start_key=key, template=load_podcast, anchor_date=date(2026, 8, 17), by=operator
    )
    monkeypatch.setattr(workflows, "_started_with", lambda start_key: None)
    again = workflows.workflow_start_once(
        start_key=key, template=load_podcast, anchor_date=date(2026, 8, 17), by=operator
    )
    assert first.created and not again.created
    assert again.workflow.pk == first.workflow.pk and Workflow.objects.count() == 1
