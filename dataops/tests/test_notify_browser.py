"""In a real browser: link Telegram from the account page, /start through the webhook, send
a test notification to the fake Bot API; unlinked, the next one arrives by email.

Run alone with: pytest dataops/tests/test_notify_browser.py -m browser
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from dataops.tests.fake_telegram import (  # noqa: F401 - fixture
    deep_link_token,
    fake_bot_api,
    post_update,
    private_message,
)
from dataops.tests.test_notify import smtp  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")
CHAT = 424242


@pytest.fixture(autouse=True)
def _async_unsafe_allowed(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Good")


def test_link_telegram_then_test_notifications(
    page: Page,
    live_server,
    operator,
    fake_bot_api,  # noqa: F811
    smtp,  # noqa: F811
    settings,
):
    SCREENS.mkdir(exist_ok=True)
    settings.NOTIFY_SEND_ON_WRITE = False
    operator.email = "grace@example.org"
    operator.save(update_fields=["email"])
    base = live_server.url
    log_in(page, base, operator.username)

    # Link Telegram from the account page: the deep link carries the one-time token.
    page.goto(f"{base}/account/")
    page.get_by_role("button", name="Link Telegram").click()
    deep_link = page.locator("[data-telegram-deep-link]").inner_text()
    token = deep_link_token(deep_link)
    assert post_update(base, private_message(1, CHAT, f"/start {token}")) == 200
    page.reload()
    expect(page.locator("[data-telegram-chat]")).to_have_text(str(CHAT))

    # The account menu leads to the settings; the test message goes to the linked chat.
    page.locator("summary.user-chip").click()
    page.get_by_role("link", name="Notification settings").click()
    expect(page.locator("h1")).to_have_text("Notification settings")
    expect(page.get_by_text("Telegram (your linked chat)")).to_be_visible()
    page.get_by_role("button", name="Send test notification").click()
    expect(page.locator("#test-result")).to_have_text("Test notification sent by Telegram.")
    texts = [t for t in fake_bot_api.sent_texts(str(CHAT)) if "Test notification" in t]
    assert len(texts) == 1 and "delivery works" in texts[0]
    page.reload()
    expect(page.locator("[data-delivery]")).to_have_count(1)
    page.screenshot(path=str(SCREENS / "notify-settings.png"), full_page=True)

    # Unlinked: the next test message arrives by email at the local SMTP server.
    page.goto(f"{base}/account/")
    page.get_by_role("button", name="Unlink Telegram").click()
    expect(page.get_by_role("button", name="Link Telegram")).to_be_visible()
    page.goto(f"{base}/notifications/settings/")
    page.get_by_role("button", name="Send test notification").click()
    expect(page.locator("#test-result")).to_have_text("Test notification sent by Email.")
    (message,) = smtp.messages
    assert message["To"] == "grace@example.org"
    assert message["Subject"] == "[DataOps] Test notification"
    assert "delivery works" in message.get_content()
    assert len([t for t in fake_bot_api.sent_texts(str(CHAT)) if "Test notification" in t]) == 1
    page.reload()
    expect(page.locator("[data-delivery]")).to_have_count(2)
    page.set_viewport_size({"width": 420, "height": 900})
    page.screenshot(path=str(SCREENS / "notify-settings-narrow.png"), full_page=True)
    assert os.path.getsize(SCREENS / "notify-settings.png") > 0
