"""The signed push webhook and the admins' Sync now button."""

import json

import pytest
from django.urls import reverse

from dataops.models import JobRun
from docs_app.models import Document, MirrorState
from docs_app.tests.fixtures import GitRemote, IndexCalls, point_docs_at
from docs_app.views.sync import BAD_SIGNATURE, NO_SECRET, WEBHOOK_MAX_BYTES, signature_for

SECRET = "webhook-secret-for-tests"
URL = "/docs/webhook/"
PUSH = json.dumps({"ref": "refs/heads/main", "after": "0" * 40}).encode()


@pytest.fixture
def remote(settings, tmp_path, monkeypatch):
    IndexCalls().install(monkeypatch)
    made = GitRemote.create(tmp_path / "origin", {"a.md": "# A\n", "b.md": "# B\n"})
    point_docs_at(settings, made.url, tmp_path)
    settings.DOCS_WEBHOOK_SECRET = SECRET
    return made


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def post(body: bytes = PUSH, *, signature: str | None = "good", event: str = "push"):
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": "d-1"}
        if signature == "good":
            headers["X-Hub-Signature-256"] = signature_for(body, SECRET)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data=body, content_type="application/json", headers=headers)

    return post


@pytest.mark.django_db
def test_signed_push_queues_a_sync_that_runs(remote, deliver):
    response = deliver()
    assert response.status_code == 202
    run = JobRun.objects.get(pk=response.json()["queued"])
    assert run.kind == "docs.sync" and run.trigger == JobRun.Trigger.WEBHOOK
    assert run.status == JobRun.Status.SUCCEEDED and run.counts["registered"] == 2
    assert MirrorState.objects.get().head_sha == remote.head()


@pytest.mark.django_db
def test_duplicate_delivery_is_a_harmless_no_change_sync(remote, deliver):
    deliver()
    before = list(Document.objects.values_list("pk", "blob_sha", "registered_at"))
    response = deliver()
    assert response.status_code == 202
    again = JobRun.objects.get(pk=response.json()["queued"])
    assert again.status == JobRun.Status.SUCCEEDED and set(again.counts.values()) == {0}
    assert list(Document.objects.values_list("pk", "blob_sha", "registered_at")) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature", [None, "", "sha256=" + "0" * 64, "sha1=abc", "sha256=not-hex"]
)
def test_missing_or_wrong_signature_is_refused_with_no_side_effect(remote, deliver, signature):
    response = deliver(signature=signature)
    assert response.status_code == 401 and response.json() == {"error": BAD_SIGNATURE}
    assert not JobRun.objects.exists() and not Document.objects.exists()
    assert not MirrorState.objects.exists()


@pytest.mark.django_db
def test_signature_of_another_body_is_refused(remote, deliver):
    response = deliver(PUSH + b" ", signature=signature_for(PUSH, SECRET))
    assert response.status_code == 401 and not JobRun.objects.exists()


@pytest.mark.django_db
def test_without_a_configured_secret_the_webhook_is_closed(remote, deliver, settings):
    settings.DOCS_WEBHOOK_SECRET = ""
    response = deliver(signature=signature_for(PUSH, ""))
    assert response.status_code == 503 and response.json() == {"error": NO_SECRET}
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_ping_is_answered_without_a_sync(remote, deliver):
    response = deliver(json.dumps({"zen": "Keep it logically awesome."}).encode(), event="ping")
    assert response.status_code == 200 and response.json()["event"] == "ping"
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_oversized_body_is_refused(remote, deliver):
    body = b"x" * (WEBHOOK_MAX_BYTES + 1)
    response = deliver(body)
    assert response.status_code == 413 and not JobRun.objects.exists()


@pytest.mark.django_db
def test_webhook_accepts_only_post(remote, client):
    assert client.get(URL).status_code == 405


# --- Sync now -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_sync_now_queues_a_run_and_links_to_it(
    remote, admin_client_, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            reverse("docs:sync-now"), {"next": "/docs/quality/"}, follow=True
        )
    run = JobRun.objects.get(kind="docs.sync")
    assert run.trigger == JobRun.Trigger.MANUAL and run.triggered_by == admin_user
    assert run.status == JobRun.Status.SUCCEEDED and Document.objects.count() == 2
    assert response.redirect_chain[-1][0] == "/docs/quality/"
    page = response.content.decode()
    assert f'<a href="{run.get_absolute_url()}">run #{run.pk}</a>' in page


@pytest.mark.django_db
def test_sync_now_with_htmx_answers_with_the_queued_run(remote, admin_client_):
    response = admin_client_.post(reverse("docs:sync-now"), headers={"HX-Request": "true"})
    run = JobRun.objects.get(kind="docs.sync")
    assert response.status_code == 200
    assert f'href="{run.get_absolute_url()}">run #{run.pk}</a>' in response.content.decode()


@pytest.mark.django_db
def test_sync_now_refuses_operators_and_unsafe_redirects(remote, operator_client, admin_client_):
    assert operator_client.post(reverse("docs:sync-now")).status_code == 403
    assert not JobRun.objects.exists()
    response = admin_client_.post(reverse("docs:sync-now"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("docs:quality")
    assert admin_client_.get(reverse("docs:sync-now")).status_code == 405
