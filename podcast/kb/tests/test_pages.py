"""KB pages: access, the designed empty states, search with filters, bad input, the episode
page's transcript and anchors, questions like one, and the panel for guest/episode pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from podcast.kb.models import KbEpisode, KbQuestion
from podcast.models import Episode, Guest

pytestmark = pytest.mark.django_db

SEARCH = reverse("podcast:podcast_kb:search")


@pytest.fixture
def imported(kb, run_import):
    kb.profile("ada.md", short="ada", title="Ada Lovelace")
    kb.episode(
        "s7e9.md",
        title="Feature stores <b>in</b> production",
        season=7,
        episode=9,
        guests=["ada"],
        topics=["MLOps"],
        links={"youtube": "https://youtu.be/x", "bad": "javascript:alert(1)"},
        transcript=[
            {"header": "Why a feature store"},
            {
                "line": "What is a feature store <script>x</script>?",
                "who": "Alexey",
                "time": "1:05",
                "sec": 65,
            },
            {"line": "A place for features.", "who": "Ada", "time": "1:30", "sec": 90},
        ],
    )
    kb.episode(
        "s7e10.md",
        title="Hiring",
        season=7,
        episode=10,
        transcript=[
            {"line": "How do you hire for a feature store team?", "who": "Alexey", "sec": 5}
        ],
    )
    run_import()
    return KbEpisode.objects.get(number=9)


def urls(episode):
    question = episode.questions.get()
    return [
        SEARCH,
        episode.get_absolute_url(),
        reverse("podcast:podcast_kb:similar", args=[question.pk]),
    ]


def test_pages_need_a_login_and_a_role(client, outsider, imported):
    for url in urls(imported):
        assert client.get(url).status_code == 302
    client.force_login(outsider)
    for url in urls(imported):
        assert client.get(url).status_code == 403


def test_empty_state_before_any_import(operator_client, kb_index):
    page = operator_client.get(SEARCH).content.decode()
    assert "No past episodes yet" in page and "podcast_kb_import" in page


def test_search_lists_episodes_and_questions_and_filters(operator_client, imported):
    page = operator_client.get(SEARCH, {"q": "feature store"}).content.decode()
    assert "Feature stores &lt;b&gt;in&lt;/b&gt; production" in page
    assert "What is a feature store &lt;script&gt;x&lt;/script&gt;?" in page
    assert "How do you hire for a feature store team?" in page
    filtered = operator_client.get(SEARCH, {"q": "feature store", "season": "7", "topic": "MLOps"})
    assert "How do you hire" not in filtered.content.decode()
    listing = operator_client.get(SEARCH, {"category": "career"}).content.decode()
    assert "How do you hire for a feature store team?" in listing
    assert "What is a feature store" not in listing


def test_htmx_gets_the_results_only(operator_client, imported):
    response = operator_client.get(SEARCH, {"q": "hire"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and "How do you hire" in page


def test_bad_input_is_a_message_not_an_error(operator_client, imported):
    response = operator_client.get(
        SEARCH, {"q": "x" * 5000, "season": "abc", "guest": "-1", "category": "nope", "page": "0"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some filters are not valid and were left out" in page
    assert operator_client.get(SEARCH, {"q": "\u0000"}).status_code in (200, 400)
    assert (
        operator_client.get(reverse("podcast:podcast_kb:episode", args=[999999])).status_code == 404
    )


def test_no_match_state(operator_client, imported):
    page = operator_client.get(SEARCH, {"q": "kubernetes"}).content.decode()
    assert "No episodes match" in page and "No questions match" in page


def test_episode_page_shows_the_transcript_with_anchors_and_questions(operator_client, imported):
    page = operator_client.get(imported.get_absolute_url()).content.decode()
    assert 'id="why-a-feature-store"' in page and 'href="#why-a-feature-store"' in page
    assert 'id="t-65"' in page and 'href="#t-65"' in page
    assert "A place for features." in page and "Ada Lovelace" in page
    assert 'href="https://youtu.be/x"' in page and 'href="javascript:' not in page
    assert "Technical deep dive" in page or "General" in page


def test_questions_like_this_one(operator_client, imported):
    question = KbQuestion.objects.get(episode=imported)
    page = operator_client.get(reverse("podcast:podcast_kb:similar", args=[question.pk]))
    assert "How do you hire for a feature store team?" in page.content.decode()


def test_related_panel_for_a_guest_and_an_episode(operator_client, imported):
    guest = Guest.objects.create(name="New guest", tags=["feature store"])
    episode = Episode.objects.create(working_title="Feature platforms", topic="MLOps")
    guest_url = reverse("podcast:podcast_kb:related", args=["guest", guest.pk])
    panel = operator_client.get(guest_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Past episodes on this topic" in panel and "Feature stores" in panel
    assert "What is a feature store" in panel and "<html" not in panel
    full = operator_client.get(reverse("podcast:podcast_kb:related", args=["episode", episode.pk]))
    assert full.status_code == 200 and "From past episodes" in full.content.decode()
    assert (
        operator_client.get(reverse("podcast:podcast_kb:related", args=["task", 1])).status_code
        == 404
    )


def test_related_panel_without_a_topic_says_what_to_add(operator_client, imported):
    guest = Guest.objects.create(name="No tags")
    url = reverse("podcast:podcast_kb:related", args=["guest", guest.pk])
    assert (
        "Add a topic or tags" in operator_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    )


def test_guest_and_episode_pages_carry_the_panel(operator_client, imported):
    guest = Guest.objects.get(kb_id="ada")
    episode = Episode.objects.create(working_title="Feature platforms", topic="MLOps")
    for kind, subject in (("guest", guest), ("episode", episode)):
        page = operator_client.get(subject.get_absolute_url()).content.decode()
        assert reverse("podcast:podcast_kb:related", args=[kind, subject.pk]) in page


def test_a_new_guest_matching_a_past_one_is_flagged_with_their_episodes(operator_client, imported):
    response = operator_client.post(reverse("podcast:guest-create"), {"name": "ada lovelace"})
    assert response.status_code == 409
    assert "appeared in S7E9" in response.content.decode()
