"""Token-set similarity and the topics-to-avoid matcher."""

from __future__ import annotations

import pytest

from podcast.assistant.similarity import (
    DEFAULT_THRESHOLD,
    avoid_terms,
    similarity,
    stem,
    too_close,
    touches,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("layoffs", "layoff"),
        ("salaries", "salary"),
        ("deployed", "deploy"),
        ("deploying", "deploy"),
        ("Northbank's", "northbank"),
        ("Migrations", "migration"),
    ],
)
def test_near_forms_share_a_stem(a, b):
    assert stem(a) == stem(b)


def test_the_same_question_reworded_is_similar_and_a_different_one_is_not():
    asked = "How did you get started with data engineering?"
    assert similarity(asked, "How did you get started in data engineering") == 1.0
    assert similarity(asked, "So how did you actually get started with data engineering?") >= (
        DEFAULT_THRESHOLD
    )
    assert similarity(asked, "Which books would you recommend for learning Rust?") == 0.0
    assert similarity("", asked) == 0.0


def test_too_close_uses_the_threshold():
    asked = ["What resources would you recommend for learning MLOps?"]
    assert too_close("Which resources would you recommend for learning MLOps?", asked) == asked[0]
    assert too_close("What is the hardest part of running MLOps in production?", asked) is None
    # a looser threshold catches the looser paraphrase
    near = "What resources would you recommend to a beginner?"
    assert too_close(near, asked) is None
    assert too_close(near, asked, threshold=0.3) == asked[0]


def test_avoid_answers_split_into_phrases():
    answer = "Salaries and compensation; my previous employer (Northbank),\n- the layoffs\n- crypto"
    assert avoid_terms(answer) == (
        "Salaries",
        "compensation",
        "my previous employer (Northbank)",
        "the layoffs",
        "crypto",
    )
    assert avoid_terms("") == ()
    assert avoid_terms("the, and, of") == ()  # nothing but filler words


@pytest.mark.parametrize(
    ("question", "avoid", "touched"),
    [
        ("What is a fair salary for a data engineer?", ("Salaries",), "Salaries"),
        ("How were you compensated for on-call?", ("compensation",), "compensation"),
        ("What did Northbank's platform team get wrong?", ("my employer (Northbank)",), None),
        ("Were you affected by the layoff last spring?", ("the layoffs",), "the layoffs"),
        ("Is cryptocurrency a good use of ML?", ("crypto",), "crypto"),
        ("What is your take on political debates at work?", ("politics",), "politics"),
        ("Can AI-driven testing replace QA?", ("AI hype",), "AI hype"),
    ],
)
def test_a_question_touching_an_avoided_topic_is_caught_in_its_near_forms(question, avoid, touched):
    expected = touched or avoid[0]
    assert touches(question, avoid) == expected


@pytest.mark.parametrize(
    ("question", "avoid"),
    [
        ("What is your data retention policy?", ("politics",)),
        ("How do you said no to a feature request?", ("AI",)),
        ("What did you ship last quarter?", ("the layoffs", "Salaries")),
    ],
)
def test_unrelated_questions_are_not_caught(question, avoid):
    assert touches(question, avoid) is None
