"""The SOP block editor in a real browser: fix a step from a Podcast task, two people editing
at once, and a screenshot pasted into a step. Each test has a docs remote of its own (a copy
of the bundled content) that the portal pushes to.

Screenshots of the editor's states are written to /tmp/dataops-docs-shots/ for a look.
"""

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from conftest import PASSWORD
from docs_app.sync import docs_sync
from docs_app.tests.conftest import CREATE_PODCAST_DOC
from docs_app.tests.fixtures import make_remote_from, point_docs_at
from docs_app.tests.test_edit_sop_views import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/dataops-docs-shots")
STEP_6 = "6.  Add the Guest as an Editor: click **Share**"
NEW_STEP_6 = (
    "6.  Share the document with the guest: click **Share**, enter the guest's email, choose\n"
    "    **Editor** and click **Send**. Add Johanna as an Editor in the same dialog (zebrafinch).\n"
)


@pytest.fixture
def own_remote(settings, local_cache, tmp_path):
    """The bundled content in a remote of the test's own; the portal pushes its edits there."""
    remote = make_remote_from(django_settings.DOCS_CONTENT_SEED_DIR, tmp_path / "remote")
    point_docs_at(settings, remote, tmp_path / "mirror")
    settings.DOCS_GIT_PUSH = True
    docs_sync()
    SHOTS.mkdir(exist_ok=True)
    return remote


def mirror_git(settings, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=settings.DOCS_MIRROR_DIR, capture_output=True, check=True, text=True
    ).stdout


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/")


def edit_step(page, step_id: str, text: str) -> None:
    step = page.locator(f"#edit-step-{step_id}")
    step.locator(".edit-block-step [data-edit-trigger]").click()
    box = step.locator(".edit-block-step textarea")
    expect(box).to_be_focused()
    box.fill(text)
    box.press("Control+Enter")


def open_editor(page, base: str, path: str = CREATE_PODCAST_DOC) -> None:
    page.goto(f"{base}/docs/{path}")
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Edit:")
    page.wait_for_load_state("load")  # the editor script is set up


def test_fix_a_step_from_a_podcast_task(page, live_server, operator, own_remote, settings):
    from tasks.models import WorkflowTemplate
    from tasks.services import templates_load, workflow_start
    from tasks.services.common import local_today
    from tasks.services.templates import SHIPPED_DIR

    operator.email = "grace@example.org"
    operator.save()
    templates_load(paths=[SHIPPED_DIR / "podcast.yaml"])
    workflow = workflow_start(
        template=WorkflowTemplate.objects.get(slug="podcast"),
        anchor_date=local_today(),
        by=operator,
    )
    task = workflow.tasks.get(title="Add the Guest as an Editor on the podcast document")
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, operator.username)

    page.goto(base + task.get_absolute_url())
    page.get_by_role("link", name="Open the SOP").click()
    expect(page.locator("#step-6")).to_contain_text("Add the Guest as an Editor")
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.locator("#edit-step-6")).to_contain_text(STEP_6)
    page.screenshot(path=str(SHOTS / "editor-1280.png"), full_page=False)

    step = page.locator("#edit-step-6")
    step.locator(".edit-block-step [data-edit-trigger]").click()
    step.locator(".edit-block-step textarea").fill("6.  Half an edit")
    step.locator(".edit-block-step textarea").press("Escape")  # Esc cancels, nothing saved
    expect(step.locator(".edit-block-step textarea")).to_be_hidden()
    expect(step.locator(".edit-block-step .edit-view")).to_contain_text(STEP_6)

    before = mirror_git(settings, "rev-parse", "HEAD").strip()
    page.evaluate("() => { window.stillTheSamePage = true; }")
    edit_step(page, "6", NEW_STEP_6)
    expect(page.locator("#messages")).to_contain_text("Published as commit")
    expect(page.locator("#edit-step-6 .edit-block-step .edit-view")).to_contain_text("zebrafinch")
    assert page.evaluate("() => window.stillTheSamePage") is True  # saved through htmx
    new_base = mirror_git(settings, "rev-parse", f"HEAD:{CREATE_PODCAST_DOC}").strip()
    expect(page.locator("#edit-step-5 input[name=base]").first).to_have_value(new_base)
    page.screenshot(path=str(SHOTS / "editor-saved-1280.png"), full_page=False)

    # The commit: by the user, touching only step 6's text lines.
    assert mirror_git(settings, "log", "-1", "--format=%an <%ae>").strip() == (
        "Grace Hopper <grace@example.org>"
    )
    diff = mirror_git(settings, "diff", "-U0", before, "HEAD")
    assert mirror_git(settings, "diff", "--name-only", before, "HEAD").split() == [
        CREATE_PODCAST_DOC
    ]
    removed = [line for line in diff.splitlines() if line.startswith("-") and line[:3] != "---"]
    added = [line for line in diff.splitlines() if line.startswith("+") and line[:3] != "+++"]
    assert removed[0].startswith("-" + STEP_6) and len(removed) == 2
    assert added == ["+" + line for line in NEW_STEP_6.splitlines()]
    assert re.findall(r"^@@ -98,2 \+98,2 @@", diff, re.MULTILINE)

    # The doc page, search and the task's "Open the SOP" show the new text.
    page.get_by_role("link", name="View doc").click()
    expect(page.locator("#step-6")).to_contain_text("zebrafinch")
    page.goto(base + "/docs/search/?q=zebrafinch")
    expect(page.locator(".search-hit-title").first).to_contain_text("Create a podcast document")
    page.goto(base + task.get_absolute_url())
    page.get_by_role("link", name="Open the SOP").click()
    expect(page.locator("#step-6")).to_contain_text("zebrafinch")


def test_two_people_edit_the_same_doc(browser, live_server, operator, admin_user, own_remote):
    base = live_server.url
    grace = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    ada = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(grace, base, operator.username)
    log_in(ada, base, admin_user.username)
    open_editor(grace, base)
    open_editor(ada, base)

    edit_step(grace, "3", "3.  Grace's version of step three.\n")
    expect(grace.locator("#messages")).to_contain_text("Published as commit")
    edit_step(ada, "3", "3.  Ada's version of step three.\n")
    expect(ada.locator("h1")).to_have_text("Someone changed this doc while you were editing")
    expect(ada.locator("#conflict-text")).to_have_value(re.compile("Ada's version"))
    expect(ada.locator("#conflict-current")).to_contain_text("Grace's version")
    expect(ada.locator(".edit-diff")).to_contain_text("+3.  Ada's version")
    ada.screenshot(path=str(SHOTS / "editor-conflict-1280.png"), full_page=True)

    # Ada merges by hand and saves against the current version.
    merged = (
        ada.locator("#conflict-text")
        .input_value()
        .replace("Ada's version of step three.", "Grace's and Ada's version of step three.")
    )
    ada.locator("#conflict-text").fill(merged)
    ada.get_by_role("button", name="Save the merged version").click()
    expect(ada.locator("#messages")).to_contain_text("Published as commit")

    # Different steps of the same doc, both from the now stale pages: both land via merge.
    open_editor(grace, base)
    open_editor(ada, base)
    edit_step(grace, "2", "2.  Grace edits step two.\n")
    expect(grace.locator("#messages")).to_contain_text("Published as commit")
    edit_step(ada, "5", "5.  Ada edits step five.\n")
    expect(ada.locator("#messages")).to_contain_text("both changes were kept")
    ada.goto(f"{base}/docs/{CREATE_PODCAST_DOC}")
    expect(ada.locator("#step-2")).to_contain_text("Grace edits step two.")
    expect(ada.locator("#step-5")).to_contain_text("Ada edits step five.")
    expect(ada.locator("#step-3")).to_contain_text("Grace's and Ada's version")


def test_paste_a_screenshot_into_a_step(page, live_server, operator, own_remote, settings):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, operator.username)
    open_editor(page, base)
    shots = page.locator("#edit-step-4 .edit-shot img")
    expect(shots).to_have_count(0)
    page.evaluate(
        """(bytes) => {
          const file = new File([new Uint8Array(bytes)], "pasted.png", {type: "image/png"});
          const data = new DataTransfer();
          data.items.add(file);
          const step = document.querySelector("#edit-step-4 .edit-view");
          step.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
        }""",
        list(PNG),
    )
    expect(shots).to_have_count(1)
    expect(page.locator("#messages")).to_contain_text("Published as commit")
    page.wait_for_function(  # the image is served: a 1×1 PNG, loaded
        "() => { const img = document.querySelector('#edit-step-4 .edit-shot img');"
        " return img && img.complete && img.naturalWidth === 1; }"
    )
    page.screenshot(path=str(SHOTS / "editor-pasted-1280.png"), full_page=False)

    files = mirror_git(settings, "show", "--name-only", "--format=", "HEAD").split()
    image = next(name for name in files if name.endswith(".png"))
    assert image.startswith("media/podcast/sops/assets/create-podcast-document/pasted-")
    assert CREATE_PODCAST_DOC in files
    text = (Path(settings.DOCS_MIRROR_DIR) / CREATE_PODCAST_DOC).read_text()
    assert f"](assets/create-podcast-document/{image.rsplit('/', 1)[1]})" in text

    # A later edit from the same page is based on the new version: no conflict, no merge.
    edit_step(page, "4", "4.  Step four after the screenshot.\n")
    expect(page.locator("#messages")).to_contain_text("Published as commit")
    expect(page.locator("#messages")).not_to_contain_text("both changes were kept")
    expect(page.locator("#edit-step-4 .edit-shot img")).to_have_count(1)


def test_blocking_findings_and_bad_images_in_the_browser(
    page, live_server, operator, own_remote, settings
):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, operator.username)
    open_editor(page, base)
    before = mirror_git(settings, "rev-parse", "HEAD").strip()

    # An "image" that is really an HTML page: refused with a clear message, nothing written.
    step = page.locator("#edit-step-2")
    step.locator(".edit-step-more > summary").click()
    step.locator("input[type=file]").set_input_files(
        {"name": "shot.png", "mimeType": "image/png", "buffer": b"<!doctype html><p>hi</p>"}
    )
    expect(step.locator("[data-upload-error]")).to_contain_text("not an image")
    step.screenshot(path=str(SHOTS / "editor-upload-refused-1280.png"))
    assert mirror_git(settings, "rev-parse", "HEAD").strip() == before

    # Removing a system the steps use adds blocking findings: shown with the diff first.
    systems = page.locator(".chip-field", has=page.locator("#fm-systems"))
    systems.get_by_role("button", name="Remove google-drive").click()
    systems.locator(".chip-entry").fill("slack")
    systems.locator(".chip-entry").press("Enter")
    expect(systems.locator(".chip")).to_have_count(3)
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("h1")).to_contain_text("blocking finding")
    expect(page.locator(".finding-list")).to_contain_text("google-drive")
    expect(page.locator(".edit-diff .diff-add")).to_contain_text("slack")
    page.screenshot(path=str(SHOTS / "editor-confirm-1280.png"), full_page=True)
    assert mirror_git(settings, "rev-parse", "HEAD").strip() == before
    page.get_by_role("button", name="Publish anyway").click()
    expect(page.locator("#messages")).to_contain_text("Published as commit")
    text = (Path(settings.DOCS_MIRROR_DIR) / CREATE_PODCAST_DOC).read_text()
    assert "systems: [google-docs, dataops, slack]" in text

    # Editing a step in place, as it looks while typing.
    page.locator("#edit-step-5 .edit-block-step [data-edit-trigger]").click()
    page.locator("#edit-step-5").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "editor-editing-1280.png"))


def test_reorder_steps_by_drag_and_drop_and_by_the_move_buttons(
    page, live_server, operator, own_remote, settings
):
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, operator.username)
    open_editor(page, base)
    doc = Path(settings.DOCS_MIRROR_DIR) / CREATE_PODCAST_DOC
    first = "In Google Drive, open the shared drive `DTC Podcast`"
    fourth = "Fill in the header table"

    # HTML5 drag and drop as the browser dispatches it: dragstart on the step, dragover
    # and drop on the lower half of step 4 (synthetic events: headless pointer drags do not
    # deliver dragover reliably).
    page.evaluate(
        """() => {
          const source = document.querySelector("#edit-step-1");
          const target = document.querySelector("#edit-step-4");
          const data = new DataTransfer();
          const box = target.getBoundingClientRect();
          const at = {clientX: box.left + 100, clientY: box.bottom - 4, bubbles: true,
                      cancelable: true, dataTransfer: data};
          source.dispatchEvent(new DragEvent("dragstart", {bubbles: true, dataTransfer: data}));
          if (!source.classList.contains("is-dragged")) throw new Error("no dragstart");
          target.dispatchEvent(new DragEvent("dragover", at));
          if (!target.classList.contains("drop-after")) throw new Error("no drop marker");
          target.dispatchEvent(new DragEvent("drop", at));
        }"""
    )
    expect(page.locator("#messages")).to_contain_text("Published as commit")
    text = doc.read_text()
    assert text.index(fourth) < text.index(first)  # dropped below step 4, in its group
    expect(page.locator("#edit-step-4 .edit-block-step .edit-view")).to_contain_text(first)

    page.get_by_role("button", name="Move step 4 up").click()
    expect(page.locator("#messages")).to_contain_text("Published as commit")
    expect(page.locator("#edit-step-3 .edit-block-step .edit-view")).to_contain_text(first)

    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#edit-step-3").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "editor-390.png"))
    text = doc.read_text()
    assert text.index(first) < text.index(fourth)


def test_the_editor_works_without_javascript(browser, live_server, operator, own_remote, settings):
    page = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = page.new_page()
    base = live_server.url
    log_in(page, base, operator.username)
    open_editor(page, base)
    step = page.locator("#edit-step-7")
    expect(step.locator(".edit-view")).to_be_hidden()  # the plain forms are shown instead
    step.locator("textarea[name=value]").fill("7.  Copy the link (plain form).\n")
    step.get_by_role("button", name="Save step").click()
    expect(page.locator("#messages")).to_contain_text("Published as commit")
    text = (Path(settings.DOCS_MIRROR_DIR) / CREATE_PODCAST_DOC).read_text()
    assert "7.  Copy the link (plain form).\n<!-- sop-step-end -->" in text
    page.locator("#edit-step-7").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "editor-nojs-1280.png"))
