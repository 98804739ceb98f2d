"""The webhook: fail closed, refuse bad requests with no side effect, store each update once."""

import json

import pytest

from dataops.models import JobRun
from dataops.telegram.models import TelegramUpdate
from dataops.tests import fake_telegram
from dataops.tests.fake_telegram import FakeBotApi, group_message, private_message, webhook_update
from podcast.models import IntakeItem

fake_bot_api = fake_telegram.fake_bot_api
URL = "/telegram/webhook/"
pytestmark = pytest.mark.django_db


def _nothing_stored() -> bool:
    return not TelegramUpdate.objects.exists() and not JobRun.objects.exists()


@pytest.mark.parametrize("missing", ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"])
def test_unconfigured_bot_answers_503_and_reads_nothing(client, settings, missing):
    settings.TELEGRAM_BOT_TOKEN = FakeBotApi.TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = FakeBotApi.SECRET
    setattr(settings, missing, "")
    response = webhook_update(client, private_message(1, 42, "/help"), secret="")
    assert response.status_code == 503
    response = webhook_update(client, private_message(1, 42, "/help"))
    assert response.status_code == 503
    assert _nothing_stored()


@pytest.mark.parametrize("secret", ["", "wrong-secret", FakeBotApi.SECRET + "x"])
def test_wrong_or_missing_secret_is_401(client, fake_bot_api, secret):
    response = webhook_update(client, private_message(1, 42, "/help"), secret=secret)
    assert response.status_code == 401
    assert _nothing_stored()
    assert fake_bot_api.requests == []


def test_oversized_body_is_413(client, fake_bot_api):
    update = private_message(1, 42, "x" * (1024 * 1024 + 10))
    response = webhook_update(client, update)
    assert response.status_code == 413
    assert _nothing_stored()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"message": {}}',
        b'{"update_id": "7"}',
        b'{"update_id": true}',
        b'{"update_id": -5}',
        b"\xff\xfe",
        b'{"update_id": 8, "message": {"text": "a\\u0000b"}}',
    ],
)
def test_malformed_update_is_400(client, fake_bot_api, body):
    response = client.post(
        URL,
        data=body,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": FakeBotApi.SECRET},
    )
    assert response.status_code == 400
    assert _nothing_stored()


def test_only_post(client, fake_bot_api):
    assert client.get(URL).status_code == 405


def test_webhook_needs_no_login_nor_csrf_token(fake_bot_api, django_capture_on_commit_callbacks):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = webhook_update(strict, private_message(1, 42, "/help"))
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("edited_message", {"message_id": 5, "chat": {"id": -100, "type": "group"}, "text": "x"}),
        ("channel_post", {"message_id": 5, "chat": {"id": -100, "type": "channel"}, "text": "x"}),
        ("callback_query", {"id": "1", "from": {"id": 7, "first_name": "Ada"}, "data": "x"}),
        ("my_chat_member", {"chat": {"id": -100, "type": "group"}}),
    ],
)
def test_unknown_update_types_are_recorded_as_ignored(
    client, fake_bot_api, kind, body, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = webhook_update(client, {"update_id": 9, kind: body})
    assert response.status_code == 200
    row = TelegramUpdate.objects.get(update_id=9)
    assert (row.kind, row.outcome) == (kind, TelegramUpdate.Outcome.IGNORED)
    assert "not handled" in row.reason
    assert not JobRun.objects.exists()  # no job for an update nobody acts on
    assert fake_bot_api.sent() == []
    assert not IntakeItem.objects.exists()


def test_redelivered_update_answers_200_and_does_nothing(
    client, fake_bot_api, django_capture_on_commit_callbacks
):
    from dataops.telegram.models import TelegramChat

    TelegramChat.objects.create(chat_id="-1001", label="Intake")
    update = group_message(50, -1001, "A guest idea: https://example.org/talk")
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_update(client, update).status_code == 200
    runs, sent = JobRun.objects.count(), len(fake_bot_api.sent())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert webhook_update(client, update).status_code == 200
        assert webhook_update(client, update).status_code == 200
    assert callbacks == []
    assert IntakeItem.objects.count() == 1
    assert JobRun.objects.count() == runs == 1
    assert len(fake_bot_api.sent()) == sent == 1
    row = TelegramUpdate.objects.get()
    assert (row.outcome, row.redeliveries) == (TelegramUpdate.Outcome.PROCESSED, 2)


def test_acceptance_is_fast_in_queries(client, fake_bot_api, django_assert_max_num_queries):
    """Verify, one dedup row, one ledger row: the web request does nothing else."""
    body = json.dumps(private_message(3, 42, "/status"))
    with django_assert_max_num_queries(4):
        client.post(
            URL,
            data=body,
            content_type="application/json",
            headers={"X-Telegram-Bot-Api-Secret-Token": FakeBotApi.SECRET},
        )
