"""Links to folders, files and anchors: what the sync records and reports, what a doc page
draws, and the download of repository files."""

import pytest
from django.urls import reverse

from docs_app.links import (
    FILE,
    FOLDER,
    MISSING_FILE,
    MISSING_FOLDER,
    OUTSIDE,
    SITE,
    RepoFiles,
    extract_link_refs,
    path_target,
)
from docs_app.models import DocumentLink, Finding
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, IndexCalls, point_docs_at

GUIDE = """# Guide

## Local heading

See the [reports folder](../data/), [the same without slash](../data),
[the report](../data/report.csv), [the root](/), [the api](/api/v1/users),
[far away](../../../../elsewhere/x.txt), [a missing file](missing.csv),
[a missing folder](nope/), [raw data](/data/raw.bin?download=1#top).

[Real heading](other.md#real-heading), [no heading](other.md#no-such-heading),
[here](#local-heading), [nowhere here](#missing), [a step](sop.md#step-1),
[myself](guide.md), [back to other](other.md), [top](#top).

<img src="../img/missing.png" width="20"> <img src='../img/logo.png'>

[defined]: ../data/report.csv
[defined doc]: other.md#gone

`[in code](missing-in-code.csv)`
"""
OTHER = "# Other\n\n## Real heading\n\nBack to the [guide](guide.md).\n"
SOP = """---
title: An SOP
doc_type: sop
schema_version: 1
---

<!-- sop-section-start: procedure -->
## Procedure
<!-- sop-step-start id=1 -->
1.  Do it.
<!-- sop-step-end -->
<!-- sop-section-end -->
"""
FILES = {
    "docs/guide.md": GUIDE,
    "docs/other.md": OTHER,
    "docs/sop.md": SOP,
    "data/report.csv": "name,amount\nalpha,1\nbeta,2\n",
    "data/raw.bin": b"\x00\x01binary",
    "data/page.html": "<script>alert(1)</script>",
    "img/logo.png": b"\x89PNG\r\n\x1a\n",
    "empty-folder-with-a-file/notes.txt": "no docs here\n",
}


# --- reading links out of Markdown ------------------------------------------------------------


def test_links_the_doc_reference_reader_leaves_out_are_found_outside_code():
    found = [(r.kind, r.target, r.anchor, r.line) for r in extract_link_refs(GUIDE, 1)]
    assert ("link", "../data/", None, 5) in found
    assert ("link", "../data/report.csv", None, 6) in found
    assert ("link", "/data/raw.bin", "top", 8) in found
    assert ("link", "", "local-heading", 11) in found
    assert ("image", "../img/missing.png", None, 14) in found
    assert ("image", "../img/logo.png", None, 14) in found
    assert ("link", "../data/report.csv", None, 16) in found  # a reference definition
    assert ("link", "other.md", "gone", 17) in found  # definitions of docs too
    assert not any(target == "missing-in-code.csv" for _, target, _, _ in found)
    assert not any(target == "other.md" for _, target, _, line in found if line == 10)


def test_external_urls_footnotes_and_prose_brackets_are_not_links():
    text = (
        "[site](https://example.org/x.csv) [mail](mailto:a@b.c) [proto](//cdn/x.js)\n"
        '[^1]: a footnote\n[TODO]: write this later\n<img src="data:image/png;base64,AA">\n'
    )
    assert extract_link_refs(text) == []


@pytest.mark.parametrize(
    ("written", "from_path", "expected"),
    [
        ("../data/", "docs/guide.md", (FOLDER, "data")),
        ("../data", "docs/guide.md", (FOLDER, "data")),
        ("/data", "docs/guide.md", (FOLDER, "data")),
        ("./", "docs/guide.md", (FOLDER, "docs")),
        ("/", "docs/guide.md", (FOLDER, "")),
        ("../", "docs/guide.md", (FOLDER, "")),
        ("../data/report.csv", "docs/guide.md", (FILE, "data/report.csv")),
        ("/data/report.csv", "docs/guide.md", (FILE, "data/report.csv")),
        ("../data/report.csv/", "docs/guide.md", (MISSING_FOLDER, "data/report.csv")),
        ("missing.csv", "docs/guide.md", (MISSING_FILE, "docs/missing.csv")),
        ("/api/v1/users", "docs/guide.md", (SITE, "")),
        ("../../x.txt", "docs/guide.md", (OUTSIDE, "")),
    ],
)
def test_where_a_link_to_a_path_leads(written, from_path, expected):
    repo = RepoFiles.of(["docs/guide.md", "data/report.csv"])
    found = path_target(written, from_path, repo)
    assert (found.kind, found.path) == expected


# --- the sync: links stored, findings written -------------------------------------------------


@pytest.fixture
def linked(db, settings, tmp_path, monkeypatch, local_cache):
    IndexCalls().install(monkeypatch)
    remote = GitRemote.create(tmp_path / "origin", FILES)
    point_docs_at(settings, remote.url, tmp_path)
    docs_sync()
    return remote


def findings_of(path: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for code, message in Finding.objects.filter(path=path).values_list("code", "message"):
        found.setdefault(code, []).append(message)
    return found


def test_broken_file_folder_anchor_and_raw_image_links_are_findings(linked):
    found = findings_of("docs/guide.md")
    assert found["missing-file"] == [
        "File not found in the repository: missing.csv (looked for docs/missing.csv)"
    ]
    assert found["missing-folder"] == [
        "Folder not found in the repository: nope/ (looked for docs/nope)"
    ]
    assert sorted(found["broken-anchor"]) == [
        "Anchor not found: #gone (no heading with that anchor in docs/other.md)",
        "Anchor not found: #missing (no heading with that anchor in this doc)",
        "Anchor not found: #no-such-heading (no heading with that anchor in docs/other.md)",
    ]
    assert found["missing-image"] == [
        "Image not found: ../img/missing.png (looked for img/missing.png)"
    ]
    assert "reference-not-found" not in found  # self links and the loop resolve
    anchor = Finding.objects.get(path="docs/guide.md", message__contains="#missing")
    assert (anchor.severity, anchor.category, anchor.line) == (
        "warning",
        "broken-doc-reference",
        11,
    )
    assert not Finding.objects.filter(path="docs/other.md", category__startswith="broken").exists()


def test_working_links_resolve_to_files_folders_and_docs(linked):
    rows = dict(
        DocumentLink.objects.filter(source__path="docs/guide.md", problem="").values_list(
            "target", "resolved_path"
        )
    )
    assert rows["../data/"] == "data/" and rows["../data"] == "data/"
    assert rows["/"] == "/" and rows["../data/report.csv"] == "data/report.csv"
    assert rows["/api/v1/users"] == "/api/v1/users"  # a site link, kept as written
    assert rows["../../../../elsewhere/x.txt"] == "../../../../elsewhere/x.txt"
    assert rows["guide.md"] == "docs/guide.md" and rows["../img/logo.png"] == "img/logo.png"


def test_adding_the_missing_file_fixes_the_finding_of_an_unchanged_doc(linked):
    linked.write("docs/missing.csv", "a\n")
    linked.write("docs/nope/readme.txt", "x\n")
    linked.commit("Add the missing file and folder")
    result = docs_sync()
    assert result.counts["registered"] == 0 and result.counts["relinked"] == 1
    found = findings_of("docs/guide.md")
    assert "missing-file" not in found and "missing-folder" not in found


def test_a_heading_renamed_in_one_doc_breaks_anchored_links_in_the_others(linked):
    linked.write("docs/other.md", OTHER.replace("## Real heading", "## Renamed heading"))
    linked.commit("Rename the heading")
    result = docs_sync()
    assert result.counts["registered"] == 1 and result.counts["relinked"] == 1
    assert any("#real-heading" in m for m in findings_of("docs/guide.md")["broken-anchor"])

    linked.write("docs/other.md", OTHER)
    linked.commit("Bring the heading back")
    docs_sync()
    assert not any("#real-heading" in m for m in findings_of("docs/guide.md")["broken-anchor"])


def test_broken_links_are_listed_on_process_quality(linked, operator_client):
    response = operator_client.get(reverse("docs:quality"), {"category": "broken-doc-reference"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anchor not found: #no-such-heading" in html
    assets = operator_client.get(reverse("docs:quality"), {"category": "broken-asset-reference"})
    assert "Folder not found in the repository: nope/" in assets.content.decode()


# --- the doc page ---------------------------------------------------------------------------


def body_of(operator_client, url: str) -> str:
    response = operator_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('class="markdown-body') : html.index("doc-aside")]


def test_a_doc_page_links_folders_files_and_marks_links_that_leave_the_repository(
    linked, operator_client
):
    body = body_of(operator_client, "/docs/docs/guide.md")
    assert 'href="/docs/browse/data/" class="folder-link"' in body
    assert 'href="/docs/" class="folder-link"' in body  # the repository root
    assert 'href="/docs/files/data/report.csv" class="file-link"' in body
    assert 'href="/docs/files/data/raw.bin" class="file-link"' in body
    assert 'href="/api/v1/users" class="outside-link"' in body
    assert 'href="../../../../elsewhere/x.txt" class="outside-link"' in body
    assert (
        'class="broken-link" title="File not found in the repository: missing.csv '
        '(looked for docs/missing.csv)"' in body
    )
    assert "looked for docs/nope" in body
    assert body.count('class="broken-link"') == 2  # only the missing file and folder


def test_a_folder_without_docs_opens_an_empty_folder_page(linked, operator_client):
    response = operator_client.get("/docs/browse/empty-folder-with-a-file/")
    assert response.status_code == 200
    assert "No documents in this folder." in response.content.decode()
    assert operator_client.get("/docs/browse/no-such-folder/").status_code == 404


# --- downloads ------------------------------------------------------------------------------


def test_a_csv_is_downloaded_as_an_attachment(linked, operator_client):
    response = operator_client.get(reverse("docs:download", args=["data/report.csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert response["Content-Type"] == "text/csv"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"name,amount\nalpha,1\nbeta,2\n"


def test_html_and_unknown_files_are_sent_as_bytes_never_as_a_page(linked, operator_client):
    for path in ("data/page.html", "data/raw.bin"):
        response = operator_client.get(reverse("docs:download", args=[path]))
        assert response["Content-Type"] == "application/octet-stream", path
        assert response["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    ["../etc/passwd", "data/../../x", "data", "data/nothing.csv", ".git/config", "%2Fetc/passwd"],
)
def test_downloads_outside_the_repository_or_of_nothing_are_404(linked, operator_client, path):
    assert operator_client.get(f"/docs/files/{path}").status_code == 404


def test_symlinks_are_never_followed_for_downloads(
    db, settings, tmp_path, monkeypatch, operator_client
):
    IndexCalls().install(monkeypatch)
    remote = GitRemote.create(tmp_path / "origin", {"a.md": "# A\n", "data/real.csv": "x\n"})
    remote.symlink("data/inside.csv", "real.csv")
    remote.symlink("data/outside.csv", "/etc/passwd")
    remote.symlink("linked-folder", "data")
    remote.commit("Symlinks")
    point_docs_at(settings, remote.url, tmp_path)
    docs_sync()
    assert operator_client.get("/docs/files/data/real.csv").status_code == 200
    for path in ("data/inside.csv", "data/outside.csv", "linked-folder/real.csv"):
        assert operator_client.get(f"/docs/files/{path}").status_code == 404, path


def test_a_file_over_the_download_limit_gets_a_clear_413(linked, operator_client, settings):
    settings.DOCS_MAX_DOWNLOAD_BYTES = 10
    response = operator_client.get(reverse("docs:download", args=["data/report.csv"]))
    assert response.status_code == 413
    assert "This file is too large to download here" in response.content.decode()


def test_anonymous_visitors_cannot_download(linked, client):
    response = client.get(reverse("docs:download", args=["data/report.csv"]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
