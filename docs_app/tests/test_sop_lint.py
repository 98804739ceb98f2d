"""Lint rules L01–L18: exact messages, order and stop behaviour (SOP-FORMAT §5)."""

import pytest

from docs_app.sop import applies, lint, lint_messages
from docs_app.tests.test_sop_samples import (
    FRONTMATTER,
    SKELETON,
    group,
    line_of,
    marked_sop,
    screenshot,
    step,
)

ACTIONS = (
    "['click', 'copy', 'download', 'navigate', 'other', 'paste', 'submit', 'type', "
    "'upload', 'verify', 'wait']"
)


def with_frontmatter(*lines: str) -> str:
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n"


L06_TEXT = marked_sop("<!-- sop-step-start -->\n")

ONE_RULE_CASES = [
    pytest.param("# No frontmatter\n", ["missing frontmatter"], id="L01"),
    pytest.param(
        marked_sop(
            step(1),
            frontmatter=with_frontmatter("title: T", "doc_type: reference", "schema_version: 1"),
        ),
        ["doc_type must be 'sop' or 'checklist' (got 'reference')"],
        id="L02",
    ),
    pytest.param(
        marked_sop(step(1), frontmatter=with_frontmatter("title: T", "schema_version: 1")),
        ["doc_type must be 'sop' or 'checklist' (got None)"],
        id="L02-missing",
    ),
    pytest.param(
        marked_sop(step(1), frontmatter=with_frontmatter("doc_type: sop", "schema_version: 1")),
        ["frontmatter is missing `title`"],
        id="L03",
    ),
    pytest.param(
        marked_sop(
            step(1),
            frontmatter=with_frontmatter("title: T", "doc_type: sop", "schema_version: 1.5"),
        ),
        ["schema_version must be an integer (got '1.5')"],
        id="L04",
    ),
    pytest.param(
        marked_sop(
            step(1), frontmatter=with_frontmatter("title: T", "doc_type: sop", "schema_version: 2")
        ),
        ["unsupported schema_version: 2"],
        id="L05",
    ),
    pytest.param(
        L06_TEXT,
        [
            f"parse error: line {line_of(L06_TEXT, 'step-start')}: "
            "step missing required `id` attribute"
        ],
        id="L06",
    ),
    pytest.param(
        marked_sop(step(1), omit=("prerequisites",)),
        ["missing required section: prerequisites"],
        id="L07",
    ),
    pytest.param(
        marked_sop(group("A", step(1)) + step(2)),
        ["procedure mixes groups and flat steps — pick one shape"],
        id="L08",
    ),
    pytest.param(
        marked_sop(step(1) + step(1, number=2) + step(2, number=3)),
        [
            "duplicate step ids: [1]",
            "step ids are not sequential 1..N; got [1, 1, 2], expected [1, 2, 3]",
            "step id=1: rendered number 2 does not match id",
            "step id=2: rendered number 3 does not match id",
        ],
        id="L09",
    ),
    pytest.param(
        marked_sop(step(1) + step(3)),
        ["step ids are not sequential 1..N; got [1, 3], expected [1, 2]"],
        id="L10",
    ),
    pytest.param(
        marked_sop(step(1, attrs=' action="frobnicate"')),
        [f"step id=1: action 'frobnicate' not in {ACTIONS}"],
        id="L11",
    ),
    pytest.param(
        marked_sop(step(1, attrs=' systems="youtube, nope"')),
        ["step id=1: systems ['nope'] not in frontmatter `systems`"],
        id="L12",
    ),
    pytest.param(
        marked_sop(step(1, inner=screenshot(image="", caption=None))),
        ["step id=1: <!-- sop-screenshot-start --> block has no image"],
        id="L13",
    ),
    pytest.param(
        marked_sop(step(1, number=9)),
        ["step id=1: rendered number 9 does not match id"],
        id="L14",
    ),
    pytest.param(
        marked_sop(step(1) + step(2, inner=screenshot(image="![a](1.png)\n![b](2.png)\n"))),
        ["step id=2: screenshot block has 2 images"],
        id="L16",
    ),
    pytest.param(
        marked_sop(step("two", number=1)),
        ["step id='two': id must be an integer"],
        id="L17",
    ),
    pytest.param(
        marked_sop(step(1) + step(2, inner=screenshot(closed=False))),
        ["step id=2: unclosed <!-- sop-caption-start -->"],
        id="L18",
    ),
]


@pytest.mark.parametrize(("text", "expected"), ONE_RULE_CASES)
def test_rule_message(text, expected):
    assert lint_messages(text) == expected


def test_orphan_text_names_its_file_line():
    text = marked_sop("\nStray words here.\n" + step(1))
    [violation] = lint(text)
    assert violation.rule == "L15"
    assert violation.message == f"orphan text in procedure at line {line_of(text, 'Stray')}"


def test_orphan_paragraph_is_reported_once_at_its_first_line():
    text = marked_sop(step(1) + "First line.\nSecond line.\n\nAnother paragraph.\n")
    assert lint_messages(text) == [
        f"orphan text in procedure at line {line_of(text, 'First')}",
        f"orphan text in procedure at line {line_of(text, 'Another')}",
    ]


def test_clean_document_has_no_violations():
    assert lint(SKELETON) == []


def test_schema_version_text_all_digits_counts_as_integer():
    for written in ('"1"', "1", "'1'", "01"):
        frontmatter = with_frontmatter("title: T", "doc_type: sop", f"schema_version: {written}")
        assert lint(marked_sop(step(1), frontmatter=frontmatter)) == [], written


def test_schema_version_values_are_quoted_as_written():
    frontmatter = with_frontmatter("title: T", "doc_type: sop", "schema_version: 1.50")
    assert lint_messages(marked_sop(frontmatter=frontmatter)) == [
        "schema_version must be an integer (got '1.50')"
    ]
    frontmatter = with_frontmatter("title: T", "doc_type: sop", "schema_version:")
    assert lint_messages(marked_sop(frontmatter=frontmatter)) == [
        "schema_version must be an integer (got None)"
    ]


def test_blank_title_counts_as_missing():
    frontmatter = with_frontmatter('title: "  "', "doc_type: checklist", "schema_version: 1")
    assert lint_messages(marked_sop(frontmatter=frontmatter)) == ["frontmatter is missing `title`"]


def test_l01_stops_everything():
    assert lint_messages("<!-- sop-step-start -->\n") == ["missing frontmatter"]


def test_legacy_doc_gets_only_l02_and_l03():
    text = with_frontmatter("doc_type: reference") + "<!-- sop-step-start -->\n## Procedure\n"
    assert lint_messages(text) == [
        "doc_type must be 'sop' or 'checklist' (got 'reference')",
        "frontmatter is missing `title`",
    ]


def test_l04_stops_before_parse_and_structure_checks():
    frontmatter = with_frontmatter("doc_type: guide", "schema_version: one")
    text = marked_sop("<!-- sop-step-start -->\n", frontmatter=frontmatter, omit=("summary",))
    assert lint_messages(text) == [
        "doc_type must be 'sop' or 'checklist' (got 'guide')",
        "frontmatter is missing `title`",
        "schema_version must be an integer (got 'one')",
    ]


def test_l05_stops_before_structure_checks():
    frontmatter = with_frontmatter("title: T", "doc_type: sop", 'schema_version: "3"')
    text = marked_sop(step(5), frontmatter=frontmatter, omit=("summary",))
    assert lint_messages(text) == ["unsupported schema_version: 3"]


def test_l06_stops_before_section_checks():
    text = marked_sop("<!-- sop-step-end -->\n", omit=("summary", "references"))
    [violation] = lint(text)
    assert violation.rule == "L06"
    assert violation.line == line_of(text, "sop-step-end -->", occurrence=1)


def test_missing_sections_come_in_section_order():
    text = marked_sop(step(1), omit=("references", "summary", "validation"))
    assert lint_messages(text) == [
        "missing required section: summary",
        "missing required section: validation",
        "missing required section: references",
    ]


def test_full_order_across_rules_and_steps():
    procedure = (
        group(
            "A",
            step(
                1,
                attrs=' action="jump" systems="nope"',
                number=4,
                inner=screenshot(image="", closed=False),
            ),
            "Orphan in group.\n\n",
            step("x", attrs=' action="fly"', inner=screenshot("![a](1.png)\n![b](2.png)\n")),
        )
        + "Orphan after group.\n\n"
        + step(3)
    )
    text = marked_sop(procedure, omit=("validation",))
    assert [(v.rule, v.message) for v in lint(text)] == [
        ("L07", "missing required section: validation"),
        ("L08", "procedure mixes groups and flat steps — pick one shape"),
        ("L10", "step ids are not sequential 1..N; got [1, 3], expected [1, 2]"),
        ("L11", f"step id=1: action 'jump' not in {ACTIONS}"),
        ("L12", "step id=1: systems ['nope'] not in frontmatter `systems`"),
        ("L13", "step id=1: <!-- sop-screenshot-start --> block has no image"),
        ("L14", "step id=1: rendered number 4 does not match id"),
        ("L18", "step id=1: unclosed <!-- sop-caption-start -->"),
        ("L11", f"step id='x': action 'fly' not in {ACTIONS}"),
        ("L16", "step id='x': screenshot block has 2 images"),
        ("L17", "step id='x': id must be an integer"),
        ("L15", f"orphan text in procedure at line {line_of(text, 'Orphan in group')}"),
        ("L15", f"orphan text in procedure at line {line_of(text, 'Orphan after')}"),
    ]


def test_non_integer_steps_are_left_out_of_sequence_checks():
    text = marked_sop(step(1) + step("b", number=7) + step(2))
    assert lint_messages(text) == ["step id='b': id must be an integer"]


def test_l12_needs_frontmatter_systems():
    frontmatter = with_frontmatter("title: T", "doc_type: sop", "schema_version: 1")
    text = marked_sop(step(1, attrs=' systems="anything"'), frontmatter=frontmatter)
    assert lint(text) == []


def test_l12_lists_each_unknown_system_once_in_written_order():
    text = marked_sop(step(1, attrs=' systems="zoom,youtube, zoom ,airtable"'))
    assert lint_messages(text) == [
        "step id=1: systems ['zoom', 'airtable'] not in frontmatter `systems`"
    ]


def test_invalid_yaml_frontmatter_gives_no_violations():
    text = "---\ntitle: [unclosed\n---\n# Body\n"
    assert lint(text) == []


def test_violation_lines_point_at_the_problem():
    text = marked_sop(step(1, number=2))
    [violation] = lint(text)
    assert violation.line == line_of(text, "sop-step-start")
    frontmatter = with_frontmatter("title: T", "doc_type: guide", "schema_version: 1")
    [violation] = lint(marked_sop(frontmatter=frontmatter))
    assert violation.line == 3


def test_raw_procedure_skips_structure_checks():
    text = marked_sop().replace("procedure -->", "procedure raw -->")
    text = text.replace("## Procedure\n", "## Procedure\nFree text.\n<!-- sop-step-start -->\n")
    assert lint(text) == []


@pytest.mark.parametrize(
    ("frontmatter", "rel_path", "expected"),
    [
        ({"doc_type": "sop"}, None, True),
        ({"doc_type": "checklist"}, None, True),
        ({"doc_type": "reference", "schema_version": 1}, None, True),
        ({"doc_type": "reference"}, None, False),
        ({}, "media/sops/publish.md", True),
        ({}, "media/notes.md", False),
        (None, None, False),
    ],
)
def test_applies(frontmatter, rel_path, expected):
    assert applies(frontmatter, rel_path) is expected


def test_frontmatter_without_body_misses_every_section():
    assert [violation.rule for violation in lint(FRONTMATTER)] == ["L07"] * 6
