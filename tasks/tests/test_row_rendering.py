"""A list's rows drawn in one Jinja2 render (`{% task_rows %}`) are the row template drawn
alone for each (as a view answering for one row draws it), whatever the page passes."""

import re

import pytest
from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.test import RequestFactory

from tasks import selectors, services
from tasks.tests.conftest import days, ref

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _render(source: str, request, **context) -> str:
    html = Template("{% load work_tags %}" + source).render(RequestContext(request, context))
    return TOKEN.sub('name="csrfmiddlewaretoken" value="…"', html)


@pytest.mark.parametrize("ctx, lane", [("list", "list"), ("workflow", "wf"), ("home", "today")])
def test_rows_in_one_render_are_the_rows_one_by_one(operator, start_podcast, today, ctx, lane):
    workflow = start_podcast(today + days(10))
    services.task_create(title="Call <Ana> & co", due_date=today, by=operator, assignee=operator)
    services.task_complete(
        task=ref(workflow, "obtain-speaker-email"),
        by=operator,
        proof=services.ProofInput(url="https://mail.example/ana"),
    )
    services.task_mark_waiting(
        task=ref(workflow, "agree-on-a-date"),
        by=operator,
        waiting_for="Ana",
        follow_up_date=today,
    )
    tasks = selectors.decorate(
        list(selectors.task_list(filters={}, user=operator, today=today)[:25]), today=today
    )
    assert {task.status for task in tasks} >= {"todo", "done", "waiting"}
    request = RequestFactory().get("/tasks/")
    request.user = operator
    context = {"tasks": tasks, "ctx": ctx, "lane": lane, "today": today}
    together = _render("{% task_rows tasks %}", request, **context)
    one_by_one = TOKEN.sub(
        'name="csrfmiddlewaretoken" value="…"',
        "".join(
            render_to_string("tasks/_task_row.html", {**context, "task": task}, request=request)
            for task in tasks
        ),
    )
    assert together == one_by_one
    assert together.count('class="task-row') == len(tasks)
    assert together.count("Call &lt;Ana&gt; &amp; co") == 2  # escaped: title and label
