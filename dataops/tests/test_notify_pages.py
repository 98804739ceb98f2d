"""The notification settings page: access, saving, bad input, the test message, the list of
the last deliveries."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from dataops.notify.models import NotifyPreference, OutboxMessage
from dataops.tests.fake_telegram import fake_bot_api  # noqa: F401 - fixture
from dataops.tests.test_notify import fake_bot, ping, smtp  # noqa: F401 - fixtures

URL = "/notifications/settings/"
TEST_URL = "/notifications/settings/test/"


def form(**overrides) -> dict:
    data = {"digest_hour": "7", "quiet_start": "", "quiet_end": "", "time_zone": ""}
    data.update(overrides)
    return data


def test_login_required(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.post(TEST_URL).status_code == 302
    assert not OutboxMessage.objects.exists()


def test_the_page_lists_rules_and_the_empty_deliveries(operator_client):
    page = operator_client.get(URL).content.decode()
    assert "Follow-up due" in page and "Overdue tasks (one morning digest)" in page
    assert "Background job failed" not in page  # admins' rules only for admins
    assert "Nothing sent yet" in page
    assert "neither a linked Telegram chat nor an email address" in page
    assert reverse("notify-settings") in operator_client.get("/").content.decode()


def test_admins_see_their_rules(admin_client_):
    assert "Background job failed" in admin_client_.get(URL).content.decode()


def test_saving_channels_digest_and_quiet_hours(operator_client, operator):
    data = form(digest_hour="6", quiet_start="22:00", quiet_end="06:30", time_zone="Asia/Tokyo")
    data["on"] = ["follow_up_due:email", "task_overdue:telegram"]
    response = operator_client.post(URL, data)
    assert response.status_code == 302
    pref = NotifyPreference.objects.get(user=operator)
    assert (pref.digest_hour, pref.quiet_start, pref.quiet_end) == (6, time(22), time(6, 30))
    assert pref.time_zone == "Asia/Tokyo"
    assert "follow_up_due:telegram" in pref.disabled and "follow_up_due:email" not in pref.disabled
    assert "task_overdue:email" in pref.disabled and "task_overdue:telegram" not in pref.disabled
    page = operator_client.get(URL).content.decode()
    assert 'value="follow_up_due:email" aria-label="Follow-up due by email" checked' in page


@pytest.mark.parametrize(
    "data,error",
    [
        (form(digest_hour="99"), "Select a valid choice"),
        (form(digest_hour="x"), "Select a valid choice"),
        (form(quiet_start="22:00"), "Give both the start and the end"),
        (form(quiet_start="25:99", quiet_end="06:00"), "Enter a valid time"),
        (form(time_zone="Mars/Olympus"), "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message(operator_client, operator, data, error):
    response = operator_client.post(URL, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not NotifyPreference.objects.filter(user=operator).exists()


def test_send_test_notification_by_telegram(operator_client, operator, fake_bot):  # noqa: F811
    operator.telegram_chat_id = "777"
    operator.save(update_fields=["telegram_chat_id"])
    response = operator_client.post(TEST_URL, follow=True)
    assert "Test notification sent by Telegram." in response.content.decode()
    assert fake_bot.sent()[0]["chat_id"] == "777"
    assert "Test notification" in fake_bot.sent_texts()[0]
    page = operator_client.get(URL).content.decode()
    assert "Nothing sent yet" not in page and "pill-ok" in page


def test_send_test_notification_failure_is_shown(operator_client, operator, fake_bot):  # noqa: F811
    operator.telegram_chat_id = "777"
    operator.save(update_fields=["telegram_chat_id"])
    fake_bot.fail("sendMessage", status=403)
    response = operator_client.post(TEST_URL, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'id="test-result"' in body
    assert "could not be sent by Telegram" in body and "answered 403" in body


def test_send_test_notification_by_email(operator_client, operator, smtp):  # noqa: F811
    operator.email = "grace@example.org"
    operator.save(update_fields=["email"])
    response = operator_client.post(TEST_URL, follow=True)
    assert "Test notification sent by Email." in response.content.decode()
    assert smtp.messages[0]["Subject"] == "[DataOps] Test notification"


def test_send_test_notification_with_nowhere_to_send(operator_client):
    response = operator_client.post(TEST_URL, follow=True)
    assert "There is nowhere to send it" in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_only_the_last_20_deliveries_of_the_person_are_listed(
    operator_client, operator, admin_user
):
    operator.email = "grace@example.org"
    operator.save(update_fields=["email"])
    for n in range(25):
        ping(operator, key=f"k{n}", text=f"Number {n:02d}")
    admin_user.email = "ada@example.org"
    admin_user.save(update_fields=["email"])
    ping(admin_user, key="ada", text="Not for Grace")
    page = operator_client.get(URL).content.decode()
    assert page.count("data-delivery=") == 20
    assert "Not for Grace" not in page
