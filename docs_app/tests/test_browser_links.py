"""Links in a doc, in a real browser: a folder link opens the folder, a CSV link downloads."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at
from docs_app.tests.test_browser_docs import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT = "name,amount\nalpha,1\nbeta,2\n"
FILES = {
    "guides/start.md": (
        "# Start here\n\nThe [reports folder](../reports/) holds "
        "[the monthly report](../reports/monthly.csv).\n"
    ),
    "reports/about.md": "# About the reports\n\nWhat each report shows.\n",
    "reports/monthly.csv": REPORT,
}


@pytest.fixture
def linked(settings, local_cache, tmp_path):
    remote = GitRemote.create(tmp_path / "origin", FILES)
    point_docs_at(settings, remote.url, tmp_path)
    docs_sync()


def test_a_folder_link_opens_the_folder_and_a_csv_link_downloads(
    page, live_server, operator, linked
):
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/docs/guides/start.md")

    with page.expect_download() as event:
        page.get_by_role("link", name="the monthly report").click()
    download = event.value
    assert download.suggested_filename == "monthly.csv"
    assert Path(download.path()).read_text() == REPORT

    page.get_by_role("link", name="reports folder").click()
    expect(page).to_have_url(re.compile(r"/docs/browse/reports/$"))
    expect(page.locator("h1")).to_have_text("reports")
    expect(page.get_by_role("link", name="About the reports")).to_be_visible()
