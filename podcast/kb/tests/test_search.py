"""KB search: ranking sanity, filters, "questions like this one", the two commands' output."""

from __future__ import annotations

import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from podcast.kb import search
from podcast.kb.models import KbEpisode, KbQuestion
from podcast.kb.selectors import STATE_EMPTY, STATE_NO_INDEX, kb_search, similar_questions
from podcast.models import Guest

pytestmark = pytest.mark.django_db


def line(text, who="Alexey", sec=0):
    return {"line": text, "who": who, "sec": sec}


@pytest.fixture
def corpus(kb, run_import):
    kb.profile("ada.md", short="ada", title="Ada Lovelace")
    kb.episode(
        "s1e1.md",
        title="Feature stores in production",
        season=1,
        episode=1,
        topics=["MLOps"],
        guests=["ada"],
        description="How feature stores keep training and serving in sync.",
        transcript=[
            {"header": "Feature stores"},
            line("What is a feature store and why would a team need one?", sec=10),
            line("It keeps features consistent.", who="Ada", sec=20),
            line("How do you convince stakeholders to pay for a feature store?", sec=30),
        ],
    )
    kb.episode(
        "s1e2.md",
        title="Hiring your first data engineer",
        season=1,
        episode=2,
        topics=["Career"],
        description="What to look for in a first data hire.",
        transcript=[
            {"header": "Hiring"},
            line("How did you hire your first data engineer?", sec=10),
            line("We once talked about a feature store, but later.", who="Bob", sec=20),
            line("What books would you recommend to new managers?", sec=30),
        ],
    )
    kb.episode(
        "s2e1.md",
        title="Data quality at scale",
        season=2,
        episode=1,
        topics=["Data Engineering", "MLOps"],
        transcript=[line("How do you monitor data quality in your pipelines?", sec=5)],
    )
    run_import()


def titles(results):
    return [hit.item.title for hit in results.episodes]


def questions(results):
    return [hit.item.text for hit in results.questions]


def test_the_episode_about_the_query_ranks_first(corpus):
    results = kb_search("feature store", search.Filters())
    assert titles(results) == ["Feature stores in production", "Hiring your first data engineer"]
    assert set(questions(results)[:2]) == {
        "What is a feature store and why would a team need one?",
        "How do you convince stakeholders to pay for a feature store?",
    }
    assert results.episodes[0].score > results.episodes[1].score


def test_filters_narrow_the_results(corpus):
    def found(**filters):
        results = kb_search("data", search.Filters(**filters))
        return titles(results), questions(results)

    assert found(topic="mlops")[0] == ["Data quality at scale"]
    assert found(season="2")[0] == ["Data quality at scale"]
    assert found(category="career")[1] == ["How did you hire your first data engineer?"]
    ada = Guest.objects.get(kb_id="ada")
    assert found(guest=str(ada.pk)) == ([], [])  # "data" is not in Ada's episode
    assert titles(kb_search("feature", search.Filters(guest=str(ada.pk)))) == [
        "Feature stores in production"
    ]
    assert found(season="not-a-number") == ([], [])


def test_questions_like_this_one_leave_the_question_out(corpus):
    question = KbQuestion.objects.get(text__startswith="What is a feature store")
    similar = [hit.item.text for hit in similar_questions(question)]
    assert question.text not in similar
    assert similar[0] == "How do you convince stakeholders to pay for a feature store?"


def test_a_removed_episode_leaves_the_index(corpus, kb, run_import):
    (kb.episodes / "s1e1.md").unlink()
    run_import()
    assert titles(kb_search("feature store", search.Filters())) == [
        "Hiring your first data engineer"
    ]


def test_states_without_episodes_or_without_an_index(kb_index, corpus):
    shutil.rmtree(kb_index)
    assert kb_search("feature", search.Filters()).state == STATE_NO_INDEX
    KbEpisode.objects.all().delete()
    assert kb_search("feature", search.Filters()).state == STATE_EMPTY


def test_a_missing_index_is_rebuilt_by_the_next_import(kb_index, corpus, run_import):
    shutil.rmtree(kb_index)
    run_import()
    assert titles(kb_search("quality", search.Filters())) == ["Data quality at scale"]


def test_import_command_json_has_exactly_the_documented_shape(kb, capsys):
    kb.profile("ada.md", short="ada", title="Ada")
    kb.episode("good.md", title="Good")
    kb.raw("bad.md", "---\ntitle: [\n---\n")
    call_command("podcast_kb_import", str(kb.episodes), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        "failed": [{"path": f"{kb.episodes}/bad.md", "error": data["failed"][0]["error"]}],
        "guests": {"created": 1, "updated": 0},
    }
    assert data["failed"][0]["error"].startswith("invalid YAML")


def test_import_command_prints_counts_and_failures(kb, capsys):
    kb.episode("good.md", title="Good")
    kb.raw("bad.md", b"\xff\xfe")
    call_command("podcast_kb_import", str(kb.episodes), "--people", str(kb.people))
    out = capsys.readouterr().out
    assert "Episodes: 1 created, 0 updated, 0 unchanged, 0 removed." in out
    assert "Guests: 0 created, 0 updated." in out
    assert f"{kb.episodes}/bad.md: not valid UTF-8 (byte 0)" in out


def test_import_command_refuses_a_missing_folder(tmp_path, kb_index):
    with pytest.raises(CommandError, match="no such folder"):
        call_command("podcast_kb_import", str(tmp_path / "missing"))


def test_search_command_json_has_exactly_the_documented_shape(corpus, capsys):
    call_command("podcast_kb_search", "feature", "store", "--json", "--limit", "1")
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["episodes", "questions"]
    assert [list(row) for row in data["episodes"]] == [["title", "path", "score"]]
    assert [list(row) for row in data["questions"]] == [["text", "episode", "category", "score"]]
    assert data["episodes"][0]["path"] == "s1e1.md"
    assert data["questions"][0]["episode"] == "S1E1"
    top = KbQuestion.objects.get(text=data["questions"][0]["text"])
    assert data["questions"][0]["category"] == top.category


def test_search_command_prints_ranked_lines(corpus, capsys):
    call_command("podcast_kb_search", "hire")
    out = capsys.readouterr().out
    assert "Hiring your first data engineer  (s1e2.md)" in out
    assert "How did you hire your first data engineer?  [S1E2, career]" in out


def test_search_command_without_an_index_exits_with_the_fix(kb_index, corpus):
    shutil.rmtree(kb_index)
    with pytest.raises(CommandError, match="podcast_kb_import --reindex"):
        call_command("podcast_kb_search", "feature")
