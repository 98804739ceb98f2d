"""Keyboard triage of the intake inbox in a real browser (system Chromium).

Run alone with: DJANGO_ALLOW_ASYNC_UNSAFE=true pytest podcast/tests/test_intake_browser.py
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from podcast.models import IntakeItem
from podcast.tests.intake_fixtures import *  # noqa: F403 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = Path("/tmp/dataops-screens")


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def row(page: Page, item: IntakeItem):
    return page.locator(f"#intake-{item.pk}")


def test_keyboard_triage_of_three_items(page: Page, live_server, operator, guest, make_item):
    SCREENS.mkdir(exist_ok=True)
    first = make_item("Dana sent her talk outline", from_name="Dana Reyes")
    repeat = make_item("Dana's outline again (forwarded)", from_name="Newsletter reply")
    spam = make_item("Buy followers cheap", from_name="spam bot")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, operator.username)
    page.goto(f"{live_server.url}/podcast/intake/")
    expect(page.locator("[data-intake-row]")).to_have_count(3)
    page.screenshot(path=str(SCREENS / "intake-inbox.png"), full_page=True)

    # Newest first: the spam is on top. j focuses it, i asks for the reason.
    page.keyboard.press("j")
    expect(row(page, spam)).to_be_focused()
    page.keyboard.press("i")
    reason = row(page, spam).locator("input[name=reason]")
    expect(reason).to_be_focused()
    page.keyboard.type("Spam")
    page.keyboard.press("Enter")
    expect(row(page, spam)).to_contain_text("Ignored")
    expect(row(page, spam)).to_contain_text("“Spam”")
    expect(row(page, spam)).to_be_focused()

    # j moves on; d picks the item this one repeats.
    page.keyboard.press("j")
    expect(row(page, repeat)).to_be_focused()
    page.keyboard.press("d")
    picker = row(page, repeat).locator("select[name=original]")
    expect(picker).to_be_focused()
    picker.select_option(str(first.pk))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(row(page, repeat)).to_contain_text(f"duplicate of #{first.pk}")

    # k and j: back up one and down again; a attaches the last one to the guest.
    page.keyboard.press("k")
    expect(row(page, spam)).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(row(page, first)).to_be_focused()
    # c opens the convert form, prefilled; Esc closes it without changing anything.
    page.keyboard.press("c")
    expect(row(page, first).locator("input[name=title]")).to_have_value(
        "Dana sent her talk outline"
    )
    page.screenshot(path=str(SCREENS / "intake-convert-form.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(row(page, first).locator("[data-intake-form]")).to_have_count(0)
    expect(row(page, first)).to_be_focused()
    page.keyboard.press("a")
    choose = row(page, first).locator("select[name=guest]")
    expect(choose).to_be_focused()
    page.screenshot(path=str(SCREENS / "intake-attach-form.png"), full_page=True)
    choose.select_option(str(guest.pk))
    page.keyboard.press("Tab")  # the episode stays empty
    page.keyboard.press("Tab")  # Cancel
    page.keyboard.press("Tab")  # Attach
    page.keyboard.press("Enter")
    expect(row(page, first)).to_contain_text("Attached")
    expect(row(page, first)).to_contain_text(guest.name)

    # The help lists the keys.
    page.keyboard.press("?")
    expect(page.locator("#intake-keys-dialog")).to_be_visible()
    page.screenshot(path=str(SCREENS / "intake-keys.png"))
    page.keyboard.press("Escape")

    states = {i.pk: (i.status, i.duplicate_of_id, i.guest_id) for i in IntakeItem.objects.all()}
    assert states == {
        spam.pk: ("ignored", None, None),
        repeat.pk: ("duplicate", first.pk, None),
        first.pk: ("attached", None, guest.pk),
    }
    assert IntakeItem.objects.get(pk=spam.pk).status_reason == "Spam"

    # Every action is in the item's history, and undo works from there.
    page.goto(f"{live_server.url}/podcast/intake/{spam.pk}/")
    page.screenshot(path=str(SCREENS / "intake-detail.png"), full_page=True)
    page.locator("#history").get_by_role("button", name="Undo").click()
    expect(page.locator("#messages")).to_contain_text("Undone: Ignored.")
    assert IntakeItem.objects.get(pk=spam.pk).status == "new"


def test_empty_inbox_and_a_closed_form(page: Page, browser, live_server, operator, guest):
    from podcast import guest_form_links as links

    SCREENS.mkdir(exist_ok=True)
    log_in(page, live_server.url, operator.username)
    page.goto(f"{live_server.url}/podcast/intake/")
    expect(page.locator(".empty-state")).to_contain_text("Inbox zero")
    page.screenshot(path=str(SCREENS / "intake-empty.png"))
    link = links.form_link_create(guest=guest, by=operator)
    links.form_link_lock(link=link, by=operator)
    outside = browser.new_context(viewport={"width": 390, "height": 700})
    closed = outside.new_page()
    response = closed.goto(f"{live_server.url}{links.link_path(link)}")
    assert response.status == 404
    expect(closed.locator("h1")).to_have_text("This form is closed")
    closed.screenshot(path=str(SCREENS / "guest-form-closed.png"))
    outside.close()
