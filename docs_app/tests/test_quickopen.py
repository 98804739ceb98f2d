"""Quick-open (Ctrl/Cmd+P): docs matching title and path, best matches first."""

from docs_app.models import DocView
from docs_app.tests.conftest import CREATE_PODCAST_DOC, CREATE_PODCAST_ID


def results(client, query, **extra):
    response = client.get("/docs/quick-open/", {"q": query, **extra})
    assert response.status_code == 200
    return response


def test_matches_title_and_path_case_insensitively(content_docs, operator_client):
    data = results(operator_client, "PODCAST DOC").json()
    assert data["query"] == "PODCAST DOC"
    titles = [row["title"] for row in data["results"]]
    assert 0 < len(titles) <= 12
    assert all("podcast" in (row["title"] + row["path"]).lower() for row in data["results"])
    by_path = results(operator_client, "book-of-the-week/templates").json()["results"]
    assert by_path and all("book-of-the-week/templates" in row["path"] for row in by_path)


def test_title_prefix_matches_come_first(content_docs, operator_client):
    rows = results(operator_client, "create a podcast").json()["results"]
    assert rows[0]["path"] == CREATE_PODCAST_DOC
    assert rows[0]["url"] == f"/docs/{CREATE_PODCAST_DOC}"
    assert rows[0]["doc_id"] == CREATE_PODCAST_ID


def test_every_word_must_match(content_docs, operator_client):
    rows = results(operator_client, "luma csv").json()["results"]
    assert rows and all(
        "luma" in (r["title"] + r["path"]).lower() and "csv" in (r["title"] + r["path"]).lower()
        for r in rows
    )
    assert results(operator_client, "luma zzzz").json()["results"] == []


def test_no_query_offers_recently_viewed(content_docs, operator_client, operator):
    DocView.objects.create(user=operator, doc_id=CREATE_PODCAST_ID)
    rows = results(operator_client, "").json()["results"]
    assert [row["doc_id"] for row in rows] == [CREATE_PODCAST_ID]


def test_html_fragment_for_htmx(content_docs, operator_client):
    html = results(operator_client, "glossary", format="html").content.decode()
    assert 'class="quickopen-item" href="/docs/internal-admin/reference/glossary.md"' in html
    html = operator_client.get(
        "/docs/quick-open/", {"q": "<b>nothing"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "&lt;b&gt;nothing" in html and "<b>nothing" not in html


def test_query_count_is_constant(content_docs, operator_client, django_assert_num_queries):
    with django_assert_num_queries(2):
        results(operator_client, "podcast")
    with django_assert_num_queries(2):
        results(operator_client, "a b c d e f g h")
