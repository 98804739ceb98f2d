"""The offline drafter: structure, sources, topics to avoid, near-repeats, thin facts,
guidance, determinism."""

from __future__ import annotations

import dataclasses

import pytest

from podcast.assistant import similarity
from podcast.assistant.drafters.base import ARC_KEYS, parse_markdown
from podcast.assistant.drafters.offline import OfflineDrafter, plan_from, recent_questions
from podcast.assistant.inputs import IntakeFacts, KBEpisodeRef, KBQuestionRef
from podcast.assistant.tests.drafting import AVOID, FULL_FORM, full_inputs, thin_inputs

draft = OfflineDrafter().draft


def form(**changes) -> tuple[IntakeFacts, ...]:
    return (IntakeFacts(id=7, fields={**FULL_FORM, **changes}),)


def all_text(document) -> list[str]:
    return [q.text for q in document.questions] + document.followups


def test_a_full_guest_form_gives_a_valid_document_in_the_arc():
    document = draft(full_inputs())
    assert document.validate() == []
    assert 10 <= len(document.questions) <= 14
    assert 5 <= len(document.followups) <= 8
    stages = [ARC_KEYS.index(q.category) for q in document.questions]
    assert stages == sorted(stages)
    assert set(ARC_KEYS) <= {q.category for q in document.questions}
    assert document.questions[-1].category == "resources"
    assert document.questions[0].text == "How did an analyst end up running an ML platform?"


def test_every_question_names_the_intake_field_or_past_question_it_came_from():
    document = draft(full_inputs())
    for question in document.questions:
        assert question.source.startswith(("guest form: ", "guest profile: ", "knowledge base: "))
    sources = {q.source for q in document.questions}
    assert "guest form: Projects worth discussing (intake #7)" in sources
    assert "guest form: Stories and proof points (intake #7)" in sources
    metric = next(q for q in document.questions if q.category == "business_impact")
    assert "3 weeks to 2 days" in metric.text


def test_the_angle_comes_from_the_hook_and_who_should_listen():
    document = draft(full_inputs())
    assert document.angle.startswith(
        "This episode is about data engineers and ML engineers at small companies learning "
        "“Most ML teams do not need a feature store"
    )
    assert "from Dana Reyes's experience with the routing model platform" in document.angle
    assert "Why now: Feature stores are sold to every team" in document.angle


def test_a_missing_hook_makes_the_angle_a_todo():
    document = draft(full_inputs(intake=form(hook="", audience="")))
    assert document.angle.startswith("TODO: ")
    assert any("who should listen and a one-sentence hook" in todo for todo in document.todos)


def test_same_inputs_give_byte_identical_markdown():
    first = draft(full_inputs()).to_markdown()
    assert draft(full_inputs()).to_markdown() == first
    reordered = dict(reversed(list(FULL_FORM.items())))
    rebuilt = full_inputs(intake=(IntakeFacts(id=7, fields=reordered),))
    assert draft(rebuilt).to_markdown().encode() == first.encode()
    assert draft(thin_inputs()).to_markdown() == draft(thin_inputs()).to_markdown()


@pytest.mark.parametrize(
    "avoid",
    [
        AVOID,
        "Kubernetes; anything about my former employer Acme Logistics",
        "- streaming\n- feature stores\n- deployment",
        "Politics. Crypto. My divorce.",
    ],
)
def test_no_question_or_follow_up_touches_a_topic_to_avoid(avoid):
    stories = FULL_FORM["stories"] + "\nWe deployed Kubernetes at Northbank before the layoffs"
    inputs = full_inputs(intake=form(avoid=avoid, stories=stories))
    document = draft(inputs)
    terms = plan_from(inputs).avoid
    assert terms
    for text in all_text(document):
        assert similarity.touches(text, terms) is None, text
    assert len(document.questions) >= 10
    assert document.validate() == []


def test_near_forms_of_an_avoided_word_are_avoided_too():
    inputs = full_inputs(
        intake=form(
            avoid="salary",
            q_main="What salaries do ML platform engineers earn?",
            projects="Salary benchmarking for ML engineers\nThe routing model platform",
        )
    )
    document = draft(inputs)
    for text in all_text(document):
        assert "salar" not in text.casefold()
    assert any("touching a topic to avoid" in note for note in document.notes)


def test_the_episode_topic_itself_may_be_avoided_and_the_draft_still_has_ten_questions():
    document = draft(
        thin_inputs(
            topic="Kubernetes",
            working_title="Kubernetes",
            intake=(IntakeFacts(id=9, fields={"avoid": "kubernetes"}),),
        )
    )
    assert len(document.questions) >= 10
    assert document.validate() == []
    assert not any("kubernetes" in text.casefold() for text in all_text(document))


def test_questions_already_asked_to_the_guest_are_dropped():
    fresh = draft(full_inputs())
    asked = fresh.questions[1].text.replace("You are", "So you're")
    document = draft(full_inputs(asked_to_guest=(asked,)))
    assert fresh.questions[1].text not in [q.text for q in document.questions]
    assert len(document.questions) >= 10
    assert any("too close to past ones" in note for note in document.notes)


RECENT = KBEpisodeRef(40, "S8E1", "Contracts", ("Data contracts",), "2026-06-01")
OLD = KBEpisodeRef(41, "S2E3", "Contracts again", ("Data contracts",), "2019-06-01")


def _kb_question(episode: KBEpisodeRef) -> KBQuestionRef:
    text = "How did you get started with data contracts, and what drew you to it?"
    return KBQuestionRef(400 + episode.id, text, "background", episode.label, "", episode.id)


def test_a_question_asked_recently_on_the_topic_is_not_asked_again():
    inputs = thin_inputs(
        stream_date="2026-12-20", kb_episodes=(RECENT,), kb_questions=(_kb_question(RECENT),)
    )
    assert recent_questions(inputs) == (_kb_question(RECENT).text,)
    first = draft(inputs).questions[0]
    assert similarity.similarity(first.text, _kb_question(RECENT).text) < 0.6


def test_an_old_past_question_lends_its_phrasing_with_its_source():
    inputs = thin_inputs(
        stream_date="2026-12-20", kb_episodes=(OLD,), kb_questions=(_kb_question(OLD),)
    )
    assert recent_questions(inputs) == ()
    first = draft(inputs).questions[0]
    assert first.text == "How did you get started with data contracts, and what drew you to it?"
    assert first.source.startswith("knowledge base: S2E3 “How did you get started")


def test_past_phrasing_is_carried_over_to_this_episodes_subject():
    question = KBQuestionRef(
        500,
        "What is the biggest misconception about feature engineering?",
        "general",
        "S6E2",
        "",
        31,
    )
    inputs = thin_inputs(
        topic="Data contracts",
        kb_questions=(question,),
        kb_episodes=(KBEpisodeRef(31, "S6E2", "FE", ("Feature engineering",), "2015-01-01"),),
    )
    framing = next(q for q in draft(inputs).questions if q.category == "topic_framing")
    assert framing.text == "What is the biggest misconception about data contracts?"
    assert "(#500)" in framing.source


def test_thin_facts_still_give_ten_questions_and_say_which_facts_would_sharpen_them():
    document = draft(thin_inputs())
    assert len(document.questions) == 10
    assert document.validate() == []
    assert all(
        q.source.startswith(("episode topic", "general question")) for q in document.questions
    )
    todos = " ".join(document.todos)
    assert "projects worth discussing: questions 4, 5, 8" in todos
    assert "Ask the guest for a short bio." in document.todos
    assert "No intake is attached" in todos
    assert document.background.startswith("TODO: no bio yet")


def test_no_details_are_invented_for_a_thin_guest():
    document = draft(thin_inputs())
    assert not any(ch.isdigit() for text in all_text(document) for ch in text)
    assert "Sam Lee" in document.context


def test_guidance_is_shown_and_its_avoid_rule_applied():
    inputs = full_inputs(guidance="Too salesy. Please avoid streaming and skip the ETA incident.")
    document = draft(inputs)
    assert any("Too salesy. Please avoid streaming" in note for note in document.notes)
    assert (
        "Guidance applied: added to the topics to avoid: streaming; "
        "added to the topics to avoid: the ETA incident." in document.notes
    )

    for text in all_text(document):
        assert "stream" not in text.casefold() and "eta" not in text.casefold().split()


def test_more_technical_guidance_gives_technical_depth_the_extra_questions():
    plain = draft(full_inputs(intake=form(q_main="", q_practical="")))
    technical = draft(full_inputs(guidance="More technical please", intake=form()))
    count = lambda d, stage: sum(q.category == stage for q in d.questions)  # noqa: E731
    assert count(technical, "technical_depth") >= 2
    assert count(technical, "production") >= count(plain, "production")
    assert "technical depth and production first" in " ".join(technical.notes)


def test_shorter_guidance_gives_ten_questions_and_unknown_guidance_is_only_shown():
    assert len(draft(full_inputs(guidance="Too long, make it shorter")).questions) == 10
    document = draft(full_inputs(guidance="Mention the conference in May"))
    assert "Guidance applied: no rule matched it" in " ".join(document.notes)


def test_the_markdown_reads_back_into_the_same_draft():
    document = draft(full_inputs())
    again = parse_markdown(document.to_markdown())
    assert again.validate() == []
    fields = (
        "context",
        "background",
        "angle",
        "questions",
        "followups",
        "notes",
        "todos",
        "drafter",
        "drafter_version",
        "title",
    )
    for name in fields:
        assert getattr(again, name) == getattr(document, name), name
    assert again.to_markdown() == document.to_markdown()


def test_an_edited_document_that_lost_its_shape_has_problems():
    markdown = draft(full_inputs()).to_markdown()
    no_followups = markdown.replace("## Live follow-up prompts", "## Other")
    assert (
        "The section “Live follow-up prompts” is missing."
        in parse_markdown(no_followups).validate()
    )
    document = draft(full_inputs())
    short = dataclasses.replace(document, questions=document.questions[:9])
    assert "9 questions; a draft has 10–14." in short.validate()
    backwards = dataclasses.replace(document, questions=list(reversed(document.questions)))
    problems = backwards.validate()
    assert "The questions do not follow the arc's order." in problems
    assert "The last question is not about resources." in problems
    unsourced = [dataclasses.replace(q, source="") for q in document.questions]
    assert (
        "Question 1 has no source note."
        in dataclasses.replace(document, questions=unsourced).validate()
    )


def test_with_facts_to_spare_one_past_phrasing_still_joins_unless_asked_recently():
    texts = {q.text: q.source for q in draft(full_inputs()).questions}
    # S6E2 (2024) lends its phrasing to this episode's subject, MLOps
    assert texts["What is the biggest misconception about MLOps?"].startswith(
        "knowledge base: S6E2"
    )
    # S7E9 asked it on the same topic this year: not again
    assert "How do you approach technical debt in MLOps?" not in texts
