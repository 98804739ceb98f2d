"""Rendering docs to safe HTML: sanitizing, references, images, SOP structure, embeds."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docs_app.render import (
    PARSE_ERROR_NOTICE,
    RENDER_FAILED_NOTICE,
    Link,
    anchor_id,
    render_document,
)
from docs_app.sop import headings, split_frontmatter


class FakeLinker:
    """Resolves `known.*` ids and `*.md` paths not starting with `missing`; images in `img/`."""

    def doc(self, target, anchor):
        if target.startswith("missing") or not (
            target.startswith("known") or target.endswith(".md")
        ):
            return Link(problem=f"Document reference not found: {target}")
        return Link(f"/docs/{target}" + (f"#{anchor}" if anchor else ""), title=f"Doc {target}")

    def asset(self, src):
        if src.startswith("../"):
            return Link(problem=f"Not a file inside the docs repository: {src}")
        if src.startswith(("http://", "https://")):
            return Link(src)
        return Link(f"/docs/assets/{src}")


UNSAFE_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*(javascript|data|vbscript):""")


def render(text, title="Title"):
    return render_document(text, linker=FakeLinker(), title=title)


SOP = """---
title: Publish the episode
doc_type: sop
schema_version: 1
systems: [youtube, spotify]
loom: [https://www.loom.com/share/0123456789abcdef0123456789abcdef]
---

# Publish the episode

<!-- sop-section-start: summary -->
## Summary
- Purpose: get the episode out.
<!-- sop-section-end -->

<!-- sop-section-start: prerequisites -->
## Prerequisites
<!-- sop-section-end -->

<!-- sop-section-start: procedure -->
## Procedure

<!-- sop-group-start: "Upload" -->
### Upload

<!-- sop-prose-start -->
Have the **final** cut ready.
<!-- sop-prose-end -->

<!-- sop-step-start id=1 systems="youtube" action="upload" -->
1.  Upload the edited video, see [[known.guide|the guide]].
    Continuation lines are indented four spaces.
    - a nested point
<!-- sop-screenshot-start -->
![Upload dialog](img/upload.png)
<!-- sop-caption-start -->
The upload dialog, *before* publishing.
<!-- sop-caption-end -->
<!-- sop-screenshot-end -->
<!-- sop-step-end -->

<!-- sop-todo: "record a Loom of the upload" -->

<!-- sop-step-start id=2 systems="youtube,spotify" action="verify" tool="studio" -->
2.  Watch the walkthrough:
    https://www.youtube.com/watch?v=dQw4w9WgXcQ
<!-- sop-step-end -->

<!-- sop-group-end -->
<!-- sop-section-end -->

<!-- sop-section-start: validation -->
## Validation
- [ ] The video is public.
- [x] The audio is scheduled.
<!-- sop-section-end -->

<!-- sop-section-start: troubleshooting -->
## Troubleshooting
<!-- sop-section-end -->

<!-- sop-section-start: references -->
## References
<!-- sop-section-end -->
"""


# --- sanitizing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(2)" onclick="steal()">a</a>',
        "[click](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        '<iframe src="https://evil.example/"></iframe>',
        '<div style="background:url(javascript:alert(1))" onmouseover="x()">hover</div>',
        "<svg onload=alert(1)><circle/></svg>",
        '<form action="https://evil.example"><input name=p></form>',
        "[d](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_hostile_markdown_is_sanitized(hostile):
    html = render(f"# Hostile\n\n{hostile}\n\nafter\n").html
    lowered = html.lower()
    assert "<script" not in lowered
    assert not UNSAFE_URL.search(lowered)
    assert not re.search(r"\son\w+\s*=", lowered)
    assert "<iframe" not in lowered and "<form" not in lowered
    assert "after" in html


def test_external_links_get_noopener():
    html = render("See [the site](https://example.com) and https://example.org/x.\n").html
    assert '<a href="https://example.com" rel="noopener noreferrer">the site</a>' in html
    assert 'href="https://example.org/x"' in html  # bare URLs are linked too


def test_ids_are_only_the_ones_the_renderer_made():
    html = render('## Messages\n\n<h2 id="nav-shortcuts">fake</h2>\n\n<p id="main">x</p>\n').html
    assert 'id="doc-messages"' in html  # a layout id gets a prefix
    assert 'id="nav-shortcuts"' not in html and 'id="main"' not in html


# --- references and images ------------------------------------------------------------------


def test_references_become_app_links_and_broken_ones_are_visible():
    html = render(
        "[[known.a]] [[known.b|Label B]] [[known.c#step-2]] [x](doc:known.d#setup) "
        "[rel](other/page.md#intro) [[missing.doc]] [gone](missing.md)\n"
    ).html
    assert '<a href="/docs/known.a" class="doc-link"' in html and ">Doc known.a</a>" in html
    assert ">Label B</a>" in html
    assert 'href="/docs/known.c#step-2"' in html
    assert 'href="/docs/known.d#setup"' in html
    assert 'href="/docs/other/page.md#intro"' in html
    assert (
        '<a class="broken-link" title="Document reference not found: missing.doc" '
        'rel="noopener noreferrer">missing.doc</a>'
    ) in html
    assert 'title="Document reference not found: missing.md"' in html


def test_references_in_code_are_left_alone():
    html = render("`[[known.a]]`\n\n```\n[[known.b]]\n```\n").html
    assert "doc-link" not in html and "[[known.a]]" in html and "[[known.b]]" in html


def test_images_are_served_from_the_mirror_and_escapes_are_broken():
    html = render(
        "![ok](img/a.png) ![up](../../etc/passwd.png) ![ext](https://cdn.example/x.png)"
        " ![data](data:image/png;base64,AAAA)\n"
    ).html
    assert '<img src="/docs/assets/img/a.png" alt="ok">' in html
    assert 'class="broken-image"' in html and "Missing image: up" in html
    assert "etc/passwd" not in html.replace("../../etc/passwd.png", "")
    assert 'src="https://cdn.example/x.png"' in html
    assert "data:image" not in html


# --- structure -----------------------------------------------------------------------------


def test_marked_sop_renders_steps_with_chips_screenshots_and_todos():
    rendered = render(SOP, title="Publish the episode")
    html = rendered.html
    assert rendered.is_sop and rendered.step_count == 2 and not rendered.notice
    step = html[html.index('id="step-1"') : html.index('id="step-2"')]
    assert '<span class="chip chip-accent chip-action">upload</span>' in step
    assert '<span class="chip chip-system">youtube</span>' in step
    assert "<p>Upload the edited video" in step and "1.  " not in step  # number is the badge
    assert "<li>a nested point</li>" in step
    assert (
        '<a class="sop-shot-link" href="/docs/assets/img/upload.png" data-lightbox><img '
        'src="/docs/assets/img/upload.png" alt="Upload dialog" loading="lazy"></a>'
    ) in step
    assert "<figcaption>The upload dialog, <em>before</em> publishing.</figcaption>" in step
    assert '<section class="sop-group" aria-label="Upload">' in html
    assert '<div class="sop-prose"><p>Have the <strong>final</strong> cut ready.</p>' in html
    assert rendered.todos == [("todo-1", "record a Loom of the upload")]
    assert '<div class="sop-todo" id="todo-1">' in html
    assert '<span class="chip chip-muted">tool: studio</span>' in html
    assert html.count('class="sop-step"') == 2


def test_the_title_heading_is_not_repeated_and_task_lists_render():
    html = render(SOP, title="Publish the episode").html
    assert "<h1" not in html
    assert 'class="task-list-item-checkbox" checked="checked" disabled="disabled"' in html


def test_heading_ids_are_the_registry_anchors():
    text = SOP + "\n## Summary\n\nAgain.\n"
    split = split_frontmatter(text)
    expected = [
        anchor_id(h.anchor) for h in headings(split.body, split.body_start_line) if h.level > 1
    ]
    html = render(text, title="Publish the episode").html
    found = re.findall(r'<h[2-6] id="([^"]+)"', html)
    assert found == expected and "summary-1" in found


def test_embeds_only_for_recognised_videos():
    html = render(SOP, title="Publish the episode").html
    assert 'src="https://www.loom.com/embed/0123456789abcdef0123456789abcdef"' in html
    assert 'src="https://www.youtube.com/embed/dQw4w9WgXcQ"' in html
    assert html.count("<iframe") == 2
    assert 'sandbox="allow-scripts allow-same-origin allow-presentation allow-popups"' in html


def test_a_video_url_outside_a_step_is_just_a_link():
    html = render("https://www.youtube.com/watch?v=dQw4w9WgXcQ\n").html
    assert "<iframe" not in html and 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html


def test_parse_error_shows_plain_markdown_with_a_notice():
    text = SOP.replace("<!-- sop-step-end -->\n\n<!-- sop-todo", "\n<!-- sop-todo", 1)
    rendered = render(text, title="Publish the episode")
    assert rendered.notice.startswith(PARSE_ERROR_NOTICE.format("")[:40])
    assert "line 43: nested <!-- sop-step-start --> not allowed" in rendered.notice
    assert "Upload the edited video" in rendered.html and "sop-step" not in rendered.html


def test_legacy_docs_render_as_plain_markdown():
    rendered = render("---\ntitle: Legacy\ndoc_type: sop\n---\n\n## Procedure\n\n1. Do it.\n")
    assert not rendered.is_sop and "<ol>\n<li>Do it.</li>\n</ol>" in rendered.html


def test_broken_renderer_shows_the_source(monkeypatch):
    import docs_app.render as render_module

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(render_module, "_render", explode)
    rendered = render("<b>x</b> & y")
    assert rendered.notice == RENDER_FAILED_NOTICE
    assert rendered.html == '<pre class="doc-source">&lt;b&gt;x&lt;/b&gt; &amp; y</pre>'


TOKENS = list("#-*[]()!<>`|:\n /.=\"'x") + [
    "<!-- sop-step-start id=1 -->",
    "<!-- sop-section-start: procedure -->",
    "<!-- sop-step-end -->",
    "<!-- sop-section-end -->",
    "<!-- sop-screenshot-start -->",
    "[[",
    "]]",
    "doc:",
    "javascript:",
    "<script>",
    "<img src=x ",
    "onerror=",
    "    ",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=50).map("".join))
def test_rendering_never_raises_and_stays_sanitized(text):
    html = render(text).html
    assert "<script" not in html.lower()
    assert not UNSAFE_URL.search(html.lower())
    # Parsed, not pattern-matched: "onerror=" may be the text of a title attribute.
    assert not [name for name in _attribute_names(html) if name.startswith("on")]


def _attribute_names(html: str) -> list[str]:
    names: list[str] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            names.extend(name.lower() for name, _ in attrs)

    Collector().feed(html)
    return names


def test_an_event_handler_in_raw_html_is_dropped_and_its_text_in_a_title_is_harmless():
    html = render('<img src="x.png" onerror="alert(1)">\n\n[[onerror=]]\n').html
    assert "onerror=" in html  # the unknown reference's text, inside its title
    assert not [name for name in _attribute_names(html) if name.startswith("on")]


def test_table_alignment_becomes_classes_and_raw_styles_are_dropped():
    text = (
        "| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n"
        '<table><tr><td style="color:red" align="right">x</td></tr></table>\n'
    )
    html = render(text).html
    assert "style=" not in html  # the CSP refuses inline styles
    assert html.count('class="align-left"') == 2 and html.count('class="align-right"') == 2
    assert '<th class="align-center">b</th>' in html
    assert 'align="right"' in html


def test_raw_html_images_are_served_from_the_mirror_like_markdown_ones():
    html = render(
        '<p><img src="img/diagram.png" alt="flow" width="300"></p>\n\n'
        '<img src="../../etc/passwd.png" alt="up">\n\n'
        '<img src="https://cdn.example/x.png" alt="ext"> <img src="/static/logo.svg" alt="site">\n'
    ).html
    assert '<img src="/docs/assets/img/diagram.png" alt="flow" width="300">' in html
    assert "passwd" not in html and 'alt="up"' in html  # the escape loses its src
    assert 'src="https://cdn.example/x.png"' in html and 'src="/static/logo.svg"' in html
