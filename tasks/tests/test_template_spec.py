"""The YAML template format: the shipped templates, round trips, and every bad input."""

from pathlib import Path

import pytest

from tasks.services.templates import SHIPPED_DIR
from tasks.template_spec import SpecError, dump_text, parse_file, parse_text, render_title

SHIPPED = sorted(SHIPPED_DIR.glob("*.yaml"))

# (ref, offset) of the 42 Podcast tasks in reference/workflows.md, in its order.
PODCAST = [
    ("obtain-speaker-email", -28),
    ("create-proposed-calendar-invite", -27),
    ("agree-on-a-date", -26),
    ("create-podcast-document", -25),
    ("include-johanna-ask-guest-bio", -24),
    ("add-guest-as-editor", -23),
    ("share-podcast-document-slack", -22),
    ("create-calendar-invite", -21),
    ("add-guest-bio-to-document", -20),
    ("fill-people-form-airtable", -19),
    ("create-banner-figma", -18),
    ("create-event-luma", -17),
    ("create-event-meetup", -16),
    ("check-meetup-location", -16),
    ("create-event-calendar", -15),
    ("announce-event-slack", -14),
    ("fill-event-form-airtable", -13),
    ("add-event-to-webpage", -12),
    ("schedule-posts-linkedin-twitter", -11),
    ("remind-guest-7d", -7),
    ("remind-guest-1d", -1),
    ("actual-stream", 0),
    ("upload-recording-dropbox", 1),
    ("update-youtube-cover", 1),
    ("remove-beginning-recording", 1),
    ("recheck-video-edit", 2),
    ("create-transcript-document", 2),
    ("add-to-playlists", 2),
    ("add-youtube-link-to-website", 3),
    ("edit-video-description", 3),
    ("include-timecodes", 3),
    ("ask-guest-for-links", 1),
    ("schedule-podcast-spotify", 4),
    ("moving-podcast-audio-dropbox", 4),
    ("add-podcast-episode-airtable", 4),
    ("create-podcast-page", 5),
    ("ask-guest-share-podcast-page", 5),
    ("move-podcast-documents-archive", 5),
    ("upload-luma-emails-mailchimp", 5),
    ("add-podcast-webpage-newsletter", 6),
    ("schedule-posts-overview-after-event", 6),
    ("schedule-posts-guest-recommendations", 7),
]
TASK_COUNTS = {
    "newsletter": 15,
    "book-of-the-week": 21,
    "podcast": 42,
    "webinar": 32,
    "workshop": 36,
    "oss": 14,
    "course": 8,
    "social-media-weekly": 5,
    "tax-report": 9,
    "maven-lightning-lesson": 7,
    "office-hours": 5,
}

MINIMAL = """
slug: tiny
name: Tiny
phases:
  - {slug: only, title: Only, stage: preparation}
tasks:
  - {ref: first, title: First, offset: -1, phase: only}
  - ref: second
    title: Second
    offset: 2
    phase: only
"""


def problems(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        parse_text(text, "tiny.yaml")
    return str(caught.value)


def test_all_eleven_real_templates_are_shipped_with_their_task_counts():
    specs = {spec.slug: spec for spec in map(parse_file, SHIPPED)}
    assert {slug: len(spec.tasks) for slug, spec in specs.items()} == TASK_COUNTS


def test_podcast_is_complete_in_the_reference_order():
    spec = parse_file(SHIPPED_DIR / "podcast.yaml")
    assert [(t.ref, t.offset) for t in spec.tasks] == PODCAST
    assert [p.slug for p in spec.phases] == [
        "guest-intake",
        "prep-document",
        "event-setup",
        "pre-event-reminders",
        "live-stream",
        "post-production",
        "publication",
        "follow-up-archive",
    ]
    assert len(spec.link_slots) == 12
    assert all(t.doc for t in spec.tasks), "every Podcast task names its instruction doc"
    tasks = {t.ref: t for t in spec.tasks}
    assert (tasks["add-guest-as-editor"].doc, tasks["add-guest-as-editor"].step) == (
        "sop.media.podcast.create-podcast-document",
        "6",
    )
    assert tasks["upload-recording-dropbox"].assignee == "alexey"
    assert tasks["add-podcast-webpage-newsletter"].assignee == "valeriia"
    assert (tasks["create-event-luma"].proof_kind, tasks["create-event-luma"].proof_label) == (
        "url",
        "Luma",
    )
    assert tasks["create-banner-figma"].proof_kind == "file"
    assert tasks["recheck-video-edit"].proof_label == "Edited YouTube video verified"
    assert set(tasks["schedule-podcast-spotify"].slots) == {
        "Spotify for Podcasters",
        "Public Spotify episode",
        "Apple Podcasts episode",
    }
    stages = {t.ref: t.stage for t in spec.tasks if t.stage}
    assert stages == {
        "announce-event-slack": "announced",
        "actual-stream": "after-event",
        "schedule-posts-guest-recommendations": "done",
    }
    assert tasks["share-podcast-document-slack"].title.endswith("#dtc-podcast-help")


def test_newsletter_and_tax_report_carry_their_not_applicable_reasons():
    newsletter = {t.ref: t for t in parse_file(SHIPPED_DIR / "newsletter.yaml").tasks}
    assert newsletter["fill-book-of-the-week-block"].not_applicable == ["no book this week"]
    assert newsletter["fill-sponsored-block"].not_applicable == ["not sponsored this week"]
    assert newsletter["add-newsletter-performance"].not_applicable == ["no social stats available"]
    tax = {t.ref: t for t in parse_file(SHIPPED_DIR / "tax-report.yaml").tasks}
    assert tax["open-bookkeeping-report"].not_applicable == ["fixed monthly spreadsheet reused"]


def test_automatic_templates_store_schedule_and_lead_days():
    specs = {spec.slug: spec for spec in map(parse_file, SHIPPED)}
    automatic = {s.slug: (s.schedule, s.lead_days) for s in specs.values() if s.automatic}
    assert automatic == {
        "newsletter": ("0 9 * * 1", 14),
        "social-media-weekly": ("0 9 * * 5", 0),
        "tax-report": ("0 9 1 * *", 0),
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_dump_then_parse_gives_the_same_content(path: Path):
    spec = parse_file(path)
    assert parse_text(dump_text(spec), "dumped").content_hash() == spec.content_hash()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            MINIMAL.replace("ref: second", "ref: first"),
            "tasks[1] (first).ref: duplicate ref “first”",
        ),
        (
            MINIMAL.replace("phase: only}", "phase: nowhere}"),
            "tasks[0] (first).phase: unknown phase “nowhere”",
        ),
        (
            MINIMAL.replace("offset: 2", "offset: soon"),
            "tasks[1] (second).offset: must be a whole number of days between -366 and 366",
        ),
        (MINIMAL.replace("offset: 2", "offset: 9999"), "tasks[1] (second).offset"),
        (MINIMAL.replace("offset: 2", "offset: 1.5"), "tasks[1] (second).offset"),
        (MINIMAL.replace("offset: 2", "offset: true"), "tasks[1] (second).offset"),
        (MINIMAL.replace("    offset: 2\n", ""), "tasks[1] (second).offset"),
        (MINIMAL.replace("title: First, ", ""), "tasks[0] (first).title: is required"),
        (MINIMAL.replace("slug: tiny", "slug: Not A Slug"), "slug: “Not A Slug” must use"),
        (MINIMAL.replace("name: Tiny", "nmae: Tiny"), "nmae: is not a known field"),
        (MINIMAL.replace("stage: preparation", "stage: launched"), "phases[0].stage: “launched”"),
        (MINIMAL + "    proof: {kind: url}\n", "proof.label: is required for a url proof"),
        (MINIMAL + "    slots: [Luma]\n", "tasks[1] (second).slots: unknown link slot “Luma”"),
        ("automatic: true\n" + MINIMAL, "schedule: is required when automatic is true"),
        ("schedule: every monday\n" + MINIMAL, "schedule: “every monday” is not a cron"),
        ("slug: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "the file must hold one mapping"),
        (MINIMAL.replace("tasks:", "tasks: []\nold_tasks:"), "tasks: is required"),
    ],
)
def test_bad_templates_are_refused_naming_the_file_and_field(text, expected):
    message = problems(text)
    assert message.startswith("tiny.yaml: ")
    assert expected in message


def test_every_problem_of_a_file_is_reported_at_once():
    text = MINIMAL.replace("offset: 2", "offset: x").replace("title: First, ", "")
    assert len(problems(text).splitlines()) == 2


@pytest.mark.parametrize(
    ("values", "title"),
    [
        ({}, "Podcast: 2026-08-17"),
        ({"topic": "Data contracts"}, "Podcast: 2026-08-17 - Data contracts"),
        ({"topic": "Data contracts", "guest": "Ana"}, "Podcast: 2026-08-17 - Data contracts - Ana"),
    ],
)
def test_title_convention_leaves_out_what_is_not_known(values, title):
    from datetime import date

    pattern = "Podcast: {anchor} - {topic} - {guest}"
    assert render_title(pattern, anchor=date(2026, 8, 17), name="Podcast", values=values) == title
