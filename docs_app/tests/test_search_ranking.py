"""Ranking on a repository with the traps real ones have: a huge page that mentions
everything, identical copies, accents, stems, stop words, words close together."""

import pytest

from docs_app import search
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at

FILLER = "Open the shared folder and check the list before you continue with the work. "
TARGET = "competitions/bot-detection.md"


def doc(title: str, body: str, summary: str = "") -> str:
    front = f"---\ntitle: {title}\n" + (f"summary: {summary}\n" if summary else "") + "---\n"
    return f"{front}\n# {title}\n\n{body}\n\n{FILLER * 3}\n"


TOPIC_WORDS = (
    "bot detection competition fraud scoring leaderboard cafe meetup stream running "
    "guest email podcast"
)
EVERYTHING = " ".join([TOPIC_WORDS] * 4)
FILES = {
    TARGET: doc(
        "Bot detection competition",
        "Run the yearly challenge where teams build classifiers for fake sign-ups.",
        summary="How we run the fraud scoring challenge and its leaderboard.",
    ),
    "examples/everything.md": "# Examples\n\n" + (FILLER + EVERYTHING + "\n\n") * 800,
    "events/cafe-meetup.md": doc("Café meetup", "Book the back room of the café."),
    "ops/run-the-stream.md": doc("Run the stream", "Start the stream at six."),
    "ops/running-notes.md": doc("Running the stream", "It takes an hour."),
    "trello/create-event.md": doc(
        "How to create an event through Trello", "Make a card on the events board."
    ),
    "podcast/guest-email.md": doc("Guest email", "Write to the guest a week before."),
    "podcast/welcome.md": doc(
        "Welcome pack", "Send the guest our notes. " + FILLER * 4 + "Reply to every email."
    ),
    "shared/checklist.md": doc("Release checklist", "Tick each box before the release."),
    "archive/checklist-copy.md": doc("Release checklist", "Tick each box before the release."),
}


@pytest.fixture
def ranked_docs(db, settings, local_cache, tmp_path):
    remote = GitRemote.create(tmp_path / "docs", FILES)
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    docs_sync()


def paths(results):
    return [hit.path for hit in results.hits]


def test_a_huge_page_that_mentions_everything_does_not_hide_the_doc(ranked_docs):
    for query in ("bot detection competition", "fraud scoring leaderboard"):
        results = search.search(query)
        assert paths(results)[0] == TARGET, query
        assert "examples/everything.md" in paths(results)  # still found, just lower


def test_accents_are_folded_both_ways(ranked_docs):
    assert paths(search.search("cafe"))[0] == "events/cafe-meetup.md"
    assert paths(search.search("CAFÉ meetup"))[0] == "events/cafe-meetup.md"


def test_stems_match_and_the_exact_form_is_preferred(ranked_docs):
    running = paths(search.search("running", per_page=50))
    assert running.index("ops/running-notes.md") < running.index("ops/run-the-stream.md")
    run = paths(search.search("run", per_page=50))
    assert run.index("ops/run-the-stream.md") < run.index("ops/running-notes.md")


def test_stop_words_are_not_required(ranked_docs):
    results = search.search("how do I create an event in trello")
    assert paths(results)[0] == "trello/create-event.md"


def test_words_together_rank_above_words_apart(ranked_docs):
    order = paths(search.search("guest email", per_page=50))
    assert order.index("podcast/guest-email.md") < order.index("podcast/welcome.md")


def test_identical_copies_are_one_hit_that_names_the_others(ranked_docs, operator_client):
    results = search.search("release checklist")
    found = [hit for hit in results.hits if "checklist" in hit.path]
    assert len(found) == 1 and results.total == len(results.hits)
    assert found[0].copies == ["shared/checklist.md"] or found[0].copies == [
        "archive/checklist-copy.md"
    ]
    html = operator_client.get("/docs/search/", {"q": "release checklist"}).content.decode()
    assert "Also at:" in html


@pytest.mark.parametrize("query", ["", "*", "  *  "])
def test_an_empty_query_or_a_star_lists_every_doc_by_title(ranked_docs, operator_client, query):
    results = search.search(query, per_page=4)
    assert results.total == len(FILES)  # a list of files: both copies are listed
    titles = [hit.title for hit in search.search(query, per_page=50).hits]
    assert titles == sorted(titles, key=str.lower)
    assert results.page.paginator.num_pages == 3 and results.facets
    html = operator_client.get("/docs/search/", {"q": query}).content.decode()
    assert "docs, by title" in html


@pytest.mark.parametrize(
    "query", ["x" * 2000, "word " * 400, "!!! ??? ... ---", "the and of to", "«»—…", "\u200b"]
)
def test_bad_queries_answer_calmly(ranked_docs, operator_client, query):
    results = search.search(query)
    assert results.total >= 0
    assert operator_client.get("/docs/search/", {"q": query}).status_code == 200
    assert operator_client.get("/docs/search/suggest/", {"q": query}).status_code == 200


def test_checkpoints_find_the_characters_of_any_word_position():
    from docs_app.search_index import SCHEMA, char_spans, checkpoints

    words = ["Café", "the", "step-3", "a", "v1.2.3", "naïve", "don't", "X", "résumé", "of"]
    text = " ".join(words[i % len(words)] + ("," if i % 7 == 0 else "") for i in range(700))
    tokens = [
        (token.pos, token.startchar, token.endchar)
        for token in SCHEMA["body"].analyzer(text, positions=True, chars=True)
    ]
    assert len(tokens) > 300
    found = char_spans(text, checkpoints(text), [pos for pos, _, _ in tokens])
    assert found == tokens
    assert char_spans(text, checkpoints(text), [10**6]) == []  # past the end: nothing


def test_docs_search_json_puts_the_doc_above_the_page_that_mentions_everything(ranked_docs):
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("docs_search", "bot", "detection", "competition", "--json", stdout=out)
    found = json.loads(out.getvalue())
    assert found[0]["path"] == TARGET
    assert "examples/everything.md" in [hit["path"] for hit in found]


def test_a_parallel_build_then_updates_rank_across_segments_and_deletions(
    db, settings, local_cache, tmp_path, monkeypatch
):
    from docs_app import search_index

    monkeypatch.setattr(search_index, "PARALLEL_FROM", 1)
    monkeypatch.setattr(search_index, "PARALLEL_BATCH", 2)
    remote = GitRemote.create(tmp_path / "docs", FILES)
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    docs_sync()
    assert len(search_index.segment_sizes()) == 2  # one per writer process
    assert paths(search.search("bot detection competition"))[0] == TARGET

    remote.write(TARGET, doc("Sign-up abuse", "Nothing about the challenge any more."))
    remote.remove("events/cafe-meetup.md")
    remote.commit("Retitle one doc, delete another")
    docs_sync()
    found = paths(search.search("bot detection competition", per_page=50))
    assert found[0] == "examples/everything.md" and found.count(TARGET) == 0
    assert paths(search.search("sign-up abuse"))[0] == TARGET
    assert "events/cafe-meetup.md" not in paths(search.search("cafe meetup", per_page=50))
    assert search.search("*", per_page=50).total == len(FILES) - 1


def test_a_process_that_may_not_have_children_builds_in_one_process(
    db, settings, local_cache, tmp_path, monkeypatch
):
    import multiprocessing

    from docs_app import search_index

    monkeypatch.setattr(search_index, "PARALLEL_FROM", 1)
    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    remote = GitRemote.create(tmp_path / "docs", FILES)
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    docs_sync()  # a Celery prefork pool process is daemonic: children would be refused
    assert len(search_index.segment_sizes()) == 1
    assert paths(search.search("bot detection competition"))[0] == TARGET
