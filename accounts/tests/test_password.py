"""Password change from Your account, and password reset by email through real SMTP."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import messages
from conftest import PASSWORD
from dataops.models import JobRun, User

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "plum-orchard-lantern-42"


def test_your_account_is_linked_from_the_header_menu(operator_client):
    page = operator_client.get("/").content.decode()
    assert f'href="{reverse("accounts:profile")}"' in page


def test_your_account_shows_how_you_log_in(operator_client):
    page = operator_client.get(reverse("accounts:profile")).content.decode()
    assert "grace" in page and "Change password" in page and "Operator" in page


def test_you_can_change_your_name(operator_client, operator):
    response = operator_client.post(
        reverse("accounts:profile"), {"first_name": "Grace B.", "last_name": "Hopper"}
    )
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.first_name == "Grace B."


def test_password_change_needs_the_current_password(operator_client, operator):
    response = operator_client.post(
        reverse("accounts:password-change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


def test_password_change_keeps_you_in_and_logs_out_other_devices(operator_client, operator):
    other_device = Client()
    other_device.force_login(operator)
    response = operator_client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert messages.PASSWORD_CHANGED in response.content.decode()
    operator.refresh_from_db()
    assert operator.check_password(NEW_PASSWORD)
    assert operator_client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302


def test_single_sign_on_people_have_no_password_to_change(client, make_user):
    user = make_user("sso-person")
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    assert client.get(reverse("accounts:password-change"))["Location"] == reverse(
        "accounts:profile"
    )
    assert (
        "you sign in with single sign-on"
        in client.get(reverse("accounts:profile")).content.decode()
    )


# --- reset by email ---------------------------------------------------------------------


def ask_reset(client, email, captured):
    with captured(execute=True):
        return client.post(reverse("accounts:password-reset"), {"email": email})


def test_reset_link_arrives_by_smtp_and_sets_a_new_password(
    client, operator, mailbox, django_capture_on_commit_callbacks
):
    operator.email = "grace@example.org"
    operator.save()
    response = ask_reset(client, "GRACE@example.org", django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("accounts:password-reset-sent")
    [message] = mailbox.messages
    assert message["To"] == "grace@example.org" and "grace" in message.get_content()
    link = urlparse(mailbox.links()[0]).path

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("accounts:password-reset-complete")
    operator.refresh_from_db()
    assert operator.check_password(NEW_PASSWORD)
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_reset_does_not_reveal_whether_an_address_has_an_account(
    client, operator, mailbox, django_capture_on_commit_callbacks
):
    operator.email = "grace@example.org"
    operator.save()
    known = ask_reset(client, "grace@example.org", django_capture_on_commit_callbacks)
    unknown = ask_reset(Client(), "nobody@example.org", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    sent_page = client.get(known["Location"]).content.decode()
    assert messages.RESET_SENT in sent_page
    assert len(mailbox.messages) == 1


def test_no_reset_mail_for_accounts_without_a_password_or_deactivated(
    client, make_user, mailbox, django_capture_on_commit_callbacks
):
    sso = make_user("sso", email="sso@example.org")
    sso.set_unusable_password()
    sso.save()
    make_user("gone", email="gone@example.org", is_active=False)
    for email in ("sso@example.org", "gone@example.org"):
        assert ask_reset(client, email, django_capture_on_commit_callbacks).status_code == 302
    assert mailbox.messages == []


def test_a_down_mail_server_fails_the_job_not_the_page(
    client, operator, settings, smtp_port, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port  # nothing listens
    settings.EMAIL_USE_TLS = False
    operator.email = "grace@example.org"
    operator.save()
    response = ask_reset(client, "grace@example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    run = JobRun.objects.get(kind="accounts.password-reset-email")
    assert run.status in ("failed", "retrying") and "Connection refused" in run.error


def test_a_bad_email_is_explained(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nope"})
    assert response.status_code == 200 and "Enter a valid email address" in (
        response.content.decode()
    )


def test_reset_pages_are_reachable_without_logging_in(client):
    for name in (
        "accounts:password-reset",
        "accounts:password-reset-sent",
        "accounts:password-reset-complete",
    ):
        assert client.get(reverse(name)).status_code == 200
    assert User.objects.count() == 0


def test_reset_mail_is_limited_per_account_and_hour(
    client, operator, mailbox, django_capture_on_commit_callbacks
):
    operator.email = "grace@example.org"
    operator.save()
    for _ in range(5):
        response = ask_reset(client, "grace@example.org", django_capture_on_commit_callbacks)
        assert response["Location"] == reverse("accounts:password-reset-sent")
    assert len(mailbox.messages) == 3
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        ask_reset(client, "grace@example.org", django_capture_on_commit_callbacks)
    assert len(mailbox.messages) == 4
