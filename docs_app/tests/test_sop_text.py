"""Search text, headings with anchors, plain text and video embeds."""

import pytest

from docs_app.sop import Slugger, embeddable_video, headings, parse, plain_text, search_text
from docs_app.sop.text import loom_videos, section_texts, slugify, step_videos, structured_text
from docs_app.tests.test_sop_samples import SKELETON, marked_sop, screenshot, step

LOOM_ID = "0123456789abcdef0123456789abcdef"


def test_structured_text_drops_markers_and_keeps_todos_captions_and_prose():
    text = marked_sop(
        "<!-- sop-prose-start -->\nPrepare first.\n<!-- sop-prose-end -->\n"
        '<!-- sop-todo: "document the export" -->\n'
        + step(1, "Upload the edited video.", inner=screenshot())
    ).replace("## Summary\n", "## Summary\nSend the episode.\n")
    result = structured_text(parse(text))
    assert "sop-" not in result
    for expected in (
        "Send the episode.",
        "Prepare first.",
        "document the export",
        "Upload the edited video.",
        "The upload dialog.",
        "# Publish",
    ):
        assert expected in result


def test_search_text_of_a_marked_sop_is_plain():
    result = search_text(SKELETON)
    assert "<!--" not in result
    assert "Upload the edited video." in result
    assert "Upload dialog" in result
    assert "title:" not in result


def test_search_text_falls_back_to_the_body_for_plain_docs_and_parse_errors():
    assert search_text("---\ntitle: x\n---\n# Hello **world**\n") == "Hello world"
    broken = "<!-- sop-section-start: procedure -->\n<!-- sop-step-start -->\nStill indexed.\n"
    assert "Still indexed." in search_text(broken)


def test_slugify_is_github_style():
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("Step 2: Upload (final) video") == "step-2-upload-final-video"
    assert slugify("snake_case and  two spaces") == "snake_case-and--two-spaces"
    assert slugify("Café crème") == "café-crème"


def test_slugger_deduplicates_like_github():
    slugger = Slugger()
    assert [slugger.slug(t) for t in ("Intro", "Intro", "Intro-1", "Intro")] == [
        "intro",
        "intro-1",
        "intro-1-1",
        "intro-2",
    ]


def test_headings_skip_code_and_strip_inline_markup():
    body = "# Title\n\n```\n# not a heading\n```\n## The `sop_lint` [command](x.md)\n## Title\n"
    assert [(h.level, h.text, h.anchor, h.line) for h in headings(body, first_line=5)] == [
        (1, "Title", "title", 5),
        (2, "The sop_lint command", "the-sop_lint-command", 10),
        (2, "Title", "title-1", 11),
    ]


def test_plain_text_strips_markdown_syntax():
    markdown = (
        "# Heading\n\n> Quoted *text*\n- [x] Done item\n1. **Bold** step with [link](a.md)\n"
        "![Alt text](i.png) and [[doc.id|Label]] <b>tag</b>\n| a | b |\n|---|---|\n"
        "<!-- hidden\nstill hidden -->\n---\n```\ncode line\n```\n"
    )
    assert plain_text(markdown).split("\n") == [
        "Heading",
        "Quoted text",
        "Done item",
        "Bold step with link",
        "Alt text and Label tag",
        "a   b",
        "code line",
    ]


def test_section_texts_for_empty_section_checks():
    texts = section_texts(parse(SKELETON))
    assert texts["validation"] == ""
    assert "Upload the edited video." in texts["procedure"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://www.loom.com/share/{LOOM_ID}",
            ("loom", f"https://www.loom.com/embed/{LOOM_ID}"),
        ),
        (
            f"https://loom.com/share/Weekly-sync-{LOOM_ID}?sid=1",
            ("loom", f"https://www.loom.com/embed/{LOOM_ID}"),
        ),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5",
            ("youtube", "https://www.youtube.com/embed/dQw4w9WgXcQ"),
        ),
        ("https://youtu.be/dQw4w9WgXcQ", ("youtube", "https://www.youtube.com/embed/dQw4w9WgXcQ")),
        (
            "https://youtube.com/shorts/dQw4w9WgXcQ",
            ("youtube", "https://www.youtube.com/embed/dQw4w9WgXcQ"),
        ),
        ("https://vimeo.com/76979871", ("vimeo", "https://player.vimeo.com/video/76979871")),
        (
            "https://vimeo.com/76979871/abc123",
            ("vimeo", "https://player.vimeo.com/video/76979871?h=abc123"),
        ),
        ("https://www.loom.com/share/not-an-id", None),
        (f"https://www.loom.com/share/x{LOOM_ID}", None),
        ("https://www.youtube.com/watch?v=short", None),
        ("https://evil.example/watch?v=dQw4w9WgXcQ", None),
        ("javascript:alert(1)", None),
        ("https://vimeo.com/channels/staff", None),
        ("https://[broken", None),
    ],
)
def test_embeddable_video(url, expected):
    assert embeddable_video(url) == expected


def test_loom_and_step_videos():
    assert [
        v.embed_url
        for v in loom_videos(
            {"loom": [f"https://www.loom.com/share/{LOOM_ID}", "https://example.com/x"]}
        )
    ] == [f"https://www.loom.com/embed/{LOOM_ID}"]
    text = marked_sop(
        step(
            1,
            "Watch https://youtu.be/dQw4w9WgXcQ inline (no embed).",
            inner="    https://youtu.be/dQw4w9WgXcQ\n<https://vimeo.com/76979871>\n",
        )
    )
    assert [(v.provider, v.step_id) for v in step_videos(parse(text))] == [
        ("youtube", "1"),
        ("vimeo", "1"),
    ]
