"""Login lockout per username + IP and per IP alone (password spraying), with minutes left."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "plum-orchard-lantern-42"


def fail(client, username, ip="10.1.1.1"):
    return client.post("/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)


def login(client, username, ip="10.1.1.1"):
    return client.post("/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)


def test_spraying_many_usernames_from_one_ip_locks_that_ip(client, operator, settings):
    assert settings.LOGIN_IP_FAILURE_LIMIT == 20 and settings.AXES_FAILURE_LIMIT == 5
    for n in range(19):
        assert fail(client, f"user{n}").status_code == 200
    locked = fail(client, "user19")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "from your network" in page and "Try again in 15 minutes." in page
    assert "Reset password by email" not in page  # a new password does not lift an IP lock
    # every account is refused from that IP, even with the right password …
    assert login(Client(), "grace").status_code == 429
    # … and allowed from anywhere else
    assert login(Client(), "grace", ip="10.2.2.2").status_code == 302


def test_the_ip_count_is_kept_in_the_database_for_every_process(client):
    for n in range(3):
        fail(client, f"user{n}")
    assert (
        sum(
            AccessAttempt.objects.filter(ip_address="10.1.1.1").values_list(
                "failures_since_start", flat=True
            )
        )
        == 3
    )


def test_one_username_still_locks_at_its_own_lower_limit(client, operator):
    for _ in range(4):
        assert fail(client, "grace").status_code == 200
    locked = fail(client, "grace")
    assert locked.status_code == 429
    assert "this account from here is paused" in locked.content.decode()
    assert "Reset password by email" in locked.content.decode()
    # the IP is not locked for other people
    assert fail(Client(), "someone-else").status_code == 200


def test_locked_page_counts_down_and_the_lock_ends(client, operator):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            fail(client, "grace")
    with time_machine.travel(start + timedelta(minutes=10, seconds=30), tick=False):
        page = login(Client(), "grace").content.decode()
        assert "Try again in 5 minutes." in page
    with time_machine.travel(start + timedelta(minutes=15, seconds=30), tick=False):
        assert login(Client(), "grace").status_code == 302


def test_ip_lock_ends_when_enough_failures_leave_the_window(client, operator, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 4
    start = timezone.now()
    for minute, name in enumerate(["a", "b", "c", "d"]):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            fail(client, name)
    # the oldest failure leaves the window at 15 min, which brings the count under 4
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert "Try again in 9 minutes." in login(Client(), "grace").content.decode()
    with time_machine.travel(start + timedelta(minutes=15, seconds=5), tick=False):
        assert login(Client(), "grace").status_code == 302


def test_a_new_password_by_email_ends_the_accounts_lockout(
    client, operator, mailbox, django_capture_on_commit_callbacks
):
    operator.email = "grace@example.org"
    operator.save()
    for _ in range(5):
        fail(client, "grace")
    assert login(Client(), "grace").status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": "grace@example.org"})
    form_url = client.get(urlparse(mailbox.links()[0]).path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = Client().post(
        "/login/", {"username": "grace", "password": NEW_PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 302 and response["Location"] == "/"
