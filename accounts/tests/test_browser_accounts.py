"""Browser journeys of accounts, with screenshots of each page in /tmp for review."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from dataops.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "plum-orchard-lantern-42"


def log_in(page, base, username):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/")


def test_single_sign_on_from_the_login_page_to_waiting_for_access(page, live_server, oidc):
    oidc.sign_in_as("lin@example.org", given_name="Lin", family_name="Wu")
    page.goto(live_server.url + "/login/")
    button = page.get_by_role("button", name="Continue with Acme SSO")
    expect(button).to_be_visible()
    page.screenshot(path="/tmp/accounts-login-sso.png", full_page=True)

    button.click()
    expect(page).to_have_url(live_server.url + "/waiting/")
    expect(page.get_by_role("heading", name="Waiting for access")).to_be_visible()
    page.screenshot(path="/tmp/accounts-waiting.png", full_page=True)
    assert User.objects.get(email="lin@example.org").groups.count() == 0


def test_changing_the_password_from_the_account_menu(page, live_server, operator):
    log_in(page, live_server.url, "grace")
    page.click(".user-chip")
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Change password").click()
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", "not the same")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".field-error")).to_contain_text("didn’t match")
    page.screenshot(path="/tmp/accounts-password-change.png", full_page=True)

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(live_server.url + "/account/")
    expect(page.locator(".message-success")).to_contain_text("Your password is changed")
    page.screenshot(path="/tmp/accounts-profile.png", full_page=True)
    operator.refresh_from_db()
    assert operator.check_password(NEW_PASSWORD)


def test_an_admin_invites_and_the_invitee_joins(browser, live_server, admin_user, mailbox):
    admin = browser.new_page()
    log_in(admin, live_server.url, "ada")
    admin.click(".user-chip")
    admin.get_by_role("link", name="Invites").click()
    admin.fill("#id_email", "nia@example.org")
    admin.select_option("#id_role", "operator")
    admin.get_by_role("button", name="Send invite").click()
    expect(admin.locator(".message-success")).to_contain_text("Invite sent to nia@example.org")
    expect(admin.get_by_role("cell", name="nia@example.org")).to_be_visible()
    admin.screenshot(path="/tmp/accounts-invites.png", full_page=True)

    [link] = mailbox.links()
    invitee = browser.new_page()
    invitee.goto(live_server.url + urlparse(link).path)
    expect(invitee.locator(".lead")).to_contain_text("invited nia@example.org to the operations")
    invitee.fill("#id_first_name", "Nia")
    invitee.fill("#id_last_name", "Okafor")
    invitee.fill("#id_password1", NEW_PASSWORD)
    invitee.fill("#id_password2", NEW_PASSWORD)
    invitee.screenshot(path="/tmp/accounts-accept-invite.png", full_page=True)
    invitee.get_by_role("button", name="Create my account").click()
    expect(invitee).to_have_url(live_server.url + "/")
    expect(invitee.locator(".message-success")).to_contain_text("Welcome, Nia Okafor")
    assert User.objects.get(username="nia").groups.get().name == "operator"
    admin.get_by_role("link", name="People waiting for access").click()
    expect(admin.get_by_role("heading", name="Nobody is waiting")).to_be_visible()
    admin.screenshot(path="/tmp/accounts-people-waiting.png", full_page=True)
    admin.close()
    invitee.close()


def test_the_locked_out_page_says_when_to_try_again(page, live_server, operator):
    page.goto(live_server.url + "/login/")
    for _ in range(5):
        page.fill("#id_username", "grace")
        page.fill("#id_password", "wrong")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    expect(page.get_by_text("Try again in 15 minutes.")).to_be_visible()
    page.screenshot(path="/tmp/accounts-locked-out.png", full_page=True)
    page.get_by_role("link", name="Reset password by email").click()
    page.fill("#id_email", "grace@example.org")
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.screenshot(path="/tmp/accounts-reset-sent.png", full_page=True)
