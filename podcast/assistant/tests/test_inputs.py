"""gather_inputs: the episode, its guests, their attached intake and the knowledge base."""

from __future__ import annotations

from datetime import date

import pytest

from podcast.assistant.drafters.offline import OfflineDrafter
from podcast.assistant.inputs import gather_inputs
from podcast.assistant.tests.drafting import FULL_FORM
from podcast.selectors import stream_date
from podcast.tests.core_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb_index(settings, tmp_path):
    settings.PODCAST_KB_INDEX_DIR = tmp_path / "kb-index"
    return settings.PODCAST_KB_INDEX_DIR


def make_kb_episode(number: int, topics: list[str], questions: list[tuple[str, str]], **fields):
    from podcast.kb.models import KbEpisode, KbQuestion

    episode = KbEpisode.objects.create(
        path=f"s1e{number}.md", content_hash="x", title=f"Episode {number}", season=1,
        number=number, date=fields.pop("date", date(2025, 1, number)), topics=topics, **fields
    )  # fmt: skip
    for position, (text, category) in enumerate(questions):
        KbQuestion.objects.create(episode=episode, position=position, text=text, category=category)
    return episode


def make_item(episode=None, guest=None, status="attached", **fields):
    from podcast.models import IntakeItem

    return IntakeItem.objects.create(
        source="form", text="From the guest form", fields=fields, episode=episode, guest=guest,
        status=status,
    )  # fmt: skip


@pytest.fixture
def planned(make_guest, make_episode):
    guest = make_guest("Dana Reyes", role="ML Platform Lead", company="Acme Logistics",
                       linkedin_url="https://www.linkedin.com/in/dana", tags=["mlops"])  # fmt: skip
    episode = make_episode([guest], working_title="Do you need a feature store?", topic="MLOps")
    return guest, episode


def test_the_episode_guest_and_attached_intake_are_read(planned, kb_index):
    guest, episode = planned
    on_episode = make_item(episode=episode, **FULL_FORM)
    on_guest = make_item(guest=guest, short_bio="Older bio")
    make_item(episode=episode, status="new", short_bio="Not attached yet")
    make_item(episode=episode, status="ignored", short_bio="Ignored")
    inputs = gather_inputs(episode)
    assert inputs.episode_id == episode.pk
    assert (inputs.working_title, inputs.topic) == ("Do you need a feature store?", "MLOps")
    assert inputs.stream_date == stream_date(episode).isoformat()  # the organisation's day
    [facts] = inputs.guests
    assert (facts.name, facts.role, facts.company) == ("Dana Reyes", "ML Platform Lead",
                                                       "Acme Logistics")  # fmt: skip
    assert facts.links == ("https://www.linkedin.com/in/dana",)
    assert [item.id for item in inputs.intake] == [on_guest.pk, on_episode.pk]  # newest first
    assert inputs.answer("hook") == FULL_FORM["hook"]
    assert inputs.guidance == ""


def test_named_intake_items_are_used_instead_of_the_attached_ones(planned, kb_index):
    guest, episode = planned
    make_item(episode=episode, short_bio="Attached")
    chosen = make_item(status="new", short_bio="Chosen")
    inputs = gather_inputs(episode, intake_item_ids=[chosen.pk], guidance="  more technical ")
    assert [item.id for item in inputs.intake] == [chosen.pk]
    assert inputs.guidance == "more technical"


def test_past_questions_on_the_topic_and_those_asked_to_the_guest(planned, kb_index):
    from podcast.kb import search
    from podcast.kb.models import KbAppearance

    guest, episode = planned
    make_item(episode=episode, topic_1="Feature stores")
    mlops = make_kb_episode(1, ["MLOps"], [
        ("What resources would you recommend for learning MLOps?", "resources"),
        ("How do you monitor models in production with MLOps?", "technical"),
    ])  # fmt: skip
    stores = make_kb_episode(2, ["Feature stores"], [
        ("When does a team need feature stores?", "general"),
    ])  # fmt: skip
    make_kb_episode(3, ["Gardening"], [("Which plants grow in shade?", "general")])
    KbAppearance.objects.create(episode=stores, guest=guest)
    KbAppearance.objects.create(episode=mlops, guest=guest)
    search.rebuild()
    inputs = gather_inputs(episode)
    texts = {question.text for question in inputs.kb_questions}
    assert "What resources would you recommend for learning MLOps?" in texts
    assert "When does a team need feature stores?" in texts
    assert "Which plants grow in shade?" not in texts
    assert {e.id for e in inputs.kb_episodes} == {mlops.pk, stores.pk}
    assert next(e for e in inputs.kb_episodes if e.id == mlops.pk).label == "S1E1"
    assert inputs.asked_to_guest == (  # the latest episode's first
        "When does a team need feature stores?",
        "What resources would you recommend for learning MLOps?",
        "How do you monitor models in production with MLOps?",
    )
    references = inputs.references()
    assert references["guests"] == [guest.pk]
    assert references["kb_episodes"] == sorted(references["kb_episodes"])
    assert set(references["kb_questions"]) == {q.id for q in inputs.kb_questions}
    assert gather_inputs(episode) == inputs  # the same rows give the same inputs


def test_without_a_knowledge_base_or_index_the_inputs_are_still_complete(planned, kb_index):
    _, episode = planned
    make_kb_episode(1, ["MLOps"], [("What is MLOps?", "general")])  # imported, never indexed
    inputs = gather_inputs(episode)
    assert inputs.kb_questions == () and inputs.kb_episodes == ()
    document = OfflineDrafter().draft(inputs)
    assert document.validate() == []


def test_an_episode_without_guests_or_intake_gives_a_draft_full_of_todos(make_episode, kb_index):
    episode = make_episode([], days_ahead=None, working_title="Untitled", topic="")
    inputs = gather_inputs(episode)
    assert inputs.guests == () and inputs.intake == () and inputs.stream_date == ""
    document = OfflineDrafter().draft(inputs)
    assert len(document.questions) >= 10
    assert document.validate() == []
    assert "Set the episode's stream date." in document.todos
