"""The episode and profile parser: transcript shapes, the host's questions, categories."""

from __future__ import annotations

import pytest

from podcast.kb.parse import KbFileError, parse_episode, parse_profile, question_text
from podcast.kb.rules import categorize
from podcast.kb.tests.conftest import episode_text

HOSTS = ["Alexey"]


def parse(**front):
    return parse_episode(episode_text(**front), hosts=HOSTS)


def test_every_field_is_read_whatever_the_order_and_unknown_keys_are_ignored():
    episode = parse(
        transcript=[],
        sponsor="ignored",
        links={"youtube": "https://youtu.be/x", "empty": ""},
        topics=["MLOps", "Career", "MLOps"],
        guests=["ada-l"],
        dateadded="2023-03-04",
        episode=9,
        season="7",
        description="What an MLOps engineer does.",
        title="MLOps in practice",
    )
    assert (episode.title, episode.season, episode.number, episode.code) == (
        "MLOps in practice",
        7,
        9,
        "S7E9",
    )
    assert episode.date.isoformat() == "2023-03-04"
    assert episode.topics == ["MLOps", "Career"]
    assert episode.links == {"youtube": "https://youtu.be/x"}
    assert episode.guest_ids == ["ada-l"]
    assert episode.summary == "What an MLOps engineer does."


def test_only_the_title_is_required():
    episode = parse_episode("---\ntitle: Just a title\n---\nFirst paragraph.\n\nMore.", hosts=HOSTS)
    assert episode.code == "" and episode.transcript == [] and episode.questions == []
    assert episode.summary == "First paragraph."
    with pytest.raises(KbFileError, match="missing title"):
        parse_episode("---\nseason: 1\n---\n", hosts=HOSTS)
    with pytest.raises(KbFileError, match="missing title"):
        parse_episode("No front matter at all", hosts=HOSTS)


def test_invalid_yaml_is_reported_with_its_line():
    with pytest.raises(
        KbFileError, match=r"invalid YAML front matter \(line 4: did not find expected"
    ):
        parse_episode("---\ntitle: x\ntopics: [a, b\n---\n", hosts=HOSTS)


def test_transcript_shapes():
    episode = parse(
        title="t",
        transcript=[
            {"header": "Getting started"},
            {"line": "What is a feature store?", "who": "Alexey", "time": "1:05", "sec": 65},
            {"line": "Quoted time only?", "who": "Alexey", "time": "1:02:03"},
            {"line": "No time at all, right?", "who": "Alexey"},
            {"header": "Getting started"},
            {"line": "A guest line.", "who": "Ada"},
        ],
    )
    headers = [item for item in episode.transcript if "header" in item]
    assert [h["anchor"] for h in headers] == ["getting-started", "getting-started-2"]
    lines = [item for item in episode.transcript if "line" in item]
    assert [(item["time"], item["sec"]) for item in lines] == [
        ("1:05", 65),
        ("1:02:03", 3723),
        ("", None),
        ("", None),
    ]


def test_an_unquoted_time_that_yaml_read_as_a_number_is_seconds():
    text = "---\ntitle: t\ntranscript:\n- line: Is this right?\n  who: Alexey\n  time: 1:23\n---\n"
    line = parse_episode(text, hosts=HOSTS).transcript[0]
    assert (line["time"], line["sec"]) == ("1:23", 83)


@pytest.mark.parametrize(
    "item",
    [
        {"speaker": "Alexey", "text": "Hi?"},
        {"header": "A", "line": "both"},
        {"line": ["not", "text"]},
        "just a string",
        {"header": 42},
    ],
)
def test_a_transcript_item_of_unknown_shape_is_refused(item):
    with pytest.raises(KbFileError, match="transcript item 2 is neither"):
        parse(title="t", transcript=[{"header": "Intro"}, item])


def test_a_transcript_that_is_not_a_list_is_refused():
    with pytest.raises(KbFileError, match="must be a list"):
        parse(title="t", transcript="Alexey: hi")


def test_a_season_that_is_not_a_number_is_refused():
    with pytest.raises(KbFileError, match="`season` must be a whole number"):
        parse(title="t", season="seven")


@pytest.mark.parametrize(
    ("line", "question"),
    [
        (
            "So tell me, how did you start? And then what happened.",
            "So tell me, how did you start?",
        ),
        (
            "What is MLOps? [laughs] What does it mean for you? Let's see.",
            "What is MLOps? What does it mean for you?",
        ),
        ("Really? [inaudible?]", ""),  # 7 characters once cut
        ("Nice answer [is it?] thanks.", ""),  # the only "?" was in a note
        ("No question here.", ""),
        ("  Why   so   many spaces?  ", "Why so many spaces?"),
    ],
)
def test_question_rules(line, question):
    assert question_text(line) == question


def test_questions_are_the_hosts_lines_with_their_section_and_time():
    episode = parse(
        title="t",
        transcript=[
            {"line": "Before any header, who are you?", "who": "alexey", "sec": 3},
            {"header": "Career"},
            {"line": "And you, what do you think?", "who": "Ada", "sec": 10},
            {
                "line": "What would you tell your younger self?",
                "who": "Alexey Grigorev",
                "time": "12:00",
            },
            {"line": "Okay.", "who": "Alexey"},
        ],
    )
    found = [(q.text, q.section, q.anchor, q.time, q.sec, q.category) for q in episode.questions]
    assert found == [
        ("Before any header, who are you?", "", "", "0:03", 3, "general"),
        ("What would you tell your younger self?", "Career", "career", "12:00", 720, "reflection"),
    ]


def test_host_names_come_from_the_caller():
    text = episode_text(title="t", transcript=[{"line": "Any questions for me?", "who": "Maria"}])
    assert parse_episode(text, hosts=["Alexey"]).questions == []
    assert [q.text for q in parse_episode(text, hosts=["Maria"]).questions] == [
        "Any questions for me?"
    ]


@pytest.mark.parametrize(
    ("question", "category"),
    [
        ("Before we start, can you tell us about your background?", "background"),
        ("How did you get into data engineering in the first place?", "background"),
        ("What are you currently working on at your company?", "current_focus"),
        ("What does a typical day look like for you?", "current_focus"),
        ("How did you prepare for your first machine learning interview?", "career"),
        ("Was it hard to get a job as a junior analyst?", "career"),
        ("What advice would you give to someone switching careers into data?", "practical_advice"),
        ("Where should a beginner start with MLOps?", "practical_advice"),
        ("How does your team deploy models to production?", "technical"),
        ("Do you use Airflow or Dagster for orchestration?", "technical"),
        ("How do you convince stakeholders to invest in data quality?", "business_impact"),
        ("How do you measure the ROI of a data platform?", "business_impact"),
        ("What books would you recommend for someone starting out?", "resources"),
        ("Where can people find you online?", "resources"),
        ("Looking back, what would you do differently?", "reflection"),
        ("What was the hardest part of that migration?", "reflection"),
        ("Where do you see MLOps going in the next five years?", "future"),
        ("Do you think LLMs will replace data analysts?", "future"),
        ("And what happened after that?", "general"),
        ("Interesting, so was it worth it?", "general"),
    ],
)
def test_categories(question, category):
    assert categorize(question) == category


def test_profile_fields_and_defaults():
    text = (
        "---\nshort: ada-l\ntitle: Ada Lovelace\npicture: images/people/ada.jpg\ntwitter: '@ada'\n"
        "linkedin: ada-lovelace\ngithub: https://github.com/ada\nweb: ada.example.org\n"
        "bio_short: Analyst.\n---\nAda writes programs for engines.\n"
    )
    profile = parse_profile(text, default_id="file-name")
    assert profile.kb_id == "ada-l" and profile.name == "Ada Lovelace"
    assert profile.x_url == "https://x.com/ada"
    assert profile.linkedin_url == "https://www.linkedin.com/in/ada-lovelace"
    assert profile.github_url == "https://github.com/ada"
    assert profile.website_url == "https://ada.example.org"
    assert profile.picture_url == "images/people/ada.jpg"
    assert profile.bio == "Ada writes programs for engines."


def test_a_profile_with_nothing_in_it_uses_the_file_name():
    profile = parse_profile("---\ntitle: ''\ntwitter:\nweb: not a url\n---\n", default_id="grace-h")
    assert (profile.kb_id, profile.name, profile.x_url, profile.website_url, profile.bio) == (
        "grace-h",
        "grace-h",
        "",
        "",
        "",
    )
    assert parse_profile("---\nbio_short: Short.\n---\n", default_id="x").bio == "Short."
