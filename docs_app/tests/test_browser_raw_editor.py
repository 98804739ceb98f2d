"""Raw Markdown mode in a real browser: a reference doc (not an SOP) is edited as Markdown,
the preview follows the typing, the draft survives a reload (after the leave-page question),
and publishing shows the change on the doc page.

Screenshots of the editing pages are written to /tmp/dataops-edit-shots/ for a look.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from docs_app.tests.test_browser_docs import log_in
from docs_app.tests.test_editing import blob_of, mirror_git, pushing_remote
from docs_app.tests.test_editing_pages import REF, REF_TEXT, SOP, SOP_TEXT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/dataops-edit-shots")


@pytest.fixture
def remote(settings, local_cache, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    guides = {f"team/guides/guide-{n}.md": f"# Guide {n}\n\nText {n}.\n" for n in range(3)}
    return pushing_remote(settings, tmp_path, {REF: REF_TEXT, SOP: SOP_TEXT, **guides})


def test_edit_a_reference_doc_in_raw_mode(page, live_server, operator, remote, settings):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base)
    page.goto(f"{base}/docs/{REF}")
    page.get_by_role("link", name="Edit Markdown").click()
    expect(page.locator("h1")).to_have_text("Edit Markdown")
    preview = page.locator("[data-raw-preview]")
    expect(preview).to_contain_text("Two microphones.")

    textarea = page.locator("[data-raw-text]")
    textarea.click()
    textarea.press("Control+End")
    textarea.type("\nA **boom arm** for the guest.\n")
    expect(preview.locator("strong")).to_have_text("boom arm")
    expect(page.locator("[data-draft-status]")).to_have_text("Draft saved")
    page.screenshot(path=str(SHOTS / "raw-editor.png"), full_page=True)

    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.reload()
    assert asked == ["beforeunload"]  # leaving with unpublished changes asks first
    expect(page.locator("[data-draft-notice]")).to_contain_text("draft")
    expect(textarea).to_have_value(re.compile(r"A \*\*boom arm\*\* for the guest\.\n$"))
    expect(preview.locator("strong")).to_have_text("boom arm")

    page.get_by_role("button", name="Review changes").click()
    expect(page.locator(".diff-add").filter(has_text="boom arm")).to_be_visible()
    expect(page.locator("#raw-review")).to_contain_text("No lint findings for this doc.")
    page.screenshot(path=str(SHOTS / "raw-review.png"), full_page=True)
    page.get_by_role("button", name="Publish").click()

    expect(page).to_have_url(f"{base}/docs/{REF}")
    expect(page.locator(".doc-body")).to_contain_text("A boom arm for the guest.")
    expect(page.locator(".message-success")).to_contain_text("Published as commit")
    assert mirror_git(settings, "log", "-1", "--format=%an") == "Grace Hopper"


def test_screenshots_of_the_other_editing_pages(page, live_server, admin_user, remote, settings):
    """Every editing page renders in the real layout (looked at by hand)."""
    from conftest import PASSWORD

    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    pages = {
        "drafts-empty": "/docs/edit/drafts/",
        "history": f"/docs/edit/history/?path={REF}",
        "doc-create": "/docs/edit/new/?folder=team/guides",
        "doc-rename": f"/docs/edit/rename/?path={REF}",
        "doc-delete": f"/docs/edit/delete/?path={REF}",
        "folder-create": "/docs/edit/folder/new/?parent=team",
        "folder-rename": "/docs/edit/folder/rename/?path=team/guides",
        "folder-delete": "/docs/edit/folder/delete/?path=team/guides",
        "refused": "/docs/edit/raw/?path=../x.md",
        "folder-page": "/docs/browse/team/guides/",
        "doc-page": f"/docs/{REF}",
    }
    for name, url in pages.items():
        page.goto(base + url)
        expect(page.locator("h1")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.goto(f"{base}/docs/edit/raw/?path={SOP}")
    page.locator("[data-raw-text]").fill(SOP_TEXT.replace("<!-- sop-step-end -->", "", 1))
    expect(page.locator("[data-draft-status]")).to_have_text("Draft saved")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".raw-anyway")).to_be_visible()
    page.screenshot(path=str(SHOTS / "raw-findings.png"), full_page=True)
    page.goto(base + "/docs/edit/drafts/")
    page.screenshot(path=str(SHOTS / "drafts.png"), full_page=True)

    # a conflict: someone else changes the same line while this editor is open
    from docs_app.editing.publish import publish
    from docs_app.editing.saving import SaveDoc

    page.goto(f"{base}/docs/edit/raw/?path={REF}")
    publish(SaveDoc(REF, REF_TEXT.replace("Two", "Four"), blob_of(settings, REF)), user=admin_user)
    page.locator("[data-raw-text]").fill(REF_TEXT.replace("Two", "Five"))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("h1")).to_have_text("Conflict with a newer version")
    expect(page.locator("[data-conflict-theirs]")).to_contain_text("Four microphones.")
    page.screenshot(path=str(SHOTS / "raw-conflict.png"), full_page=True)

    page.goto(f"{base}/docs/edit/history/?path={REF}")
    page.screenshot(path=str(SHOTS / "history-two.png"), full_page=True)
    page.get_by_role("link", name="Restore this version").first.click()
    expect(page.locator("h1")).to_have_text("Restore this version?")
    page.screenshot(path=str(SHOTS / "history-restore.png"), full_page=True)

    page.goto(base + "/docs/edit/folder/rename/?path=team/guides")
    page.fill("#f-name", "handbook")
    page.get_by_role("button", name="Move").click()
    expect(page.locator(".job-status")).to_be_visible()
    page.screenshot(path=str(SHOTS / "folder-job.png"), full_page=True)
