"""Draft inputs for the drafter tests: a guest with a full guest form, and a thin one."""

from __future__ import annotations

from podcast.assistant.inputs import (
    DraftInputs,
    GuestFacts,
    IntakeFacts,
    KBEpisodeRef,
    KBQuestionRef,
)

AVOID = "Salaries and compensation; my previous employer (Northbank), the layoffs"

FULL_FORM = {
    "name": "Dana Reyes",
    "role_company": "ML Platform Lead, Acme Logistics",
    "hook": "Most ML teams do not need a feature store until three models are in production",
    "why_now": "Feature stores are sold to every team, whatever its size.",
    "audience": "Data engineers and ML engineers at small companies",
    "short_bio": "Dana leads the ML platform team at Acme Logistics.",
    "career_path": "Analyst, then data engineer, then ML platform lead",
    "current_focus": "Making model deployment boring for twelve product teams",
    "projects": "- The routing model platform that serves 40 models\n- Batch features to streaming",
    "topic_1": "Feature stores",
    "topic_2": "Streaming features",
    "avoid": AVOID,
    "stories": (
        "Cut model deployment time from 3 weeks to 2 days\n"
        "A silent schema change broke ETA predictions for a week\n"
        "Our first platform rollout was ignored by half the teams"
    ),
    "q_background": "How did an analyst end up running an ML platform?",
    "q_resources": "What should people read to learn feature engineering?",
}

KB_EPISODES = (
    KBEpisodeRef(30, "S7E9", "MLOps at scale", ("MLOps",), "2026-03-01"),
    KBEpisodeRef(31, "S6E2", "Feature engineering", ("Feature engineering",), "2024-05-01"),
)
KB_QUESTIONS = (
    KBQuestionRef(
        101,
        "What resources would you recommend for learning MLOps?",
        "resources",
        "S7E9",
        "Resources",
        30,
    ),
    KBQuestionRef(
        102, "How do you approach technical debt in MLOps?", "technical", "S7E9", "Deep dive", 30
    ),
    KBQuestionRef(
        103,
        "What is the biggest misconception about feature engineering?",
        "general",
        "S6E2",
        "",
        31,
    ),
    KBQuestionRef(
        104,
        "How do you measure the business value of feature engineering?",
        "business_impact",
        "S6E2",
        "",
        31,
    ),
)


def full_inputs(**changes) -> DraftInputs:
    values = dict(
        episode_id=1,
        working_title="Do you need a feature store?",
        topic="MLOps",
        stream_date="2026-12-20",
        guests=(
            GuestFacts(
                id=5,
                name="Dana Reyes",
                role="ML Platform Lead",
                company="Acme Logistics",
                location="Berlin",
                links=("https://www.linkedin.com/in/dana",),
            ),
        ),
        intake=(IntakeFacts(id=7, fields=dict(FULL_FORM)),),
        kb_questions=KB_QUESTIONS,
        kb_episodes=KB_EPISODES,
    )
    values.update(changes)
    return DraftInputs(**values)


def thin_inputs(**changes) -> DraftInputs:
    values = dict(
        episode_id=2,
        working_title="Data contracts",
        topic="Data contracts",
        guests=(GuestFacts(id=6, name="Sam Lee"),),
    )
    values.update(changes)
    return DraftInputs(**values)
