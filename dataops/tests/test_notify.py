"""Outbound notifications: rules, the outbox, channels, quiet hours, the digest, retries,
the Telegram breaker, and two senders at once. Telegram goes to a fake Bot API on
127.0.0.1, email to a local SMTP server."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, time, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from accounts.tests.conftest import _free_port, _Inbox
from dataops.models import Notification
from dataops.notify import breaker
from dataops.notify.health import check_outbound
from dataops.notify.models import ChannelBreaker, NotifyPreference, OutboxMessage
from dataops.notify.rules import RULES
from dataops.notify.sender import send_pending
from dataops.services import notify
from dataops.tests.fake_telegram import FakeBotApi, fake_bot_api  # noqa: F401 - fixture

S = OutboxMessage.Status


@pytest.fixture
def fake_bot(fake_bot_api, settings):  # noqa: F811 - the imported fixture
    """The fake Bot API; senders are run by the tests themselves."""
    settings.NOTIFY_SEND_ON_WRITE = False
    settings.TELEGRAM_TIMEOUT_SECONDS = 3
    return fake_bot_api


@pytest.fixture
def smtp(settings):
    """A local SMTP server; mail goes through Django's real SMTP backend to it."""
    from aiosmtpd.controller import Controller

    inbox, port = _Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.NOTIFY_SEND_ON_WRITE = False
    yield inbox
    controller.stop()


@pytest.fixture
def linked(operator):
    operator.telegram_chat_id = "5550001"
    operator.email = "grace@example.org"
    operator.save(update_fields=["telegram_chat_id", "email"])
    return operator


@pytest.fixture
def admin_linked(admin_user):
    admin_user.telegram_chat_id = "5550002"
    admin_user.save(update_fields=["telegram_chat_id"])
    return admin_user


def ping(user, key="k1", kind="follow_up_due", text="Follow up with Bob.") -> int:
    return notify(
        recipients=[user], kind=kind, text=text, link="/tasks/1/", dedup_key=f"task-x:{key}"
    )


def row_of(user, **filters) -> OutboxMessage:
    return OutboxMessage.objects.get(recipient=user, **filters)


# --- rules ------------------------------------------------------------------------------

RULE_EVENTS = [
    ("task_overdue", "task-overdue:7:2026-12-01", "task-overdue:7:2026-12-01", "Overdue tasks"),
    ("follow_up_due", "task-follow-up:7:2026-12-01", "task:7", "Follow-up due"),
    ("task_waiting_long", "task-waiting-long:7:2026-12-01", "task:7", "No answer yet"),
    (
        "workflow_auto_started",
        "workflow-auto-started:3",
        "workflow-auto-started:3",
        "Workflow started",
    ),
    ("assistant_waiting", "assistant-waiting:9:1", "job:9", "Draft waiting for approval"),
    ("intake_captured", "intake-captured:12:4", "episode:4", "New intake item"),
    ("job_failed", "job-failed:docs.sync:abc:2026-12-06", "job:docs.sync", "Job failed"),
    ("health_degraded", "health:Disk space:fail:2026-12-06", "check:Disk space", "Health degraded"),
    ("docs_sync_stopped", "health:Docs mirror:fail:2026-12-06", "docs", "Docs sync stopped"),
]


def test_every_rule_is_covered_here():
    assert {kind for kind, *_ in RULE_EVENTS} | {"notify_test"} == set(RULES)


@pytest.mark.parametrize("kind,dedup,cooldown_key,title", RULE_EVENTS)
def test_each_rule_queues_one_message_per_recipient(linked, kind, dedup, cooldown_key, title):
    created = notify(recipients=[linked], kind=kind, text="Something", link="/x/", dedup_key=dedup)
    assert created == 1
    row = row_of(linked)
    assert (row.rule, row.subject_key, row.cooldown_key) == (kind, dedup, cooldown_key)
    assert (row.title, row.text, row.channel, row.status) == (
        title,
        "Something",
        "telegram",
        S.PENDING,
    )
    assert row.digest is (kind == "task_overdue")
    assert row.link.endswith("/x/") and "://" in row.link
    # The same event again (a rerun of the job that noticed it) queues nothing more.
    assert queue_again(linked, kind, dedup) == 1


def queue_again(user, kind, dedup) -> int:
    from dataops.notify.rules import Event
    from dataops.notify.services import queue_for_event

    queue_for_event(Event(kind, "Something", "/x/", dedup, [user]))
    return OutboxMessage.objects.filter(recipient=user).count()


def test_a_kind_without_a_rule_stays_in_app(linked):
    notify(recipients=[linked], kind="invite_accepted", text="Joined", dedup_key="invite:1")
    assert Notification.objects.filter(recipient=linked).count() == 1
    assert not OutboxMessage.objects.exists()


# --- hooks where in-app notifications are made ------------------------------------------


def test_due_tasks_queue_overdue_follow_up_and_waiting_too_long(linked, settings):
    from tasks.models import Task
    from tasks.services import notify_due_tasks

    today = date(2026, 12, 7)
    common = {"assignee": linked, "due_date": today + timedelta(days=3)}
    Task.objects.create(title="Send invoice", assignee=linked, due_date=today - timedelta(days=1))
    Task.objects.create(
        title="Venue",
        status=Task.Status.WAITING,
        waiting_for="Bob",
        follow_up_date=today,
        **common,
    )
    Task.objects.create(
        title="Sponsor",
        status=Task.Status.WAITING,
        waiting_for="Acme",
        follow_up_date=today - timedelta(days=settings.NOTIFY_WAITING_TOO_LONG_DAYS),
        **common,
    )
    notify_due_tasks(today=today)
    rules = Counter(OutboxMessage.objects.values_list("rule", flat=True))
    assert rules == {"task_overdue": 1, "follow_up_due": 2, "task_waiting_long": 1}
    waiting = OutboxMessage.objects.get(rule="task_waiting_long")
    assert "Still no answer from Acme" in waiting.text


def test_a_failed_job_reaches_admins_outside_the_app(
    admin_linked, django_capture_on_commit_callbacks
):
    from dataops.jobs import run_failed
    from dataops.models import JobRun

    run = JobRun.objects.create(kind="docs.sync")
    with django_capture_on_commit_callbacks(execute=True):
        run_failed(run, "remote diverged")
    row = row_of(admin_linked)
    assert (row.rule, row.cooldown_key) == ("job_failed", "job:docs.sync")
    assert "remote diverged" in row.text


def test_an_intake_item_for_an_episode_tells_its_owner(linked, admin_user):
    from podcast.intake.services import intake_create
    from podcast.models import Episode

    episode = Episode.objects.create(working_title="Ep 12", owner=linked)
    item, _ = intake_create(source="telegram", text="Guest idea", by=admin_user, episode=episode)
    row = row_of(linked, rule="intake_captured")
    assert f"#{item.pk}" in row.text and "Ep 12" in row.text
    intake_create(source="telegram", text="Mine", by=linked, episode=episode)
    assert OutboxMessage.objects.count() == 1  # the owner's own capture tells nobody


# --- delivery ---------------------------------------------------------------------------


def test_telegram_delivery_to_the_linked_chat(linked, fake_bot):
    ping(linked, text="Follow up with <Bob> & co.")
    assert send_pending() == {"sent": 1}
    (call,) = fake_bot.sent()
    assert call["chat_id"] == "5550001" and call["parse_mode"] == "HTML"
    assert "<b>Follow-up due</b>" in call["text"] and "&lt;Bob&gt; &amp; co." in call["text"]
    row = row_of(linked)
    assert row.status == S.SENT and row.sent_at and row.external_id == "1001"
    assert send_pending() == {}  # nothing twice


def test_email_when_telegram_is_not_linked(operator, smtp):
    operator.email = "grace@example.org"
    operator.save(update_fields=["email"])
    ping(operator, text="Follow up with Bob on “Venue”.")
    assert send_pending() == {"sent": 1}
    (message,) = smtp.messages
    assert message["To"] == "grace@example.org"
    assert message["Subject"] == "[DataOps] Follow-up due"
    body = message.get_content()
    assert "Follow up with Bob on “Venue”." in body and "/tasks/1/" in body
    assert row_of(operator).channel == "email"


def test_unlinked_after_queueing_goes_by_email(linked, smtp, fake_bot):
    ping(linked)
    linked.telegram_chat_id = ""
    linked.save(update_fields=["telegram_chat_id"])
    send_pending()
    assert len(smtp.messages) == 1 and not fake_bot.sent()
    assert row_of(linked).channel == "email"


def test_channels_switched_off_keep_it_in_the_bell(linked):
    NotifyPreference.objects.create(
        user=linked, disabled=["follow_up_due:telegram", "follow_up_due:email"]
    )
    ping(linked)
    assert Notification.objects.filter(recipient=linked).exists()
    assert not OutboxMessage.objects.exists()


def test_email_switched_off_for_a_rule_without_telegram(operator):
    operator.email = "grace@example.org"
    operator.save(update_fields=["email"])
    NotifyPreference.objects.create(user=operator, disabled=["follow_up_due:email"])
    ping(operator)
    ping(operator, key="k2", kind="workflow_auto_started")
    assert list(OutboxMessage.objects.values_list("rule", flat=True)) == ["workflow_auto_started"]


# --- cooldown -----------------------------------------------------------------------------


def job_failure(admin, error: str):
    notify(
        recipients=[admin],
        kind="job_failed",
        text=f"Background job “docs.sync” failed: {error}",
        dedup_key=f"job-failed:docs.sync:{error}:2026-12-06",
    )


def test_cooldown_counts_from_the_last_successful_delivery(admin_linked, fake_bot):
    job_failure(admin_linked, "first")
    send_pending()
    job_failure(admin_linked, "second")  # same job kind within the hour
    assert send_pending() == {"skipped": 1}
    assert len(fake_bot.sent()) == 1
    skipped = OutboxMessage.objects.get(subject_key__contains="second")
    assert skipped.status == S.SKIPPED and "cooldown" in skipped.error


def test_a_failed_send_does_not_use_up_the_cooldown(admin_linked, fake_bot):
    fake_bot.fail("sendMessage", status=403)
    job_failure(admin_linked, "first")
    assert send_pending() == {"failed": 1}
    job_failure(admin_linked, "second")
    assert send_pending() == {"sent": 1}
    assert "second" in fake_bot.sent_texts()[-1]  # the refused first, then this one


def test_cooldown_over_sends_again(admin_linked, fake_bot):
    job_failure(admin_linked, "first")
    send_pending()
    OutboxMessage.objects.update(sent_at=timezone.now() - timedelta(hours=1, minutes=1))
    job_failure(admin_linked, "second")
    assert send_pending() == {"sent": 1}


# --- quiet hours and the digest ---------------------------------------------------------


def test_quiet_hours_hold_messages_until_they_end(linked, fake_bot, time_machine):
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 12, 6, 22, 30)), tick=False)
    NotifyPreference.objects.create(user=linked, quiet_start=time(22), quiet_end=time(7))
    ping(linked)
    assert send_pending() == {"postponed": 1}
    row = row_of(linked)
    local_end = timezone.localtime(row.not_before)
    assert (local_end.date(), local_end.time()) == (date(2026, 12, 7), time(7))
    assert row.status == S.PENDING and row.attempts == 0 and not fake_bot.sent()
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 12, 7, 7, 0, 1)), tick=False)
    assert send_pending() == {"sent": 1}


def test_quiet_hours_in_the_persons_own_time_zone(linked, fake_bot, time_machine):
    # 14:00 in Berlin is 22:00 in Singapore: quiet for someone there.
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 12, 6, 14, 0)), tick=False)
    NotifyPreference.objects.create(
        user=linked, quiet_start=time(21), quiet_end=time(8), time_zone="Asia/Singapore"
    )
    ping(linked)
    assert send_pending() == {"postponed": 1}


def overdue(user, n: int):
    notify(
        recipients=[user],
        kind="task_overdue",
        text=f"“Task {n}” is overdue.",
        link=f"/tasks/{n}/",
        dedup_key=f"task-overdue:{n}:2026-12-05",
    )


def test_overdue_tasks_come_as_one_morning_digest(linked, fake_bot, time_machine):
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 12, 6, 5, 0)), tick=False)
    NotifyPreference.objects.create(user=linked, digest_hour=9)
    for n in (1, 2, 3):
        overdue(linked, n)
    rows = OutboxMessage.objects.filter(rule="task_overdue")
    assert rows.count() == 3
    assert {timezone.localtime(r.not_before).hour for r in rows} == {9}
    assert send_pending() == {}  # not before nine
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 12, 6, 9, 0, 5)), tick=False)
    assert send_pending() == {"sent": 1}
    (text,) = fake_bot.sent_texts()
    assert "Overdue tasks: 3" in text
    assert all(f"Task {n}" in text for n in (1, 2, 3))
    assert set(rows.values_list("status", flat=True)) == {S.SENT}


def test_overdue_after_todays_digest_waits_for_tomorrows(linked, fake_bot, time_machine):
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 12, 6, 10, 0)), tick=False)
    overdue(linked, 1)  # past today's hour and no digest yet: goes now
    assert send_pending() == {"sent": 1}
    overdue(linked, 2)
    later = OutboxMessage.objects.get(subject_key__startswith="task-overdue:2")
    when = timezone.localtime(later.not_before)
    assert (when.date(), when.hour) == (date(2026, 12, 7), 8)


# --- retries and giving up ----------------------------------------------------------------


def test_transient_failures_retry_with_the_ledgers_backoff_then_give_up(
    linked, fake_bot, settings, time_machine
):
    from dataops.jobs import backoff_seconds

    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_BREAKER_THRESHOLD = 100
    time_machine.move_to(timezone.now(), tick=False)
    fake_bot.fail("sendMessage", status=502, times=3)
    ping(linked)
    for attempt in (1, 2):
        assert send_pending() == {"retrying": 1}
        row = row_of(linked)
        assert (row.status, row.attempts) == (S.PENDING, attempt)
        assert row.not_before == timezone.now() + timedelta(seconds=backoff_seconds(attempt - 1))
        assert "502" in row.error
        time_machine.move_to(row.not_before, tick=False)
    assert send_pending() == {"failed": 1}
    row = row_of(linked)
    assert (row.status, row.attempts) == (S.FAILED, 3)
    assert len(fake_bot.sent()) == 3  # each try reached the Bot API, each was refused


def test_secrets_never_reach_the_stored_error(linked, fake_bot, monkeypatch):
    from dataops.telegram import client

    def leaky(chat_id, text):
        url = f"{fake_bot.base_url}/bot{FakeBotApi.TOKEN}/sendMessage"
        raise client.TelegramError(f"could not reach {url}", transient=False)

    monkeypatch.setattr(client, "send_message", leaky)
    ping(linked)
    send_pending()
    error = row_of(linked).error
    assert "could not reach" in error and FakeBotApi.TOKEN not in error and "[redacted]" in error


def test_rate_limited_waits_as_long_as_telegram_asks(linked, fake_bot, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    fake_bot.fail("sendMessage", status=429, retry_after=600)
    ping(linked)
    assert send_pending() == {"retrying": 1}
    assert row_of(linked).not_before == timezone.now() + timedelta(seconds=600)


def test_a_permanent_failure_is_not_retried(linked, fake_bot):
    fake_bot.fail("sendMessage", status=400)
    ping(linked)
    assert send_pending() == {"failed": 1}
    assert "answered 400" in row_of(linked).error


# --- the breaker --------------------------------------------------------------------------


def test_breaker_opens_after_five_failures_pauses_probes_and_closes(
    linked, admin_user, fake_bot, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    fake_bot.fail("sendMessage", status=500, times=5)
    for n in range(6):
        ping(linked, key=f"k{n}", kind="workflow_auto_started")
    counts = send_pending()
    assert counts == {"retrying": 5, "postponed": 1}
    state, row = breaker.state()
    assert state == "open" and row.failures == 5
    told = Notification.objects.filter(recipient=admin_user, kind="notify_breaker_open")
    assert told.count() == 1
    assert check_outbound().status == "fail"
    # Paused: due rows wait without calling Telegram and without using a try.
    time_machine.move_to(timezone.now() + timedelta(minutes=5), tick=False)
    OutboxMessage.objects.update(not_before=timezone.now())
    assert send_pending() == {"postponed": 6}
    assert OutboxMessage.objects.filter(attempts__gt=1).count() == 0
    # After the pause: one probe; it fails and the breaker opens again, admins not told twice.
    time_machine.move_to(timezone.now() + timedelta(minutes=11), tick=False)
    OutboxMessage.objects.update(not_before=timezone.now())
    fake_bot.fail("sendMessage", status=500)
    assert send_pending() == {"retrying": 1, "postponed": 5}
    assert breaker.state()[0] == "open" and told.count() == 1
    # The next probe succeeds: closed, everything goes out.
    time_machine.move_to(timezone.now() + timedelta(minutes=16), tick=False)
    OutboxMessage.objects.update(not_before=timezone.now())
    assert send_pending() == {"sent": 6}
    assert breaker.state()[0] == "closed" and ChannelBreaker.objects.get().failures == 0
    assert check_outbound().status == "ok"
    # Calls that reached Telegram: five failures, the failed probe, six successes.
    assert len(fake_bot.sent()) == 12


def test_email_keeps_going_while_telegram_is_paused(linked, operator, smtp, fake_bot):
    ChannelBreaker.objects.create(channel="telegram", failures=5, opened_at=timezone.now())
    other = type(operator).objects.create_user(username="lin", email="lin@example.org")
    ping(linked)
    ping(other)
    assert send_pending() == {"postponed": 1, "sent": 1}
    assert len(smtp.messages) == 1


# --- the health watch -------------------------------------------------------------------


def failing_docs_check():
    from dataops.health import FAIL, CheckResult

    return CheckResult("Docs mirror", FAIL, "Last sync 3 hours ago.")


def failing_disk_check():
    from dataops.health import FAIL, CheckResult

    return CheckResult("Disk space", FAIL, "Only 100 MiB free.")


def test_the_health_watch_tells_admins(admin_linked, settings):
    from dataops.notify.tasks import watch_health

    settings.HEALTH_CHECKS = [
        "dataops.tests.test_notify.failing_docs_check",
        "dataops.tests.test_notify.failing_disk_check",
        "dataops.health.check_database",
        "dataops.notify.health.check_outbound",
    ]
    # An open breaker fails its check, but it tells admins itself: not again from here.
    ChannelBreaker.objects.create(channel="telegram", failures=5, opened_at=timezone.now())
    assert watch_health() == 2
    assert watch_health() == 0  # once per check, status and day
    rules = set(OutboxMessage.objects.values_list("rule", flat=True))
    assert rules == {"docs_sync_stopped", "health_degraded"}


# --- two senders at once ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_never_send_a_message_twice(make_user, fake_bot, settings):
    from dataops.notify.models import Channel

    settings.NOTIFY_BREAKER_THRESHOLD = 10_000
    users = [make_user(f"u{n}", telegram_chat_id=f"90{n}") for n in range(4)]
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            rule="workflow_auto_started",
            subject_key=f"s{n}",
            recipient=users[n % 4],
            channel=Channel.TELEGRAM,
            title="Workflow started",
            text=f"message {n}",
        )
        for n in range(300)
    )
    barrier = threading.Barrier(2)
    results: list[Counter] = []

    def work():
        try:
            barrier.wait()
            results.append(send_pending(batch=10))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    texts = fake_bot.sent_texts()
    assert len(texts) == 300 and len(set(texts)) == 300
    assert sum(r["sent"] for r in results) == 300 and all(r["sent"] for r in results)
    assert OutboxMessage.objects.filter(status=S.SENT).count() == 300


def test_a_write_wakes_the_sender_after_its_commit(
    linked, fake_bot, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_SEND_ON_WRITE = True  # the sender task runs eagerly in tests
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ping(linked)
    assert not fake_bot.sent()  # nothing goes out before the commit
    for callback in callbacks:
        callback()
    assert len(fake_bot.sent()) == 1 and row_of(linked).status == S.SENT
