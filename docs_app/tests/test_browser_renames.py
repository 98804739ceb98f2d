"""In a real browser: a bookmark of a doc that was renamed in git lands on the doc."""

import re

import pytest
from playwright.sync_api import expect

from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at
from docs_app.tests.test_browser_docs import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OLD, NEW = "ops/sops/restart-server.md", "infra/sops/restart-the-server.md"
RESTART = "---\ntitle: Restart the server\n---\n\n# Restart the server\n\n1. Press Restart.\n"


def test_the_old_url_of_a_renamed_doc_lands_on_the_new_one(
    page, live_server, operator, settings, local_cache, tmp_path
):
    remote = GitRemote.create(tmp_path / "docs", {OLD: RESTART})
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    docs_sync()
    remote.rename(OLD, NEW)
    remote.commit("Move the restart SOP to infra")
    docs_sync()

    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/docs/{OLD}")
    expect(page).to_have_url(f"{base}/docs/{NEW}")
    expect(page.locator("h1")).to_have_text("Restart the server")
    expect(page.locator(".history")).to_contain_text("Initial docs")

    page.goto(f"{base}/docs/id/sop.ops.restart-server?step=1")
    expect(page).to_have_url(re.compile(rf"/docs/{re.escape(NEW)}#step-1$"))
