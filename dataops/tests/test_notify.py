"""Outbound notifications: rules, the outbox, channels, quiet hours, the digest, retries,
the Telegram breaker, and two senders at once. Telegram goes to a fake Bot API on
127.0.0.1, email to a local SMTP server."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import date, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
from dataops.services import notify, notify_admins

S = OutboxMessage.Status
BOT_TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"


class FakeBotAPI:
    """A Bot API on 127.0.0.1 recording sendMessage calls; `fail_with` queues answers
    (status, description, retry_after) given before the next successes."""

    def __init__(self):
        self.sent: list[dict] = []
        self.fail_with: list[tuple[int, str, float | None]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"] or 0)))
                with fake.lock:
                    failure = fake.fail_with.pop(0) if fake.fail_with else None
                    if failure is None:
                        fake.sent.append(body)
                        answer = {"ok": True, "result": {"message_id": len(fake.sent)}}
                        status = 200
                    else:
                        status, description, retry_after = failure
                        answer = {"ok": False, "description": description}
                        if retry_after:
                            answer["parameters"] = {"retry_after": retry_after}
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def texts(self) -> list[str]:
        return [call["text"] for call in self.sent]


@pytest.fixture
def fake_bot(settings):
    bot = FakeBotAPI()
    settings.TELEGRAM_API_BASE_URL = bot.url
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_TIMEOUT_SECONDS = 3
    settings.NOTIFY_SEND_ON_WRITE = False
    yield bot
    bot.stop()


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
