"""The guest and episode pages: access, empty states, bad input (no 500s), the duplicate
guard's confirmation, status reasons, the admin merge, starting and re-dating the workflow,
and the Home counter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from podcast import messages
from podcast.models import Episode, Guest
from podcast.selectors import stream_date
from podcast.services.episodes import episode_start_workflow
from podcast.tests.core_fixtures import *  # noqa: F403 (fixtures)
from tasks.models import Workflow

pytestmark = pytest.mark.django_db

PAGES = [
    ("podcast:episode-list", False),
    ("podcast:episode-create", False),
    ("podcast:episode-detail", True),
    ("podcast:episode-edit", True),
    ("podcast:guest-list", False),
    ("podcast:guest-create", False),
    ("podcast:guest-detail", True),
    ("podcast:guest-edit", True),
]


@pytest.fixture
def dana(make_guest):
    return make_guest("Dana Reyes", email="dana@example.org", timezone="America/New_York")


def _urls(guest, episode):
    return [
        reverse(name, args=[(episode if "episode" in name else guest).pk] if pk else None)
        for name, pk in PAGES
    ]


def test_every_page_needs_a_login_and_a_role(client, outsider, dana, make_episode):
    urls = _urls(dana, make_episode([dana]))
    for url in urls:
        assert client.get(url).status_code == 302, url
    client.force_login(outsider)
    for url in urls:
        assert client.get(url).status_code == 403, url
    post_only = [
        reverse("podcast:guest-status", args=[dana.pk]),
        reverse("podcast:guest-merge", args=[dana.pk]),
    ]
    for url in post_only:
        assert client.post(url, {"status": "declined"}).status_code == 403


def test_every_page_opens_for_an_operator(operator_client, dana, make_episode):
    for url in _urls(dana, make_episode([dana])):
        assert operator_client.get(url).status_code == 200, url


def test_a_missing_guest_or_episode_is_404(operator_client):
    assert operator_client.get(reverse("podcast:guest-detail", args=[999])).status_code == 404
    assert operator_client.get(reverse("podcast:episode-detail", args=[999])).status_code == 404


def test_empty_lists_say_what_to_do(operator_client):
    guests = operator_client.get(reverse("podcast:guest-list")).content.decode()
    assert "No guests yet" in guests and reverse("podcast:guest-create") in guests
    episodes = operator_client.get(reverse("podcast:episode-list")).content.decode()
    assert "No episodes planned" in episodes


@pytest.mark.parametrize(
    "query", ["?status=bogus", "?tag=unknown", "?page=abc", "?page=99999", "?q=" + "x" * 500]
)
def test_bad_list_filters_do_not_break_the_page(operator_client, dana, query):
    for name in ("podcast:guest-list", "podcast:episode-list"):
        assert operator_client.get(reverse(name) + query).status_code == 200


def test_the_list_filters_by_tag_and_search(operator_client, make_guest):
    make_guest("Ana Lima", tags="ml")
    make_guest("Ben Ode", company="Initech")
    html = operator_client.get(reverse("podcast:guest-list") + "?tag=ml").content.decode()
    assert "Ana Lima" in html and "Ben Ode" not in html
    html = operator_client.get(
        reverse("podcast:guest-list") + "?q=initech", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert html.lstrip().startswith('<div id="guest-results">') and "Ben Ode" in html
    html = operator_client.get(reverse("podcast:guest-list") + "?q=nobody").content.decode()
    assert "No guests match" in html


# --- create, edit, status, merge -----------------------------------------------------------


def test_creating_a_duplicate_asks_first_then_creates(operator_client, dana):
    url = reverse("podcast:guest-create")
    data = {"name": "dana  reyes", "email": "other@example.org"}
    response = operator_client.post(url, data)
    assert response.status_code == 409
    html = response.content.decode()
    assert messages.GUEST_POSSIBLE_DUPLICATE in html and dana.get_absolute_url() in html
    assert Guest.objects.count() == 1
    response = operator_client.post(url, {**data, "confirm_duplicate": "1"})
    created = Guest.objects.exclude(pk=dana.pk).get()
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"name": ""}, "This field is required"),
        ({"name": "X", "timezone": "Mars/Olympus"}, "is not a time zone name"),
        ({"name": "X", "email": "not-an-email"}, "valid email"),
        ({"name": "X", "linkedin_url": "javascript:alert(1)"}, "valid URL"),
        ({"name": "X", "other_links": "Blog | ftp://x"}, "not an http(s) link"),
        ({"name": "X", "picture_url": "data:image/png;base64,AA"}, "picture link"),
        ({"name": "X" * 201}, "at most 200"),
        ({"name": "X", "first_contact_on": "2026-13-45"}, "valid date"),
    ],
)
def test_bad_guest_input_is_refused_with_a_message(operator_client, data, field_error):
    response = operator_client.post(reverse("podcast:guest-create"), data)
    assert response.status_code == 422
    assert field_error in response.content.decode()
    assert not Guest.objects.exists()


def test_markup_in_a_guest_is_shown_as_text(operator_client, make_guest):
    guest = make_guest("<script>alert(1)</script>", bio="<b>bold</b>")
    html = operator_client.get(guest.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


def test_edit_saves_and_keeps_history(operator_client, dana):
    url = reverse("podcast:guest-edit", args=[dana.pk])
    data = {"name": "Dana Reyes", "company": "Initech", "tags": "ML, data", "timezone": "UTC"}
    assert operator_client.post(url, data).status_code == 302
    dana.refresh_from_db()
    assert dana.company == "Initech" and dana.tags == ["ml", "data"] and dana.timezone == "UTC"
    html = operator_client.get(dana.get_absolute_url()).content.decode()
    assert "edited" in html


def test_declining_without_a_reason_says_why_and_changes_nothing(operator_client, dana):
    url = reverse("podcast:guest-status", args=[dana.pk])
    response = operator_client.post(url, {"status": "declined", "reason": ""}, follow=True)
    assert messages.STATUS_NEEDS_REASON.format(status="declined") in response.content.decode()
    dana.refresh_from_db()
    assert dana.status == "idea"
    operator_client.post(url, {"status": "declined", "reason": "No time this year"})
    dana.refresh_from_db()
    assert (dana.status, dana.status_reason) == ("declined", "No time this year")
    assert operator_client.post(url, {"status": "bogus"}).status_code == 302


def test_only_admins_merge(operator_client, admin_client_, dana, make_guest):
    other = make_guest("Dana R.")
    url = reverse("podcast:guest-merge", args=[dana.pk])
    assert "Merge a duplicate" not in operator_client.get(dana.get_absolute_url()).content.decode()
    assert operator_client.post(url, {"other": other.pk}).status_code == 403
    assert "Merge a duplicate" in admin_client_.get(dana.get_absolute_url()).content.decode()
    response = admin_client_.post(url, {"other": other.pk, "keep": "other"})
    assert response.status_code == 302 and response["Location"] == other.get_absolute_url()
    dana.refresh_from_db()
    assert dana.merged_into == other
    html = admin_client_.get(dana.get_absolute_url()).content.decode()
    assert "was merged into" in html
    assert admin_client_.get(reverse("podcast:guest-edit", args=[dana.pk])).status_code == 302
    assert admin_client_.post(url, {"other": "nope"}).status_code == 302


# --- episodes -------------------------------------------------------------------------------


def test_create_an_episode_with_its_stream_in_org_time(operator_client, dana, operator):
    response = operator_client.post(
        reverse("podcast:episode-create"),
        {
            "working_title": "Contracts",
            "topic": "Data contracts",
            "stream_date": "2027-03-01",
            "stream_time": "18:30",
            "guests": [dana.pk],
            "status": "scheduled",
            "owner": operator.pk,
        },
    )
    episode = Episode.objects.get()
    assert response.status_code == 302 and response["Location"] == episode.get_absolute_url()
    assert episode.stream_at.isoformat() == "2027-03-01T17:30:00+00:00"
    assert list(episode.guests.all()) == [dana] and episode.owner == operator
    html = operator_client.get(episode.get_absolute_url()).content.decode()
    assert "Mon 1 Mar, 18:30" in html and "Mon 1 Mar, 12:30" in html  # Berlin, New York


@pytest.mark.parametrize(
    "data, error",
    [
        ({"stream_date": "2027-02-30"}, "real date"),
        ({"stream_time": "25:00", "stream_date": "2027-03-01"}, "time like"),
        ({"stream_time": "18:00"}, "day of the stream"),
        ({"season": "2", "number": "5"}, "once the episode is published"),
        ({"guests": ["999"]}, "Select a valid choice"),
        ({"working_title": ""}, "required"),
    ],
)
def test_bad_episode_input_is_refused_with_a_message(operator_client, data, error):
    form = {"working_title": "T", "status": "planning", **data}
    response = operator_client.post(reverse("podcast:episode-create"), form)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not Episode.objects.exists()


def test_start_the_workflow_from_the_page_once(
    operator_client, podcast_template, make_episode, dana
):
    episode = make_episode([dana])
    url = reverse("podcast:episode-start-workflow", args=[episode.pk])
    assert (
        "Start Podcast workflow" in operator_client.get(episode.get_absolute_url()).content.decode()
    )
    operator_client.post(url)
    workflow = Workflow.objects.get()
    html = operator_client.get(episode.get_absolute_url()).content.decode()
    assert workflow.title in html and "</strong> of 42 tasks done" in html
    assert "Guest email" in html and "dana%40example.org" in html.replace("@", "%40")
    assert "Next:" in html
    response = operator_client.post(url, follow=True)
    html = response.content.decode()
    assert escape(messages.EPISODE_HAS_WORKFLOW) in html and workflow.get_absolute_url() in html
    assert Workflow.objects.count() == 1
    assert operator_client.get(url).status_code == 405


def test_start_without_a_stream_date_explains(operator_client, podcast_template, make_episode):
    episode = make_episode([], days_ahead=None)
    html = operator_client.get(episode.get_absolute_url()).content.decode()
    assert "Set the stream date" in html
    response = operator_client.post(
        reverse("podcast:episode-start-workflow", args=[episode.pk]), follow=True
    )
    assert escape(messages.EPISODE_NEEDS_STREAM_DATE) in response.content.decode()
    assert not Workflow.objects.exists()


def test_moving_the_stream_offers_a_preview_then_moves_on_confirm(
    operator_client, podcast_template, make_episode, dana, operator
):
    episode = make_episode([dana])
    workflow = episode_start_workflow(episode=episode, by=operator)
    old_anchor = workflow.anchor_date
    new_day = old_anchor + timedelta(days=3)
    response = operator_client.post(
        reverse("podcast:episode-edit", args=[episode.pk]),
        {
            "working_title": episode.working_title,
            "status": "planning",
            "stream_date": new_day.isoformat(),
            "stream_time": "18:00",
            "guests": [dana.pk],
        },
    )
    redate = reverse("podcast:episode-redate", args=[episode.pk])
    assert response.status_code == 302 and response["Location"] == redate
    html = operator_client.get(redate).content.decode()
    assert "Move 42 open tasks" in html and "(+3 d)" in html
    workflow.refresh_from_db()
    assert workflow.anchor_date == old_anchor  # nothing moved yet
    episode_html = operator_client.get(episode.get_absolute_url()).content.decode()
    assert "Re-date its open tasks" in episode_html
    operator_client.post(redate)
    workflow.refresh_from_db()
    assert workflow.anchor_date == new_day
    assert "Nothing to move" in operator_client.get(redate).content.decode()


def test_redate_with_every_task_closed_moves_the_anchor_only(
    operator_client, podcast_template, make_episode, dana, operator
):
    episode = make_episode([dana])
    workflow = episode_start_workflow(episode=episode, by=operator)
    dates = dict(workflow.tasks.values_list("pk", "due_date"))
    workflow.tasks.update(status="skipped")  # as if every task had been closed
    Episode.objects.filter(pk=episode.pk).update(stream_at=episode.stream_at + timedelta(days=2))
    redate = reverse("podcast:episode-redate", args=[episode.pk])
    html = operator_client.get(redate).content.decode()
    assert "Move the anchor date" in html and "42 done, skipped or archived tasks" in html
    response = operator_client.post(redate, follow=True)
    assert "no task was open" in response.content.decode()
    workflow.refresh_from_db()
    episode.refresh_from_db()
    assert workflow.anchor_date == stream_date(episode) == min(dates.values()) + timedelta(28 + 2)
    assert dict(workflow.tasks.values_list("pk", "due_date")) == dates


def test_redate_without_a_workflow_says_so(operator_client, make_episode):
    episode = make_episode([])
    response = operator_client.get(
        reverse("podcast:episode-redate", args=[episode.pk]), follow=True
    )
    assert messages.NO_WORKFLOW in response.content.decode()


def test_episodes_list_upcoming_first(operator_client, make_episode):
    make_episode([], days_ahead=-10, working_title="Past one")
    make_episode([], days_ahead=20, working_title="Later one")
    make_episode([], days_ahead=5, working_title="Soon one")
    make_episode([], days_ahead=None, working_title="Undated one")
    html = operator_client.get(reverse("podcast:episode-list")).content.decode()
    order = [html.index(t) for t in ("Soon one", "Later one", "Undated one", "Past one")]
    assert order == sorted(order)


# --- Home and navigation --------------------------------------------------------------------


def test_home_counts_intake_to_triage_and_links_to_the_inbox(operator_client):
    from podcast.models import IntakeItem

    IntakeItem.objects.create(source="manual", text="New")
    IntakeItem.objects.create(source="manual", text="Done", status="ignored")
    html = operator_client.get("/").content.decode()
    assert "Intake to triage" in html and reverse("podcast:intake-inbox") in html


def test_home_hides_a_counter_that_answers_none(operator_client, settings):
    settings.HOME_COUNTERS = ["podcast.tests.test_pages.hidden_counter"]
    assert "Intake to triage" not in operator_client.get("/").content.decode()


def hidden_counter(user):
    return None


def test_the_main_navigation_links_the_podcast(operator_client):
    html = operator_client.get("/").content.decode()
    assert f'href="{reverse("podcast:episode-list")}"' in html
