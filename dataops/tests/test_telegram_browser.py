"""Link Telegram from the account page in a real browser (system Chromium), the bot's
`/start <token>` arriving through the webhook, and screenshots of the Telegram pages.

Run alone with: pytest dataops/tests/test_telegram_browser.py -m browser
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dataops.telegram.models import TelegramChat
from dataops.tests import fake_telegram
from dataops.tests.fake_telegram import deep_link_token, group_message, post_update, private_message
from tasks.tests.test_browser import log_in

fake_bot_api = fake_telegram.fake_bot_api
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")
CHAT = 4242


def test_link_telegram_from_the_profile(page: Page, live_server, fake_bot_api, operator):
    SCREENS.mkdir(exist_ok=True)
    log_in(page, live_server.url, operator.username)
    page.goto(f"{live_server.url}/account/")
    panel = page.locator("#telegram-panel")
    expect(panel).to_contain_text("Not linked")
    panel.get_by_role("button", name="Link Telegram").click()
    link = panel.locator("[data-telegram-link]")
    expect(link).to_be_visible()
    page.screenshot(path=str(SCREENS / "telegram-link.png"), full_page=True)
    token = deep_link_token(link.get_attribute("href"))

    assert post_update(live_server.url, private_message(1, CHAT, f"/start {token}")) == 200
    page.reload()
    expect(panel.locator("[data-telegram-chat]")).to_have_text(str(CHAT))
    assert "Linked to Grace Hopper." in fake_bot_api.sent_texts(str(CHAT))[0]
    page.screenshot(path=str(SCREENS / "telegram-linked.png"), full_page=True)

    panel.get_by_role("button", name="Unlink Telegram").click()
    expect(panel).to_contain_text("Not linked")
    operator.refresh_from_db()
    assert operator.telegram_chat_id == ""


def test_admin_telegram_page(page: Page, live_server, fake_bot_api, admin_user, operator):
    SCREENS.mkdir(exist_ok=True)
    TelegramChat.objects.create(chat_id="-1001234", label="Podcast intake", allow_status=True)
    operator.telegram_chat_id = str(CHAT)
    operator.save()
    post_update(live_server.url, group_message(10, -1001234, "Guest idea: Dana"))
    post_update(live_server.url, group_message(10, -1001234, "Guest idea: Dana"))
    post_update(live_server.url, group_message(11, -55, "spam"))
    post_update(live_server.url, {"update_id": 12, "callback_query": {"id": "1"}})
    log_in(page, live_server.url, admin_user.username)
    page.goto(f"{live_server.url}/telegram/")
    expect(page.locator("h1")).to_have_text("Telegram")
    expect(page.locator('[data-update="10"]')).to_contain_text("processed")
    expect(page.locator('[data-update="11"]')).to_contain_text("chat not on the allowlist")
    expect(page.locator('[data-update="12"]')).to_contain_text("ignored")
    page.screenshot(path=str(SCREENS / "telegram-admin.png"), full_page=True)

    page.fill("#id_chat_id", "not a number")
    page.fill("#id_label", "Guests")
    page.get_by_role("button", name="Add chat").click()
    expect(page.locator(".field-error").first).to_contain_text("whole number")
    page.fill("#id_chat_id", "-100999")
    page.get_by_role("button", name="Add chat").click()
    expect(page.locator('[data-chat="-100999"]')).to_contain_text("Guests")
