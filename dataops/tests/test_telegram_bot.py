"""The bot end to end against the fake Bot API: intake, linking, commands, Bot API failures."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dataops.models import AuditEvent, JobRun, User
from dataops.telegram import client as bot_client
from dataops.telegram import linking
from dataops.telegram.bot import GENERIC_REPLY
from dataops.telegram.models import TelegramBotState, TelegramChat, TelegramLinkToken
from dataops.telegram.models import TelegramUpdate as Update
from dataops.tests import fake_telegram
from dataops.tests.fake_telegram import (
    deep_link_token,
    group_message,
    private_message,
    webhook_update,
)
from podcast.models import IntakeItem

fake_bot_api = fake_telegram.fake_bot_api
pytestmark = pytest.mark.django_db
GROUP = -1001234
PRIVATE = 4242
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Post updates to the webhook and run the queued job (eager Celery) as the worker would."""

    def post(update: dict) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return webhook_update(client, update).status_code

    return post


@pytest.fixture
def intake_chat(db):
    return TelegramChat.objects.create(chat_id=str(GROUP), label="Podcast intake")


@pytest.fixture
def linked(operator):
    operator.telegram_chat_id = str(PRIVATE)
    operator.save(update_fields=["telegram_chat_id"])
    return operator


# --- intake --------------------------------------------------------------------------------


def test_allowlisted_chat_message_becomes_one_intake_item_and_status_lists_it(
    deliver, fake_bot_api, intake_chat, linked
):
    text = "Guest idea: Dana on <data> contracts https://example.org/dana."
    assert deliver(group_message(1, GROUP, text)) == 200
    item = IntakeItem.objects.get()
    assert (item.source, item.external_id) == ("telegram", f"{GROUP}:1")
    assert item.text == text
    assert item.links == ["https://example.org/dana"]
    assert (item.from_name, item.from_contact) == ("Grace", "@grace")
    assert item.fields["telegram"]["chat"] == "Podcast intake"
    assert fake_bot_api.sent_texts(str(GROUP)) == [f"Captured as intake #{item.pk}."]

    assert deliver(private_message(2, PRIVATE, "/status")) == 200
    [status] = fake_bot_api.sent_texts(str(PRIVATE))
    assert f"#{item.pk} " in status and "Dana on &lt;data&gt; contracts" in status
    assert "Overdue: 0 · Today: 0 · Waiting: 0 · Follow-ups due: 0" in status
    assert "System: " in status
    assert fake_bot_api.sent(str(PRIVATE))[0]["parse_mode"] == "HTML"
    outcomes = dict(Update.objects.values_list("update_id", "outcome"))
    assert outcomes == {1: "processed", 2: "processed"}


def test_podcast_command_and_a_document_with_caption(deliver, fake_bot_api, intake_chat):
    fake_bot_api.add_file("doc-1", PNG, name="banner.png")
    document = {"file_id": "doc-1", "file_name": "banner.png", "mime_type": "image/png"}
    document["file_size"] = len(PNG)
    deliver(group_message(3, GROUP, caption="Banner for Dana", document=document))
    deliver(group_message(4, GROUP, "/podcast Ask about the 2019 outage"))
    first, second = IntakeItem.objects.order_by("pk")
    assert first.text == "Banner for Dana"
    assert [a.name for a in first.attachments.all()] == ["banner.png"]
    assert first.attachments.get().file.read() == PNG
    assert second.text == "Ask about the 2019 outage"
    assert [c.method for c in fake_bot_api.requests if c.method != "sendMessage"] == [
        "getFile",
        "GET documents/banner.png",
    ]


def test_a_50_mb_attachment_is_refused_by_its_reported_size(deliver, fake_bot_api, intake_chat):
    big = 50 * 1024 * 1024
    fake_bot_api.add_file("huge", b"x", reported_size=big, name="talk.mp4")
    document = {"file_id": "huge", "file_name": "talk.mp4", "file_size": big}
    deliver(group_message(5, GROUP, caption="The full talk", document=document))
    item = IntakeItem.objects.get()
    assert item.text == "The full talk" and not item.attachments.exists()
    assert fake_bot_api.calls("getFile") == []  # never asked for, never downloaded
    [reply] = fake_bot_api.sent_texts(str(GROUP))
    assert reply.startswith(f"Captured as intake #{item.pk}.")
    assert "talk.mp4 (50.0 MB, over the 5.0 MB limit)" in reply


def test_a_file_larger_than_it_claimed_is_not_kept(deliver, fake_bot_api, intake_chat, settings):
    settings.TELEGRAM_MAX_FILE_BYTES = 1000
    fake_bot_api.add_file("liar", b"y" * 5000, reported_size=10, name="notes.png")
    document = {"file_id": "liar", "file_name": "notes.png", "file_size": 10}
    deliver(group_message(6, GROUP, caption="Notes", document=document))
    assert not IntakeItem.objects.get().attachments.exists()
    assert "notes.png" in fake_bot_api.sent_texts()[0]


def test_non_allowlisted_chat_gets_the_generic_reply_and_nothing_else(deliver, fake_bot_api):
    assert deliver(group_message(7, -999, "/podcast secret plans")) == 200
    assert deliver(group_message(8, -999, "/status")) == 200
    assert deliver(private_message(9, 31337, "/status")) == 200
    assert not IntakeItem.objects.exists()
    assert fake_bot_api.sent_texts() == [GENERIC_REPLY] * 3
    reasons = list(Update.objects.order_by("update_id").values_list("outcome", "reason"))
    assert reasons == [
        ("refused", "chat not on the allowlist"),
        ("refused", "chat not on the allowlist"),
        ("refused", "private chat not linked to an account"),
    ]


def test_chat_allowed_status_only_captures_nothing(deliver, fake_bot_api, intake_chat):
    intake_chat.allow_intake = False
    intake_chat.save()
    deliver(group_message(10, GROUP, "A guest idea"))
    assert not IntakeItem.objects.exists()
    assert Update.objects.get().reason == "intake is not allowed in this chat"


def test_the_same_message_in_two_updates_is_one_item(deliver, fake_bot_api, intake_chat):
    update = group_message(11, GROUP, "Idea")
    deliver(update)
    again = {**update, "update_id": 12}
    deliver(again)
    assert IntakeItem.objects.count() == 1
    assert Update.objects.get(update_id=12).outcome == "duplicate"


# --- linking --------------------------------------------------------------------------------


def _link_from_profile(client, user) -> str:
    client.force_login(user)
    response = client.post("/telegram/link/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    link = body.split("data-telegram-deep-link>")[1].split("<")[0]
    assert link.startswith(f"https://t.me/{fake_telegram.FakeBotApi.USERNAME}?start=")
    return deep_link_token(link)


def test_profile_link_start_token_links_the_chat(client, deliver, fake_bot_api, operator):
    client.force_login(operator)
    assert "Link Telegram" in client.get("/account/").content.decode()
    token = _link_from_profile(client, operator)
    assert deliver(private_message(20, PRIVATE, f"/start {token}")) == 200
    operator.refresh_from_db()
    assert operator.telegram_chat_id == str(PRIVATE)
    assert linking.linked_chat_id(operator) == str(PRIVATE)
    assert "Linked to Grace Hopper." in fake_bot_api.sent_texts(str(PRIVATE))[0]
    assert AuditEvent.objects.filter(action="telegram.linked", target_id=str(operator.pk)).exists()
    assert "data-telegram-chat>4242<" in client.get("/account/").content.decode()

    # the same token again, from another chat: used
    assert deliver(private_message(21, 5555, f"/start {token}")) == 200
    assert "already used or has expired" in fake_bot_api.sent_texts("5555")[0]
    assert User.objects.filter(telegram_chat_id="5555").count() == 0


def test_expired_token_is_refused(client, deliver, fake_bot_api, operator):
    token = _link_from_profile(client, operator)
    TelegramLinkToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    deliver(private_message(22, PRIVATE, f"/start {token}"))
    operator.refresh_from_db()
    assert operator.telegram_chat_id == ""
    assert "already used or has expired" in fake_bot_api.sent_texts()[0]
    assert Update.objects.get().outcome == "refused"


def test_unknown_token_is_refused(deliver, fake_bot_api, operator):
    deliver(private_message(23, PRIVATE, "/start not-a-real-token"))
    assert not User.objects.exclude(telegram_chat_id="").exists()
    assert "already used or has expired" in fake_bot_api.sent_texts()[0]


def test_a_linked_chat_cannot_be_taken_over(client, deliver, fake_bot_api, linked, admin_user):
    token = _link_from_profile(client, admin_user)
    deliver(private_message(24, PRIVATE, f"/start {token}"))
    admin_user.refresh_from_db()
    linked.refresh_from_db()
    assert (admin_user.telegram_chat_id, linked.telegram_chat_id) == ("", str(PRIVATE))
    assert "already linked to another account" in fake_bot_api.sent_texts()[0]


def test_stop_and_profile_unlink(client, deliver, fake_bot_api, linked):
    deliver(private_message(25, PRIVATE, "/stop"))
    linked.refresh_from_db()
    assert linked.telegram_chat_id == ""
    assert AuditEvent.objects.filter(action="telegram.unlinked", note="telegram /stop").exists()
    linked.telegram_chat_id = str(PRIVATE)
    linked.save()
    client.force_login(linked)
    response = client.post("/telegram/unlink/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Link Telegram" in response.content.decode()
    linked.refresh_from_db()
    assert linked.telegram_chat_id == ""
    assert AuditEvent.objects.filter(action="telegram.unlinked", note="profile").exists()


def test_profile_without_a_configured_bot_offers_no_link(client, operator, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    client.force_login(operator)
    body = client.get("/account/").content.decode()
    assert "not set up on this installation" in body
    response = client.post("/telegram/link/")
    assert response.status_code == 200 and "ask an admin" in response.content.decode()
    assert not TelegramLinkToken.objects.exists()


# --- commands -------------------------------------------------------------------------------


def test_today_whoami_help_and_commands_change_no_task(deliver, fake_bot_api, linked, settings):
    from tasks.models import Task
    from tasks.services import task_create
    from tasks.services.common import local_today

    task = task_create(
        title="Book <the> studio", due_date=local_today(), by=linked, assignee=linked
    )
    settings.TELEGRAM_PORTAL_URL = "https://ops.example.com"
    before = list(Task.objects.values_list("pk", "status", "due_date"))
    for n, command in enumerate(["/today", "/whoami", "/help", "/status", "hello"], start=30):
        deliver(private_message(n, PRIVATE, command))
    today, whoami, help_, status, plain = fake_bot_api.sent_texts(str(PRIVATE))
    assert "Due today (1)" in today and "Book &lt;the&gt; studio" in today
    assert f'<a href="https://ops.example.com/tasks/{task.pk}/">Book &lt;the&gt;' in today
    assert "Grace Hopper" in whoami and "/podcast" in help_
    assert "Today: 1" in status
    assert "/help" in plain
    assert list(Task.objects.values_list("pk", "status", "due_date")) == before


def test_links_in_replies_point_at_the_portal(deliver, fake_bot_api, linked, settings):
    settings.TELEGRAM_PORTAL_URL = "https://ops.example.com"
    deliver(private_message(40, PRIVATE, "/status"))
    assert '<a href="https://ops.example.com/">Open the portal</a>' in fake_bot_api.sent_texts()[0]


# --- the Bot API failing during a reply -------------------------------------------------------


@pytest.mark.parametrize(
    "arrange",
    [
        lambda api: api.fail("sendMessage", status=429, retry_after=1),
        lambda api: api.fail("sendMessage", status=500),
        lambda api: api.hang("sendMessage", 1.5),
    ],
    ids=["429", "500", "timeout"],
)
def test_reply_failure_is_retried_without_a_second_item(
    deliver, fake_bot_api, intake_chat, arrange
):
    arrange(fake_bot_api)
    deliver(group_message(50, GROUP, "Idea under pressure"))
    item = IntakeItem.objects.get()
    run = JobRun.objects.get(kind="telegram.update")
    assert run.status == JobRun.Status.SUCCEEDED and run.attempts == 2
    assert len(fake_bot_api.calls("sendMessage")) == 2
    assert fake_bot_api.sent_texts()[-1] == f"Captured as intake #{item.pk}."
    row = Update.objects.get()
    assert (row.outcome, row.job_run_id) == ("processed", run.pk)
    assert "_reply" not in row.payload


def test_a_reply_the_api_refuses_for_good_is_not_retried(deliver, fake_bot_api, intake_chat):
    fake_bot_api.fail("sendMessage", status=403)
    deliver(group_message(51, GROUP, "Idea"))
    run = JobRun.objects.get(kind="telegram.update")
    assert run.status == JobRun.Status.SUCCEEDED and run.attempts == 1
    assert "reply not delivered" in Update.objects.get().reason
    assert IntakeItem.objects.count() == 1


def test_send_message_escapes_nothing_itself_but_cuts_to_4096(fake_bot_api):
    message_id = bot_client.send_message("1", "&amp;" * 1000)
    assert message_id > 0
    sent = fake_bot_api.sent_texts()[0]
    assert len(sent) <= 4096 and sent.endswith("&amp;…")


def test_client_errors_say_whether_to_retry(fake_bot_api):
    fake_bot_api.fail("sendMessage", status=429, retry_after=7)
    with pytest.raises(bot_client.TelegramError) as limited:
        bot_client.send_message("1", "x")
    assert limited.value.transient and limited.value.retry_after == 7
    fake_bot_api.fail("sendMessage", status=400)
    with pytest.raises(bot_client.TelegramError) as bad:
        bot_client.send_message("1", "x")
    assert not bad.value.transient
    assert fake_telegram.FakeBotApi.TOKEN not in str(bad.value)


# --- commands of manage.py ----------------------------------------------------------------------


def test_telegram_poll_once_goes_through_the_same_handler(
    fake_bot_api, intake_chat, django_capture_on_commit_callbacks
):
    fake_bot_api.queue_update(group_message(60, GROUP, "Polled idea"))
    fake_bot_api.queue_update({"update_id": 61, "edited_message": {"chat": {"id": GROUP}}})
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("telegram_poll", "--once", "--timeout", "0", stdout=out)
    assert "2 update(s) received" in out.getvalue()
    assert IntakeItem.objects.get().text == "Polled idea"
    assert TelegramBotState.load().poll_offset == 62
    assert fake_bot_api.calls("getUpdates")[0].params["offset"] == 0
    assert set(Update.objects.values_list("via", flat=True)) == {"polling"}


def test_telegram_set_webhook_registers_url_and_secret(fake_bot_api):
    call_command(
        "telegram_set_webhook", "https://ops.example.com/telegram/webhook/", stdout=StringIO()
    )
    [call] = fake_bot_api.calls("setWebhook")
    assert call.params["url"] == "https://ops.example.com/telegram/webhook/"
    assert call.params["secret_token"] == fake_telegram.FakeBotApi.SECRET
    assert TelegramBotState.load().webhook_url == "https://ops.example.com/telegram/webhook/"


def test_telegram_set_webhook_refuses_without_secret(fake_bot_api, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    with pytest.raises(CommandError, match="TELEGRAM_WEBHOOK_SECRET"):
        call_command("telegram_set_webhook", "https://ops.example.com/telegram/webhook/")
    assert fake_bot_api.requests == []


# --- the admin page ------------------------------------------------------------------------------


def test_telegram_page_is_for_admins(operator_client):
    assert operator_client.get("/telegram/").status_code == 403
    assert (
        operator_client.post("/telegram/chats/", {"chat_id": "-1", "label": "x"}).status_code == 403
    )


def test_telegram_page_says_what_is_missing(admin_client_, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    body = admin_client_.get("/telegram/").content.decode()
    assert "Not configured" in body
    assert "TELEGRAM_BOT_TOKEN is not set" in body and "TELEGRAM_WEBHOOK_SECRET is not set" in body
    assert "No chats allowlisted" in body and "No updates yet" in body


def test_telegram_page_lists_chats_people_and_updates(
    admin_client_, deliver, fake_bot_api, intake_chat, linked
):
    deliver(group_message(70, GROUP, "Idea"))
    deliver(group_message(70, GROUP, "Idea"))
    deliver(group_message(71, -5, "hi"))
    body = admin_client_.get("/telegram/").content.decode()
    assert "Configured" in body and "Podcast intake" in body
    assert 'data-update="70" data-outcome="processed"' in body and "+1 duplicate delivery" in body
    assert 'data-update="71" data-outcome="refused"' in body and "chat not on the allowlist" in body
    assert "grace" in body and ">4242<" in body


def test_allowlist_add_and_remove(admin_client_, admin_user):
    bad = admin_client_.post("/telegram/chats/", {"chat_id": "abc", "label": ""})
    assert bad.status_code == 400
    assert "A chat id is a whole number" in bad.content.decode()
    response = admin_client_.post(
        "/telegram/chats/", {"chat_id": "-100777", "label": "Guests", "allow_status": "on"}
    )
    assert response.status_code == 302
    chat = TelegramChat.objects.get(chat_id="-100777")
    assert (chat.allow_intake, chat.allow_status, chat.created_by) == (False, True, admin_user)
    duplicate = admin_client_.post("/telegram/chats/", {"chat_id": "-100777", "label": "Again"})
    assert duplicate.status_code == 400
    admin_client_.post(f"/telegram/chats/{chat.pk}/remove/")
    assert not TelegramChat.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"telegram.chat_allowed", "telegram.chat_removed"} <= actions


def test_messages_with_nothing_to_capture(deliver, fake_bot_api, intake_chat):
    joined = group_message(80, GROUP, new_chat_members=[{"id": 9, "first_name": "Bot"}])
    deliver(joined)
    deliver(group_message(81, GROUP, "/podcast"))
    deliver(group_message(82, GROUP, "/podcast " + "x" * 20_001))
    assert not IntakeItem.objects.exists()
    rows = dict(Update.objects.values_list("update_id", "outcome"))
    assert rows == {80: "ignored", 81: "refused", 82: "refused"}
    no_notes, too_long = fake_bot_api.sent_texts()
    assert no_notes == "Send /podcast followed by your notes."
    assert too_long.startswith("Not captured: ")


def test_a_new_link_ends_the_older_open_one(client, deliver, fake_bot_api, operator):
    first = _link_from_profile(client, operator)
    second = _link_from_profile(client, operator)
    deliver(private_message(90, PRIVATE, f"/start {first}"))
    operator.refresh_from_db()
    assert operator.telegram_chat_id == ""
    deliver(private_message(91, PRIVATE, f"/start {second}"))
    operator.refresh_from_db()
    assert operator.telegram_chat_id == str(PRIVATE)


def test_a_job_delivered_twice_does_the_work_and_replies_once(deliver, fake_bot_api, intake_chat):
    from dataops.telegram import updates

    deliver(group_message(100, GROUP, "Idea"))
    updates.process(Update.objects.get().pk)  # the broker hands the message out again
    assert IntakeItem.objects.count() == 1
    assert len(fake_bot_api.sent()) == 1


def test_status_in_a_group_needs_the_status_permission_and_a_linked_sender(
    deliver, fake_bot_api, intake_chat, operator
):
    deliver(group_message(110, GROUP, "/status", sender_id=PRIVATE))
    assert fake_bot_api.sent_texts()[-1] == "Status commands are not enabled for this chat."
    intake_chat.allow_status = True
    intake_chat.save()
    deliver(group_message(111, GROUP, "/status", sender_id=PRIVATE))
    assert "Link your account" in fake_bot_api.sent_texts()[-1]
    operator.telegram_chat_id = str(PRIVATE)
    operator.save()
    deliver(group_message(112, GROUP, "/status@dataops_test_bot", sender_id=PRIVATE))
    assert "Status for Grace Hopper" in fake_bot_api.sent_texts()[-1]
    assert not IntakeItem.objects.exists()


def test_telegram_page_queries_do_not_grow_with_updates(admin_client_, intake_chat, linked):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(first: int, n: int) -> None:
        for update_id in range(first, first + n):
            run = JobRun.objects.create(kind="telegram.update", task_id=f"t-{update_id}")
            Update.objects.create(update_id=update_id, kind="message", job_run=run)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client_.get("/telegram/").status_code == 200
        return len(captured)

    add(0, 3)
    admin_client_.get("/telegram/")  # the cached role lists
    few = queries()
    add(3, 70)
    assert queries() == few
    assert admin_client_.get("/telegram/").content.decode().count("data-update=") == 50
