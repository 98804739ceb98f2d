"""Invite-only accounts: an admin invites by email, the invitee claims the link once."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import messages, services
from accounts.models import Invite
from conftest import PASSWORD
from dataops.errors import ServiceError
from dataops.models import AuditEvent, JobRun, Notification, User

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "plum-orchard-lantern-42"


def invite(admin_client_, captured, email="new@example.org", role="operator"):
    with captured(execute=True):
        return admin_client_.post(reverse("accounts:invites"), {"email": email, "role": role})


def accept_data(**overrides):
    return {
        "first_name": "Nia",
        "last_name": "Okafor",
        "username": "nia",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


@pytest.fixture
def sent(admin_client_, mailbox, django_capture_on_commit_callbacks):
    """An invite created through the page; its emailed link as a path."""
    response = invite(admin_client_, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    [link] = mailbox.links()
    return Invite.objects.get(), urlparse(link).path


def test_admin_invites_and_the_link_arrives_by_smtp(sent, mailbox, admin_user):
    invite_row, path = sent
    [message] = mailbox.messages
    assert message["To"] == "new@example.org"
    assert "invited you to DataOps" in message.get_content()
    assert path == invite_row.accept_path()
    assert invite_row.role == "operator" and invite_row.invited_by == admin_user
    assert invite_row.expires_at - invite_row.created_at == timedelta(days=7)
    assert AuditEvent.objects.filter(
        action="invite.created", target_label="new@example.org", actor=admin_user
    ).exists()
    assert JobRun.objects.get(kind="accounts.invite-email").status == "succeeded"
    assert invite_row.secret not in str(JobRun.objects.values_list("args", "kwargs").get())


def test_invites_page_lists_pending_invites(sent, admin_client_):
    page = admin_client_.get(reverse("accounts:invites")).content.decode()
    assert "new@example.org" in page and "Revoke" in page
    assert "http://testserver" + sent[0].accept_path() in page  # to copy when mail is slow


def test_invites_page_is_for_admins_only(operator_client):
    assert operator_client.get(reverse("accounts:invites")).status_code == 403
    assert (
        operator_client.post(
            reverse("accounts:invites"), {"email": "x@example.org", "role": "admin"}
        ).status_code
        == 403
    )
    assert not Invite.objects.exists()


def test_a_second_invite_to_a_pending_address_is_refused(
    sent, admin_client_, django_capture_on_commit_callbacks
):
    response = invite(admin_client_, django_capture_on_commit_callbacks, email="NEW@example.org")
    assert response.status_code == 200
    assert messages.INVITE_PENDING.format(email="NEW@example.org") in response.content.decode()
    assert Invite.objects.count() == 1


def test_inviting_an_address_with_an_account_is_refused(
    admin_client_, operator, django_capture_on_commit_callbacks
):
    operator.email = "grace@example.org"
    operator.save()
    response = invite(admin_client_, django_capture_on_commit_callbacks, email="grace@example.org")
    assert messages.INVITE_USER_EXISTS.format(email="grace@example.org") in (
        response.content.decode()
    )
    assert not Invite.objects.exists()


def test_bad_input_is_shown_on_the_form(admin_client_, django_capture_on_commit_callbacks):
    response = invite(
        admin_client_, django_capture_on_commit_callbacks, email="not-an-email", role="owner"
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Enter a valid email address" in page
    assert "Select a valid choice" in page and not Invite.objects.exists()


def test_accepting_creates_the_account_with_the_role_and_logs_in(sent, client):
    invite_row, path = sent
    form = client.get(path)
    assert form.status_code == 200 and "new@example.org" in form.content.decode()
    response = client.post(path, accept_data())
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="nia")
    assert user.email == "new@example.org" and user.get_full_name() == "Nia Okafor"
    assert list(user.groups.values_list("name", flat=True)) == ["operator"]
    assert user.check_password(NEW_PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk
    invite_row.refresh_from_db()
    assert invite_row.accepted_user == user and invite_row.accepted_at is not None
    assert AuditEvent.objects.filter(action="invite.accepted", actor=user).exists()
    note = Notification.objects.get(recipient=invite_row.invited_by, kind="invite_accepted")
    assert note.text == "Nia Okafor accepted your invite and joined as an operator."


def test_an_admin_invite_grants_admin(
    admin_client_, client, mailbox, django_capture_on_commit_callbacks
):
    invite(admin_client_, django_capture_on_commit_callbacks, role="admin")
    client.post(urlparse(mailbox.links()[0]).path, accept_data())
    assert User.objects.get(username="nia").is_admin


def test_the_link_works_once(sent, client):
    _, path = sent
    client.post(path, accept_data())
    client.post("/logout/")
    again = client.get(path)
    assert again.status_code == 410 and messages.INVITE_LINK_USED in again.content.decode()
    reuse = client.post(path, accept_data(username="nia2"))
    assert reuse.status_code == 410 and not User.objects.filter(username="nia2").exists()


def test_an_expired_link_is_refused(sent, client):
    _, path = sent
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = client.post(path, accept_data())
    assert response.status_code == 410 and "This invite expired on" in response.content.decode()
    assert not User.objects.filter(username="nia").exists()


def test_a_tampered_token_is_refused(sent, client):
    invite_row, _ = sent
    response = client.get(reverse("accounts:invite-accept", args=[invite_row.uid, "0" * 64]))
    assert response.status_code == 404
    assert messages.INVITE_LINK_INVALID in response.content.decode()


def test_a_revoked_invite_stops_working(sent, admin_client_, client, admin_user):
    invite_row, path = sent
    admin_client_.post(reverse("accounts:invite-revoke", args=[invite_row.pk]))
    assert client.get(path).status_code == 410
    assert AuditEvent.objects.filter(action="invite.revoked", actor=admin_user).exists()
    again = admin_client_.post(reverse("accounts:invite-revoke", args=[invite_row.pk]), follow=True)
    assert messages.INVITE_NOT_OPEN in again.content.decode()


def test_weak_or_mismatched_passwords_are_explained(sent, client):
    _, path = sent
    weak = client.post(path, accept_data(password1="password", password2="password"))
    assert "This password is too common" in weak.content.decode()
    differ = client.post(path, accept_data(password2="something-else-entirely"))
    assert "The two passwords differ" in differ.content.decode()
    assert not User.objects.filter(username="nia").exists()
    assert Invite.objects.get().accepted_at is None


def test_a_taken_username_is_explained(sent, client, operator):
    _, path = sent
    response = client.post(path, accept_data(username="Grace"))
    assert messages.INVITE_USERNAME_TAKEN in response.content.decode()
    assert Invite.objects.get().accepted_at is None


def test_an_address_that_got_an_account_meanwhile_cannot_accept(sent, client, make_user):
    _, path = sent
    make_user("nia-sso", None, email="NEW@example.org")
    response = client.post(path, accept_data())
    assert response.status_code == 410
    assert messages.INVITE_ADDRESS_TAKEN.format(email="new@example.org") in (
        response.content.decode()
    )
    assert not User.objects.filter(username="nia").exists()
    assert Invite.objects.get().accepted_at is None


def test_a_logged_in_person_is_told_to_log_out_first(sent, operator_client):
    _, path = sent
    response = operator_client.get(path)
    assert "Log out first" in response.content.decode()
    assert operator_client.post(path, accept_data()).status_code == 200
    assert not User.objects.filter(username="nia").exists()


def test_an_expired_invite_makes_room_for_a_new_one(
    sent, admin_client_, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = invite(admin_client_, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Invite.objects.filter(revoked_at__isnull=False).count() == 1
    assert Invite.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_racing_with_one_link_create_one_account(admin_user):
    row = Invite.objects.create(
        email="race@example.org",
        role="operator",
        invited_by=admin_user,
        expires_at=timezone.now() + timedelta(days=1),
    )
    barrier, outcomes = threading.Barrier(2), []

    def claim(username):
        try:
            barrier.wait()
            services.invite_accept(
                invite=row,
                token=row.token(),
                username=username,
                first_name="R",
                last_name="",
                password=PASSWORD,
            )
            outcomes.append("ok")
        except ServiceError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("racer1", "racer2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["ok", messages.INVITE_LINK_USED])
    assert User.objects.filter(username__startswith="racer").count() == 1
