"""The intake inbox and item pages: access, filters, htmx triage in place, undo, files,
bad input, and a query count that does not grow with the inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from podcast.intake import messages
from podcast.intake import services as s
from podcast.models import IntakeItem
from podcast.tests.intake_fixtures import *  # noqa: F403 (fixtures)
from tasks.services.common import local_today

pytestmark = pytest.mark.django_db
INBOX = reverse("podcast:intake-inbox")
HX = {"HTTP_HX_REQUEST": "true"}


def action_url(item, slug):
    return reverse("podcast:intake-action", args=[item.pk, slug])


# --- access --------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(client, make_item):
    item = make_item()
    for url in (
        INBOX,
        reverse("podcast:intake-detail", args=[item.pk]),
        action_url(item, "ignore"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(action_url(item, "ignore"), {"reason": "x"}).status_code == 302
    item.refresh_from_db()
    assert item.status == IntakeItem.Status.NEW


def test_people_without_a_role_are_refused(client, outsider, make_item):
    client.force_login(outsider)
    item = make_item()
    assert client.get(INBOX).status_code == 403
    assert client.post(action_url(item, "ignore"), {"reason": "x"}).status_code == 403


def test_operators_and_admins_triage(client, operator, admin_user, make_item):
    for user in (operator, admin_user):
        client.force_login(user)
        item = make_item()
        response = client.post(action_url(item, "ignore"), {"reason": f"by {user.username}"})
        assert response.status_code == 302
        item.refresh_from_db()
        assert item.status == IntakeItem.Status.IGNORED


# --- the inbox -----------------------------------------------------------------------------


def test_empty_inbox_is_designed(operator_client):
    response = operator_client.get(INBOX)
    assert response.status_code == 200
    assert "Inbox zero" in response.content.decode()


def test_new_items_come_first_then_the_newest(operator_client, make_item, operator):
    make_item("old new")
    triaged = make_item("triaged one")
    make_item("newest")
    s.intake_set_priority(item=triaged, by=operator, priority=1, tags=[])
    body = operator_client.get(INBOX).content.decode()
    assert body.index("newest") < body.index("old new") < body.index("triaged one")


def test_filters_by_status_source_guest_and_episode(
    operator_client, make_item, guest, episode, operator
):
    ignored = make_item("ignored one")
    s.intake_ignore(item=ignored, by=operator, reason="spam")
    make_item("from telegram", source="telegram")
    attached = make_item("about dana")
    s.intake_attach(item=attached, by=operator, guest=guest, episode=episode)
    body = operator_client.get(INBOX).content.decode()
    assert "from telegram" in body and "ignored one" not in body and "about dana" not in body
    body = operator_client.get(INBOX, {"status": "ignored"}).content.decode()
    assert "ignored one" in body and "from telegram" not in body
    body = operator_client.get(INBOX, {"status": "any", "source": "telegram"}).content.decode()
    assert "from telegram" in body and "ignored one" not in body
    for key, value in (("guest", guest.pk), ("episode", episode.pk)):
        body = operator_client.get(INBOX, {"status": "any", key: value}).content.decode()
        assert "about dana" in body and "from telegram" not in body


@pytest.mark.parametrize(
    "query",
    [
        {"status": "bogus"},
        {"guest": "abc"},
        {"episode": "-1"},
        {"page": "999"},
        {"page": "x"},
        {"source": "<script>"},
    ],
)
def test_bad_filters_never_fail(operator_client, make_item, query):
    make_item("still listed")
    response = operator_client.get(INBOX, query)
    assert response.status_code == 200


def test_filters_answer_htmx_with_the_results_only(operator_client, make_item):
    make_item("just the list")
    response = operator_client.get(INBOX, **HX, HTTP_HX_TARGET="intake-results")
    body = response.content.decode()
    assert 'id="intake-results"' in body and "just the list" in body
    assert "<html" not in body


def count_inbox_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(INBOX, {"status": "any"}).status_code == 200
    return len(ctx.captured_queries)


def test_inbox_query_count_does_not_grow_with_items(
    operator_client, make_item, operator, guest, episode, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path

    def add(n: int) -> None:
        for i in range(n):
            item = make_item(f"item {i}")
            if i % 3 == 0:
                s.intake_attach(item=item, by=operator, guest=guest, episode=episode)
            if i % 5 == 0:
                s.intake_add_attachment(
                    item=item, upload=SimpleUploadedFile("a.txt", b"hello"), by=operator
                )

    add(10)
    count_inbox_queries(operator_client)  # warm the cached role lists
    small = count_inbox_queries(operator_client)
    add(190)
    assert count_inbox_queries(operator_client) == small
    assert small <= 12


# --- actions in place ----------------------------------------------------------------------


def test_htmx_get_opens_the_form_inside_the_row(operator_client, make_item):
    item = make_item()
    response = operator_client.get(action_url(item, "ignore"), **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="intake-{item.pk}"' in body and 'name="reason"' in body and "<html" not in body


def test_htmx_post_updates_the_row_in_place(operator_client, make_item):
    item = make_item()
    response = operator_client.post(action_url(item, "ignore"), {"reason": "Off topic"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ignored" in body and "Off topic" in body and "Undo from history" in body
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("ignored", "Off topic")


def test_ignore_without_reason_reopens_the_form_with_the_message(operator_client, make_item):
    item = make_item()
    response = operator_client.post(action_url(item, "ignore"), {"reason": ""}, **HX)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "new"


def test_duplicate_of_itself_is_refused_with_the_message(operator_client, make_item):
    item = make_item()
    response = operator_client.post(action_url(item, "duplicate"), {"original": item.pk}, **HX)
    assert response.status_code == 400
    assert messages.DUPLICATE_OF_ITSELF in response.content.decode()


def test_duplicate_picker_lists_other_items(operator_client, make_item):
    first, second = make_item("the original"), make_item("the repeat")
    body = operator_client.get(action_url(second, "duplicate"), **HX).content.decode()
    assert f'value="{first.pk}"' in body and f'<option value="{second.pk}"' not in body
    operator_client.post(action_url(second, "duplicate"), {"original": first.pk}, **HX)
    second.refresh_from_db()
    assert second.duplicate_of == first


def test_attach_and_convert_without_javascript(operator_client, make_item, guest, episode):
    item = make_item("Dana's slides")
    page = operator_client.get(action_url(item, "attach"))
    assert page.status_code == 200 and "<html" in page.content.decode()
    response = operator_client.post(action_url(item, "attach"), {"episode": episode.pk})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.episode == episode and item.status == "attached"
    other = make_item("Send Dana the recording checklist")
    form = operator_client.get(action_url(other, "convert")).content.decode()
    assert 'value="Send Dana the recording checklist"' in form
    due = (local_today() + timedelta(days=3)).isoformat()
    assert f'name="due_date" value="{due}"' in form
    response = operator_client.post(
        action_url(other, "convert"),
        {"title": "Send the checklist", "due_date": "2030-01-10", "description": "x"},
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.converted_task.title == "Send the checklist"


def test_convert_with_a_bad_date_shows_the_field_error(operator_client, make_item):
    item = make_item()
    response = operator_client.post(
        action_url(item, "convert"), {"title": "x", "due_date": "not a date"}
    )
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_unknown_action_and_item_are_404(operator_client, make_item):
    item = make_item()
    assert operator_client.get(action_url(item, "explode")).status_code == 404
    assert operator_client.get(reverse("podcast:intake-detail", args=[999999])).status_code == 404


# --- detail, undo, files, manual items ----------------------------------------------------


def test_detail_shows_history_and_undo_restores(operator_client, make_item, operator, guest):
    item = make_item()
    s.intake_attach(item=item, by=operator, guest=guest)
    detail = reverse("podcast:intake-detail", args=[item.pk])
    body = operator_client.get(detail).content.decode()
    assert "History" in body and "Attached" in body and "Undo" in body
    event = item.events.get(action="attached")
    response = operator_client.post(reverse("podcast:intake-undo", args=[event.pk]), follow=True)
    assert "Undone: Attached." in response.content.decode()
    item.refresh_from_db()
    assert item.guest is None and item.status == "new"
    again = operator_client.post(reverse("podcast:intake-undo", args=[event.pk]), follow=True)
    assert messages.UNDO_DONE_ALREADY in again.content.decode()


def test_manual_item_with_a_file_and_its_download(operator_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = operator_client.post(
        reverse("podcast:intake-create"),
        {
            "text": "Idea: a guest on data contracts",
            "from_name": "Newsletter reply",
            "links": "https://example.org/post\n",
            "file": SimpleUploadedFile("notes.txt", b"some notes"),
        },
    )
    assert response.status_code == 302
    item = IntakeItem.objects.get()
    assert item.source == "manual" and item.links == ["https://example.org/post"]
    attachment = item.attachments.get()
    download = operator_client.get(reverse("podcast:intake-file", args=[attachment.pk]))
    assert download.status_code == 200
    assert "sandbox" in download["Content-Security-Policy"]
    assert "attachment" in download["Content-Disposition"]


def test_manual_item_with_an_executable_keeps_nothing(operator_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = operator_client.post(
        reverse("podcast:intake-create"),
        {"text": "see file", "file": SimpleUploadedFile("tool.txt", b"MZ\x90\x00binary")},
    )
    assert response.status_code == 400
    assert "looks like a program" in response.content.decode()
    assert not IntakeItem.objects.exists()


def test_html_in_an_item_is_escaped_everywhere(operator_client, make_item):
    item = make_item('<script>alert("x")</script><b>bold</b>', from_name="<img src=x onerror=1>")
    for url in (INBOX, reverse("podcast:intake-detail", args=[item.pk])):
        body = operator_client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body


def test_priority_and_tags_from_the_row(operator_client, make_item):
    item = make_item()
    form = operator_client.get(action_url(item, "triage"), **HX).content.decode()
    assert 'name="priority"' in form and 'name="tags"' in form
    response = operator_client.post(
        action_url(item, "triage"), {"priority": "2", "tags": "ml, Data, ml"}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 200 and "High" in body and "Triaged" in body
    item.refresh_from_db()
    assert (item.priority, item.tags, item.status) == (2, ["ml", "data"], "triaged")
    bad = operator_client.post(action_url(item, "triage"), {"priority": "9"}, **HX)
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def test_closing_a_row_form_shows_the_row_again(operator_client, make_item):
    item = make_item("close me")
    body = operator_client.get(reverse("podcast:intake-row", args=[item.pk]), **HX).content.decode()
    assert "close me" in body and "data-intake-form" not in body
