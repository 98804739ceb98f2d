"""No access without a login (and a role); every POST needs its CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from tasks.views.task_views import ACTIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(start_podcast, today, operator, settings, tmp_path):
    """(method, url) of every page and action of the work engine."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tasks import services
    from tasks.demo import PNG

    settings.MEDIA_ROOT = tmp_path
    workflow = start_podcast(today)
    task = workflow.tasks.first()
    slot = workflow.link_slots.first()
    proof = services.task_attach_proof_file(
        task=task, by=operator, upload=SimpleUploadedFile("p.png", PNG, "image/png")
    )
    gets = [
        reverse("home"),
        reverse("tasks:workflow-list"),
        reverse("tasks:workflow-start"),
        reverse("tasks:workflow-detail", args=[workflow.pk]),
        reverse("tasks:workflow-slot", args=[workflow.pk, slot.pk]),
        reverse("tasks:template-list"),
        reverse("tasks:template-detail", args=["podcast"]),
        reverse("tasks:task-list"),
        reverse("tasks:task-create"),
        reverse("tasks:task-detail", args=[task.pk]),
        reverse("tasks:proof-file", args=[proof.pk]),
        *[reverse(f"tasks:task-{action}", args=[task.pk]) for action in ACTIONS],
    ]
    posts = [
        reverse("tasks:workflow-start"),
        reverse("tasks:task-create"),
        reverse("tasks:workflow-slot", args=[workflow.pk, slot.pk]),
        reverse("tasks:workflow-stage", args=[workflow.pk]),
        reverse("tasks:workflow-archive", args=[workflow.pk]),
        *[reverse(f"tasks:task-{action}", args=[task.pk]) for action in ACTIONS],
    ]
    return [("get", url) for url in gets] + [("post", url) for url in posts]


def test_anonymous_people_are_sent_to_the_login_page(client, urls):
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_anonymous_htmx_requests_get_a_client_redirect(client, urls):
    for method, url in urls:
        response = getattr(client, method)(url, HTTP_HX_REQUEST="true")
        assert (response.status_code, response["HX-Redirect"][:7]) == (401, "/login/"), url


def test_people_without_a_role_are_refused(client, outsider, urls):
    client.force_login(outsider)
    for method, url in urls:
        response = getattr(client, method)(url)
        expected = 200 if url == reverse("home") else 403
        assert response.status_code == expected, url


def test_every_post_needs_the_csrf_token(operator, urls):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    for method, url in urls:
        if method == "post":
            assert client.post(url).status_code == 403, url
