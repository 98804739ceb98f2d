"""The parser: the tree it builds and the exact parse errors of SOP-FORMAT §3."""

import pytest

from docs_app.sop import SopParseError, parse
from docs_app.sop.parser import (
    GROUP_END_WITHOUT_GROUP,
    NESTED_GROUP,
    NESTED_STEP,
    STEP_END_WITHOUT_STEP,
    STEP_WITHOUT_ID,
    UNCLOSED_GROUP,
    UNCLOSED_PROSE,
    UNCLOSED_SCREENSHOT,
    UNCLOSED_STEP,
)
from docs_app.tests.test_sop_samples import (
    SKELETON,
    group,
    line_of,
    marked_sop,
    screenshot,
    step,
)

SECTION_END = "<!-- sop-section-end -->\n"

PARSE_ERRORS = [
    pytest.param(
        group("A", step(1)).replace("### A\n", '### A\n<!-- sop-group-start: "B" -->\n'),
        '"B"',
        NESTED_GROUP,
        id="nested-group",
    ),
    pytest.param(
        step(1) + "<!-- sop-group-end -->\n",
        "group-end",
        GROUP_END_WITHOUT_GROUP,
        id="group-end-without-group",
    ),
    pytest.param(
        "<!-- sop-step-start id=1 -->\n1.  A\n<!-- sop-step-start id=2 -->\n",
        "id=2",
        NESTED_STEP,
        id="nested-step",
    ),
    pytest.param(
        '<!-- sop-step-start action="click" -->\n1. A\n<!-- sop-step-end -->\n',
        "action=",
        STEP_WITHOUT_ID,
        id="step-without-id",
    ),
    pytest.param(
        step(1) + "<!-- sop-step-end -->\n",
        "sop-step-end",
        STEP_END_WITHOUT_STEP,
        id="step-end-without-step",
    ),
    pytest.param(
        "<!-- sop-step-start id=1 -->\n1.  A\n", "id=1", UNCLOSED_STEP, id="unclosed-step"
    ),
    pytest.param(
        '<!-- sop-group-start: "A" -->\n' + step(1),
        "group-start",
        UNCLOSED_GROUP,
        id="unclosed-group",
    ),
    pytest.param(
        "<!-- sop-prose-start -->\nSome words.\n",
        "prose-start",
        UNCLOSED_PROSE,
        id="unclosed-prose",
    ),
    pytest.param(
        "<!-- sop-step-start id=1 -->\n1.  A\n<!-- sop-screenshot-start -->\n![a](b.png)\n"
        "<!-- sop-step-end -->\n",
        "screenshot-start",
        UNCLOSED_SCREENSHOT,
        id="unclosed-screenshot",
    ),
]


@pytest.mark.parametrize(("procedure", "needle", "problem"), PARSE_ERRORS)
def test_parse_error_text_and_file_line(procedure, needle, problem):
    text = marked_sop(procedure)
    with pytest.raises(SopParseError) as caught:
        parse(text)
    # The offending marker is the last line mentioning the needle.
    expected_line = line_of(text, needle, occurrence=text.count(needle))
    assert str(caught.value) == f"line {expected_line}: {problem}"
    assert caught.value.line == expected_line


def test_line_numbers_count_the_frontmatter_lines():
    text = "---\ntitle: x\n---\n<!-- sop-section-start: procedure -->\n<!-- sop-step-start -->\n"
    with pytest.raises(SopParseError, match=r"^line 5: step missing required `id` attribute$"):
        parse(text)


def test_unclosed_section_reports_its_opening_line_when_the_next_section_starts():
    text = (
        "---\ntitle: x\n---\n\n<!-- sop-section-start: summary -->\n## Summary\n\n"
        "<!-- sop-section-start: procedure -->\n<!-- sop-section-end -->\n"
    )
    with pytest.raises(SopParseError) as caught:
        parse(text)
    assert str(caught.value) == "line 5: unclosed <!-- sop-section-start: summary -->"


def test_unclosed_section_at_end_of_file():
    with pytest.raises(SopParseError) as caught:
        parse("# T\n<!-- sop-section-start: task-definitions -->\nbody\n")
    assert str(caught.value) == "line 2: unclosed <!-- sop-section-start: task-definitions -->"


def test_unclosed_step_inside_a_group_is_reported_before_the_group():
    text = '<!-- sop-section-start: procedure -->\n<!-- sop-group-start: "A" -->\n' + (
        "<!-- sop-step-start id=1 -->\n1. x\n<!-- sop-group-end -->\n<!-- sop-section-end -->\n"
    )
    with pytest.raises(SopParseError, match=r"^line 3: unclosed <!-- sop-step-start -->$"):
        parse(text)


def test_skeleton_tree():
    document = parse(SKELETON)
    assert [s.name for s in document.sections] == [
        "summary",
        "prerequisites",
        "procedure",
        "validation",
        "troubleshooting",
        "references",
    ]
    assert document.data["systems"] == ["youtube", "spotify"]
    assert document.preamble == "\n# Publish the podcast episode\n\n"
    procedure = document.procedure
    assert procedure.heading == "Procedure"
    [upload] = procedure.groups
    assert upload.title == "Upload"
    [only] = upload.steps
    assert only.id == "1"
    assert only.number == 1
    assert only.attrs == {"systems": "youtube", "action": "upload"}
    assert only.body == "1.  Upload the edited video.\n"
    [shot] = only.screenshots
    assert (shot.image.alt, shot.image.src, shot.caption) == (
        "Upload dialog",
        "../images/upload.png",
        "The upload dialog.",
    )
    assert only.line == line_of(SKELETON, "sop-step-start")


def test_prose_and_todos_know_the_step_they_follow():
    from docs_app.sop.tree import Prose, Todo

    text = marked_sop(
        "<!-- sop-prose-start -->\nBefore.\n<!-- sop-prose-end -->\n"
        + step(1)
        + '<!-- sop-todo: "add the export step" -->\n'
        + "<!-- sop-prose-start -->\nAfter one.\n<!-- sop-prose-end -->\n"
        + step(2)
    )
    document = parse(text)
    prose = [(after, block.text) for after, block in document.placed_blocks(Prose)]
    assert prose == [(None, "Before.\n"), ("1", "After one.\n")]
    todos = [(after, block.text) for after, block in document.placed_blocks(Todo)]
    assert todos == [("1", "add the export step")]


def test_marker_spacing_is_free_and_names_are_case_sensitive():
    text = marked_sop(
        "<!--sop-step-start   id=1\taction=click-->\n1. A\n<!--   sop-step-end-->\n"
        "  <!-- SOP-STEP-START id=2 -->  \n"
    )
    document = parse(text)
    [only] = document.steps()
    assert only.attrs == {"action": "click"}
    assert document.orphan_lines() == []


def test_attribute_forms():
    text = marked_sop(
        "<!-- sop-step-start id=7 tool='Google Sheets' note=\"a b\" plain=x flag -->\n"
        "7. A\n<!-- sop-step-end -->\n"
    )
    [only] = parse(text).steps()
    assert only.id == "7"
    assert only.attrs == {"tool": "Google Sheets", "note": "a b", "plain": "x", "flag": ""}


def test_only_the_first_procedure_is_structured_and_raw_sections_stay_verbatim():
    text = (
        "<!-- sop-section-start: procedure raw -->\n<!-- sop-step-start -->\n"
        "<!-- sop-section-end -->\n<!-- sop-section-start: notes -->\n"
        "<!-- sop-step-start -->\n<!-- sop-section-end -->\n"
    )
    document = parse(text)
    assert [(s.name, s.raw, s.structured) for s in document.sections] == [
        ("procedure", True, False),
        ("notes", False, False),
    ]
    assert document.steps() == []
    assert document.sections[0].body == "<!-- sop-step-start -->\n"


def test_legacy_document_without_markers_is_all_preamble():
    text = "# Title\n\n## Procedure\n1. Do it\n"
    document = parse(text)
    assert document.frontmatter is None
    assert document.sections == []
    assert document.preamble == text


def test_stray_markers_where_they_have_no_meaning_are_text():
    text = marked_sop(step(1) + "<!-- sop-prose-end -->\n<!-- sop-caption-start -->\n")
    document = parse(text)
    assert len(document.steps()) == 1
    assert document.orphan_lines() == []


def test_orphan_lines_exclude_headings_blanks_and_comments():
    procedure = (
        "\nIntro text.\n<!-- a comment -->\n<!-- spanning\nlines -->\n#### Sub heading\n"
        + step(1)
        + "Trailing words.\n"
    )
    text = marked_sop(procedure)
    document = parse(text)
    assert document.orphan_lines() == [line_of(text, "Intro"), line_of(text, "Trailing")]


def test_screenshot_details_for_lint():
    inner = screenshot("![a](1.png) ![b](2.png)\n", "Open caption", closed=False)
    [only] = parse(marked_sop(step(1, inner=inner))).steps()
    [shot] = only.screenshots
    assert len(shot.images) == 2
    assert shot.caption_block.unclosed
    assert shot.caption == "Open caption"


def test_rendered_number_is_read_from_the_first_non_blank_line():
    text = marked_sop("<!-- sop-step-start id=3 -->\n\n  12. Twelve\n<!-- sop-step-end -->\n")
    [only] = parse(text).steps()
    assert only.number == 12
    assert only.id == "3"


def test_section_heading_and_body():
    document = parse(marked_sop())
    summary = document.sections[0]
    assert summary.heading == "Summary"
    assert summary.body == ""
