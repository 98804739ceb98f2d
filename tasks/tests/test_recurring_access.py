"""No access to the recurring pages without a login and a role; every POST needs CSRF."""

import pytest
from django.test import Client
from django.urls import reverse

from tasks.models import TemplateSchedule
from tasks.services import templates_load
from tasks.views.recurring_views import CONTROLS

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(make_rule, operator):
    rule = make_rule(by=operator)
    templates_load()
    schedule = TemplateSchedule.objects.first()
    gets = [
        reverse("tasks:recurring-list"),
        reverse("tasks:recurring-create"),
        reverse("tasks:recurring-preview"),
        reverse("tasks:recurring-detail", args=[rule.pk]),
        reverse("tasks:recurring-edit", args=[rule.pk]),
    ]
    posts = [
        reverse("tasks:recurring-create"),
        reverse("tasks:recurring-edit", args=[rule.pk]),
        reverse("tasks:recurring-delete", args=[rule.pk]),
        *[reverse(f"tasks:recurring-{action}", args=[rule.pk]) for action in CONTROLS],
        *[reverse(f"tasks:recurring-template-{action}", args=[schedule.pk]) for action in CONTROLS],
    ]
    return [("get", url) for url in gets] + [("post", url) for url in posts]


def test_anonymous_people_are_sent_to_the_login_page(client, urls):
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_people_without_a_role_are_refused(client, outsider, urls):
    client.force_login(outsider)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, (method, url)


def test_every_post_needs_the_csrf_token(operator, urls):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    for method, url in urls:
        if method == "post":
            assert client.post(url).status_code == 403, url


def test_operators_and_admins_may_use_them(operator_client, admin_client_, urls):
    for client in (operator_client, admin_client_):
        for method, url in urls:
            if method == "get":
                assert client.get(url).status_code == 200, url


def test_controls_only_take_post(operator_client, urls):
    for method, url in urls:
        if method == "post" and url.rstrip("/").rsplit("/", 1)[-1] in CONTROLS:
            assert operator_client.get(url).status_code == 405, url
