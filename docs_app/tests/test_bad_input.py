"""Files nobody should write, synced and shown without an error page: empty files, odd
encodings, NUL bytes, thousands of links, link loops, placeholder and numeric titles."""

import pytest
from django.urls import reverse

from docs_app.models import Document, DocumentLink, Finding
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at

LINK_LINES = 5_000  # two links a line: 10,000 links in one file
MANY_LINKS = "# Many links\n\n## H0\n\n" + "".join(
    f"- [doc {n}](loop-a.md#h{n % 3}) and [the data](data.csv)\n" for n in range(LINK_LINES)
)
FILES: dict[str, str | bytes] = {
    "empty.md": "",
    "blank.md": "  \n\n",
    "only-frontmatter.md": "---\ntitle: Only frontmatter\n---\n",
    "nul.md": b"# Nul\n\x00\n",
    "latin1.md": "# Caf\xe9\n".encode("latin-1"),
    "utf16.md": "# UTF-16 doc\n\nText.\n".encode("utf-16"),  # with a byte order mark
    "many-links.md": MANY_LINKS,
    "loop-a.md": "# A\n\n## H1\n\n[B](loop-b.md), [myself](loop-a.md#h1), [[loop-b]]\n",
    "loop-b.md": "# B\n\n[A](loop-a.md) and [A again](./loop-a.md)\n",
    "placeholder.md": '---\ntitle: "{{ name }}"\n---\n\nBody.\n',
    "placeholder-heading.md": "# {{name}}\n\nBody.\n",
    "year.md": "---\ntitle: 2024\nsummary: A year in review\n---\n\nThe yearly review.\n",
    "year-heading.md": "# 2023\n\nThe yearly review again.\n",
    "data.csv": "a,b\n1,2\n",
}


@pytest.fixture
def bad(db, settings, tmp_path, local_cache):
    remote = GitRemote.create(tmp_path / "origin", FILES)
    point_docs_at(settings, remote.url, tmp_path)
    result = docs_sync()
    assert result.counts["registered"] == len([p for p in FILES if p.endswith(".md")])
    return result


def codes_of(path: str) -> set[str]:
    return set(Finding.objects.filter(path=path).values_list("code", flat=True))


def test_every_page_answers_for_bad_input(bad, operator_client):
    for doc in Document.objects.all():
        assert operator_client.get(doc.get_absolute_url()).status_code == 200, doc.path
    for url in ("/docs/", reverse("docs:quality"), "/docs/quick-open/?q=a"):
        assert operator_client.get(url).status_code == 200, url
    for query in ("review", "nul", "name", "2024", "{{", "links"):
        response = operator_client.get(reverse("docs:search"), {"q": query})
        assert response.status_code == 200, query


def test_empty_files_get_one_info_finding_instead_of_missing_metadata(bad):
    for path in ("empty.md", "blank.md"):
        finding = Finding.objects.get(path=path, code="empty-doc")
        assert finding.severity == "info"
        assert finding.message == "The file is empty: its page shows nothing."
        assert "no-frontmatter" not in codes_of(path)
    assert codes_of("only-frontmatter.md") == {"no-summary"}


def test_nul_bytes_and_other_encodings_are_skipped_with_the_reason(bad, operator_client):
    reasons = dict(
        Document.objects.filter(path__in=["nul.md", "latin1.md", "utf16.md"]).values_list(
            "path", "skipped_reason"
        )
    )
    assert reasons["nul.md"] == "binary file (contains NUL bytes)"
    assert reasons["latin1.md"].startswith("not UTF-8 text")
    assert reasons["utf16.md"] == "binary file (contains NUL bytes)"  # UTF-16 has zero bytes
    for path in reasons:
        assert "skipped" in codes_of(path)
        html = operator_client.get(f"/docs/{path}").content.decode()
        assert reasons[path] in html


def test_placeholder_titles_are_info_findings(bad):
    for path, title in (("placeholder.md", "{{ name }}"), ("placeholder-heading.md", "{{name}}")):
        finding = Finding.objects.get(path=path, code="placeholder-title")
        assert finding.severity == "info"
        assert finding.message == f"The title {title!r} is an unfilled placeholder."


def test_a_number_is_a_title_like_any_other(bad, operator_client):
    assert Document.objects.get(path="year.md").title == "2024"
    assert Document.objects.get(path="year-heading.md").title == "2023"
    for path in ("year.md", "year-heading.md"):
        assert not codes_of(path) & {"no-title", "L03", "placeholder-title"}
    html = operator_client.get("/docs/year.md").content.decode()
    assert "<h1" in html and "2024</h1>" in html
    found = operator_client.get(reverse("docs:search"), {"q": "yearly review"}).content.decode()
    assert "2024" in found and "2023" in found


def test_ten_thousand_links_in_one_file_are_stored_checked_and_drawn(bad, operator_client):
    links = DocumentLink.objects.filter(source__path="many-links.md")
    assert links.count() == 2 * LINK_LINES
    broken = set(links.exclude(problem="").values_list("anchor", flat=True))
    assert broken == {"h0", "h2"}  # loop-a.md has a heading `H1` only
    html = operator_client.get("/docs/many-links.md").content.decode()
    assert html.count('href="/docs/files/data.csv" class="file-link"') == LINK_LINES
    assert html.count('href="/docs/loop-a.md#h1"') == LINK_LINES // 3 + 1


def test_link_loops_and_self_links_resolve_and_render(bad, operator_client):
    assert not Finding.objects.filter(
        path__in=["loop-a.md", "loop-b.md"], category__startswith="broken"
    ).exists()
    page = operator_client.get("/docs/loop-a.md")
    assert page.status_code == 200
    assert 'href="/docs/loop-b.md"' in page.content.decode()
    back = operator_client.get("/docs/loop-b.md").content.decode()
    assert 'href="/docs/loop-a.md"' in back
