"""The public guest form: tokens, submits, drafts, and every kind of bad input the issue
lists (over-limit fields, missing fields, forged/expired/locked/rotated tokens, replayed
submits, HTML in every field, oversized bodies), plus rate limits, honeypot and CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dataops.models import AuditEvent, Notification
from podcast import guest_form_links as links
from podcast.guest_form import FIELDS
from podcast.models import GuestFormLink, IntakeItem
from podcast.tests.intake_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db

ANSWERS = {
    "name": "Dana Reyes",
    "role_company": "Staff engineer at Acme",
    "hook": "Data contracts stop the 3 a.m. pages.",
    "short_bio": "Dana builds data platforms.",
    "topic_1": "Data contracts",
    "topic_2": "Schema evolution",
    "links": "https://www.linkedin.com/in/dana-reyes\nnot a link",
    "q_main": "How do you start with contracts?",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link(guest, episode, operator):
    return links.form_link_create(guest=guest, episode=episode, by=operator)


def url(link) -> str:
    return links.link_path(link)


def post(client, link, data=None, **extra):
    data = {**ANSWERS, "rev": link.submit_count, **(data or {})}
    return client.post(url(link), data, **extra)


def operator_client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the happy path ------------------------------------------------------------------------


def test_guest_fills_the_form_without_logging_in(client, link, guest, episode, admin_user):
    page = client.get(url(link))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'value="Dana Reyes"' in body  # prefilled from the guest
    for title in (
        "Episode angle",
        "Background",
        "Topics to cover",
        "Topics to avoid",
        "Stories and proof points",
        "Draft questions",
        "Event description draft",
    ):
        assert title in body
    response = post(client, link)
    assert response.status_code == 302 and response["Location"].endswith("?sent=1")
    item = IntakeItem.objects.get()
    assert (item.source, item.external_id) == ("form", str(link.pk))
    assert (item.guest, item.episode, item.status) == (guest, episode, "new")
    assert item.fields["hook"] == ANSWERS["hook"]
    assert str(item) == "Dana Reyes — Data contracts stop the 3 a.m. pages."
    assert "Episode angle:\n- One-sentence hook: Data contracts stop" in item.text
    assert item.links == ["https://www.linkedin.com/in/dana-reyes"]
    link.refresh_from_db()
    assert (link.item, link.submit_count, link.draft) == (item, 1, {})
    detail = operator_client_for(admin_user).get(reverse("podcast:intake-detail", args=[item.pk]))
    assert (
        "Episode angle" in detail.content.decode()
        and "Who should listen" not in detail.content.decode()
    )
    note = Notification.objects.get(recipient=admin_user)  # the episode's owner
    assert note.kind == "guest_form" and str(item.pk) in note.link
    assert "Thank you" in client.get(response["Location"]).content.decode()


def test_the_guest_can_come_back_and_change_the_answers(client, link, admin_user):
    post(client, link)
    link.refresh_from_db()
    page = client.get(url(link)).content.decode()
    assert "Data contracts stop the 3 a.m. pages." in page  # the last submission
    post(client, link, {"hook": "A better hook."})
    item = IntakeItem.objects.get()
    assert item.fields["hook"] == "A better hook." and IntakeItem.objects.count() == 1
    assert item.events.filter(action="updated").count() == 1
    assert Notification.objects.filter(recipient=admin_user).count() == 2


def test_without_an_episode_the_guests_creator_is_told(client, guest, operator):
    link = links.form_link_create(guest=guest, by=None)
    post(client, link)
    assert Notification.objects.filter(recipient=operator, kind="guest_form").count() == 1


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_field_over_its_limit_is_refused(client, link, name):
    limit = FIELDS[name].limit
    response = post(client, link, {name: "x" * (limit + 1)})
    assert response.status_code == 400
    assert f"at most {limit} characters" in response.content.decode()
    assert not IntakeItem.objects.exists()


@pytest.mark.parametrize("name", ["name", "hook", "short_bio", "topic_1"])
def test_missing_required_fields_are_named(client, link, name):
    response = post(client, link, {name: "  "})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Fill in the fields marked required." in body and "This field is required." in body
    assert "Data contracts" in body or name == "topic_1"  # what was typed is kept
    assert not IntakeItem.objects.exists()


def test_forged_and_tampered_tokens_are_plain_404s(client, link):
    token = links.link_token(link)
    other = links.form_link_create(guest=link.guest, by=None)
    forged = links.link_token(other).split(":")[0] + ":" + token.split(":")[1]
    for bad in ("nonsense", token[:-2] + "xx", forged, "W10:abc", token + "x"):
        response = client.get(reverse("podcast:guest-form", args=[bad]))
        assert response.status_code == 404
        assert "closed" not in response.content.decode()
    assert client.post(reverse("podcast:guest-form", args=["nonsense"]), ANSWERS).status_code == 404


def test_a_rotated_link_stops_working(client, link, operator):
    old = url(link)
    links.form_link_rotate(link=link, by=operator)
    link.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.get(url(link)).status_code == 200
    assert AuditEvent.objects.filter(action="guest_form.rotated").exists()


def test_locked_and_expired_forms_say_closed_and_nothing_more(client, link, operator):
    links.form_link_lock(link=link, by=operator)
    response = client.get(url(link))
    body = response.content.decode()
    assert response.status_code == 404 and "This form is closed" in body
    assert "Dana" not in body
    assert post(client, link).status_code == 404
    links.form_link_lock(link=link, by=operator, locked=False)
    assert client.get(url(link)).status_code == 200
    GuestFormLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert "This form is closed" in client.get(url(link)).content.decode()
    assert not IntakeItem.objects.exists()


def test_a_replayed_submit_is_refused_and_keeps_the_answers(client, link):
    first = post(client, link, {"rev": 0})
    replay = post(client, link, {"rev": 0, "hook": "Replayed hook"})
    assert first.status_code == 302 and replay.status_code == 409
    assert "already sent from this page" in replay.content.decode()
    assert "Replayed hook" in replay.content.decode()
    link.refresh_from_db()
    assert link.submit_count == 1
    assert IntakeItem.objects.get().fields["hook"] == ANSWERS["hook"]


def test_html_and_script_are_escaped_everywhere(client, link, operator_client):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    answers = {name: evil for name in FIELDS if FIELDS[name].limit >= len(evil)}
    response = post(client, link, answers)
    assert response.status_code == 302
    item = IntakeItem.objects.get()
    pages = [
        client.get(url(link)),
        operator_client.get(reverse("podcast:intake-inbox")),
        operator_client.get(reverse("podcast:intake-detail", args=[item.pk])),
    ]
    for page in pages:
        body = page.content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, link, settings, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("the view read the body")

    monkeypatch.setattr(links, "open_link", must_not_run)
    big = "x" * (10 * 1024 * 1024)
    response = client.post(url(link), {"stories": big, "rev": 0})
    assert response.status_code == 413
    assert not IntakeItem.objects.exists()
    assert settings.MAX_REQUEST_BYTES_BY_PATH["/podcast/form/"] < 10 * 1024 * 1024


def test_an_executable_upload_is_refused(client, link, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = post(client, link, {"file": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00program")})
    assert response.status_code == 400
    assert "looks like a program" in response.content.decode()
    assert not IntakeItem.objects.exists()
    ok = post(client, link, {"file": SimpleUploadedFile("cv.pdf", b"%PDF-1.4 cv")})
    assert ok.status_code == 302
    assert IntakeItem.objects.get().attachments.get().name == "cv.pdf"


def test_the_honeypot_stores_nothing(client, link):
    response = post(client, link, {"website": "http://spam.example"})
    assert response.status_code == 302
    assert not IntakeItem.objects.exists()
    link.refresh_from_db()
    assert link.submit_count == 0


def test_csrf_is_required(link):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url(link), {**ANSWERS, "rev": 0})
    assert response.status_code == 403
    autosave = reverse("podcast:guest-form-autosave", args=[links.link_token(link)])
    assert strict.post(autosave, {"hook": "x"}).status_code == 403
    assert not IntakeItem.objects.exists()


def test_rate_limited_per_token(client, link, settings):
    settings.GUEST_FORM_TOKEN_RATE_LIMIT = 3
    statuses = [client.get(url(link)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    other = links.form_link_create(guest=link.guest, by=None)
    assert client.get(url(other)).status_code == 200


def test_rate_limited_per_ip_across_tokens(client, link, settings):
    settings.GUEST_FORM_IP_RATE_LIMIT = 3
    for n in range(3):
        client.get(reverse("podcast:guest-form", args=[f"guess-{n}"]), REMOTE_ADDR="10.0.0.9")
    blocked = client.get(url(link), REMOTE_ADDR="10.0.0.9")
    assert blocked.status_code == 429 and "Too many requests" in blocked.content.decode()
    assert client.get(url(link), REMOTE_ADDR="10.0.0.10").status_code == 200


# --- drafts --------------------------------------------------------------------------------


def test_save_draft_keeps_a_partial_form(client, link):
    response = client.post(url(link), {"intent": "draft", "hook": "Half a thought", "rev": 0})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.draft == {"hook": "Half a thought"} and not IntakeItem.objects.exists()
    assert "Half a thought" in client.get(url(link)).content.decode()


def test_autosave_saves_the_draft_and_reports_fields_over_the_limit(client, link):
    autosave = reverse("podcast:guest-form-autosave", args=[links.link_token(link)])
    ok = client.post(autosave, {"hook": "Typed so far", "rev": 0})
    assert ok.status_code == 200 and ok.json()["saved"] is True
    link.refresh_from_db()
    assert link.draft == {"hook": "Typed so far"}
    bad = client.post(autosave, {"hook": "x" * 301})
    assert bad.status_code == 400 and "hook" in bad.json()["errors"]
    link.refresh_from_db()
    assert link.draft == {"hook": "Typed so far"}


# --- the team's link controls --------------------------------------------------------------


def test_team_creates_locks_and_expires_links(operator_client, guest, episode):
    panel = reverse("podcast:guest-form-links", args=[guest.pk])
    assert "No link yet" in operator_client.get(panel).content.decode()
    response = operator_client.post(panel, {"episode": episode.pk}, HTTP_HX_REQUEST="true")
    link = GuestFormLink.objects.get()
    body = response.content.decode()
    assert response.status_code == 200 and links.link_path(link) in body and "Open" in body
    operator_client.post(reverse("podcast:guest-form-lock", args=[link.pk]))
    link.refresh_from_db()
    assert link.is_locked
    operator_client.post(reverse("podcast:guest-form-unlock", args=[link.pk]))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    operator_client.post(
        reverse("podcast:guest-form-expiry", args=[link.pk]), {"expires_on": tomorrow}
    )
    link.refresh_from_db()
    assert not link.is_locked and link.expires_at > timezone.now()
    past = operator_client.post(panel, {"expires_on": "2001-01-01"})
    assert past.status_code == 400 and links.EXPIRY_IN_PAST in past.content.decode()


def test_link_controls_need_a_role(client, outsider, guest, link):
    panel = reverse("podcast:guest-form-links", args=[guest.pk])
    assert client.get(panel).status_code == 302
    client.force_login(outsider)
    assert client.get(panel).status_code == 403
    assert client.post(reverse("podcast:guest-form-lock", args=[link.pk])).status_code == 403
    link.refresh_from_db()
    assert not link.is_locked


def test_the_guest_page_carries_the_form_links_panel(operator_client, guest):
    body = operator_client.get(guest.get_absolute_url()).content.decode()
    panel = reverse("podcast:guest-form-links", args=[guest.pk])
    assert f'hx-get="{panel}"' in body and f'href="{panel}"' in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submits_racing_make_one_item_and_one_refusal(guest, episode, operator):
    import threading

    from django.db import connection

    from dataops.errors import ServiceError

    link = links.form_link_create(guest=guest, episode=episode, by=operator)
    barrier, outcomes = threading.Barrier(2), []

    def submit(hook: str) -> None:
        try:
            barrier.wait()
            links.form_submit(link=link, answers={**ANSWERS, "hook": hook}, rev=0)
            outcomes.append("sent")
        except ServiceError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(f"hook {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["replayed", "sent"]
    assert IntakeItem.objects.count() == 1
    link.refresh_from_db()
    assert link.submit_count == 1
