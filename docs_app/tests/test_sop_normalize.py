"""The normalizer: legacy SOP → marked SOP (SOP-FORMAT §6)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docs_app.sop import lint_messages, normalize, parse
from docs_app.tests.test_sop_samples import SKELETON

FAST = settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

LEGACY = """---
title: Publish the newsletter
doc_type: sop
systems: [mailchimp, airtable]
owner: ops
---

# Publish the newsletter

Owner: operations manager.

## Summary
- Purpose: send the weekly newsletter.

## Prerequisites
- Access to Mailchimp.

## Procedure

Before you start, check the content calendar.

### Prepare

1. Open Airtable and find this week's issue.
   Make sure the status is "Ready".
![Airtable view](../images/newsletter/airtable.png)

Image note: The issue list filtered by week.

1. Copy the issue text.

### Send

3. Open Mailchimp.
    ![Campaigns](../images/newsletter/campaigns.png)
4. Click **Send**.

When done, tell the team in Slack.

## Validation
- The campaign shows as sent.

## Troubleshooting

## References
- [Mailchimp guide](mailchimp.md)
"""

MARKED = """---
title: Publish the newsletter
doc_type: sop
schema_version: 1
systems: [mailchimp, airtable]
owner: ops
---

# Publish the newsletter

Owner: operations manager.

<!-- sop-section-start: summary -->
## Summary
- Purpose: send the weekly newsletter.
<!-- sop-section-end -->

<!-- sop-section-start: prerequisites -->
## Prerequisites
- Access to Mailchimp.
<!-- sop-section-end -->

<!-- sop-section-start: procedure -->
## Procedure

<!-- sop-prose-start -->
Before you start, check the content calendar.
<!-- sop-prose-end -->

<!-- sop-group-start: "Prepare" -->
### Prepare

<!-- sop-step-start id=1 -->
1. Open Airtable and find this week's issue.
   Make sure the status is "Ready".
<!-- sop-screenshot-start -->
![Airtable view](../images/newsletter/airtable.png)
<!-- sop-caption-start -->
The issue list filtered by week.
<!-- sop-caption-end -->
<!-- sop-screenshot-end -->
<!-- sop-step-end -->

<!-- sop-step-start id=2 -->
2. Copy the issue text.
<!-- sop-step-end -->
<!-- sop-group-end -->

<!-- sop-group-start: "Send" -->
### Send

<!-- sop-step-start id=3 -->
3. Open Mailchimp.
<!-- sop-screenshot-start -->
![Campaigns](../images/newsletter/campaigns.png)
<!-- sop-screenshot-end -->
<!-- sop-step-end -->
<!-- sop-step-start id=4 -->
4. Click **Send**.
<!-- sop-step-end -->

<!-- sop-prose-start -->
When done, tell the team in Slack.
<!-- sop-prose-end -->
<!-- sop-group-end -->
<!-- sop-section-end -->

<!-- sop-section-start: validation -->
## Validation
- The campaign shows as sent.
<!-- sop-section-end -->

<!-- sop-section-start: troubleshooting -->
## Troubleshooting
<!-- sop-section-end -->

<!-- sop-section-start: references -->
## References
- [Mailchimp guide](mailchimp.md)
<!-- sop-section-end -->
"""


def test_realistic_legacy_sop_becomes_the_golden_marked_text():
    assert normalize(LEGACY) == MARKED


def test_golden_output_lints_clean_and_is_stable():
    assert lint_messages(MARKED) == []
    assert normalize(MARKED) == MARKED


def test_crlf_legacy_stays_crlf():
    result = normalize(LEGACY.replace("\n", "\r\n"))
    assert result == MARKED.replace("\n", "\r\n")


def test_file_without_recognisable_sections_is_unchanged():
    text = "---\ntitle: Notes\ndoc_type: sop\n---\n# Notes\n\n## Background\n1. Not a step\n"
    assert normalize(text) == text


def test_headings_are_matched_exactly():
    text = "---\ntitle: T\n---\n## procedure\n## Procedure steps\n### Summary\n"
    assert normalize(text) == text


def test_schema_version_is_never_added_twice():
    text = "---\ntitle: T\ndoc_type: sop\nschema_version: 1\n---\n## Summary\nx\n"
    result = normalize(text)
    assert result.count("schema_version") == 1
    assert result.startswith("---\ntitle: T\ndoc_type: sop\nschema_version: 1\n---\n")


def test_schema_version_goes_last_without_doc_type():
    result = normalize("---\ntitle: T\nowner: me\n---\n## Summary\nx\n")
    assert result.startswith("---\ntitle: T\nowner: me\nschema_version: 1\n---\n")


def test_marked_document_without_schema_version_only_gains_it():
    text = SKELETON.replace("schema_version: 1\n", "")
    assert normalize(text) == SKELETON


def test_other_doc_types_and_broken_yaml_are_left_alone():
    for text in (
        "---\ntitle: R\ndoc_type: reference\n---\n## Summary\nx\n",
        "---\ntitle: [broken\n---\n## Summary\nx\n",
    ):
        assert normalize(text) == text


def test_no_frontmatter_is_not_invented():
    result = normalize("## Summary\nx\n")
    assert result == (
        "<!-- sop-section-start: summary -->\n## Summary\nx\n<!-- sop-section-end -->\n"
    )


def test_unknown_level_two_heading_ends_a_section_and_stays_outside():
    result = normalize("---\ntitle: T\n---\n## Summary\nx\n\n## Notes\ny\n")
    assert result.endswith("## Summary\nx\n<!-- sop-section-end -->\n\n## Notes\ny\n")


def test_fenced_code_is_never_structured():
    text = (
        "---\ntitle: T\ndoc_type: sop\n---\n## Procedure\n1. Run:\n\n    ```\n"
        "2. not a step\n## Summary\n    ```\n"
    )
    result = normalize(text)
    assert result.count("sop-step-start") == 1
    assert "sop-section-start: summary" not in result
    assert parse(result).steps()[0].body.endswith("2. not a step\n## Summary\n    ```\n")


def test_flat_procedure_with_lazy_and_indented_continuations():
    text = (
        "---\ntitle: T\ndoc_type: sop\n---\n## Procedure\n7. First\nlazy line\n\n"
        "   indented after blank\n\n![shot](a.png)\nImage note: Two\nlines.\n\nNot a step.\n"
    )
    result = normalize(text)
    [only] = parse(result).steps()
    assert only.body == "1. First\nlazy line\n\n   indented after blank\n\n"
    assert only.screenshots[0].caption == "Two\nlines."
    assert "<!-- sop-prose-start -->\nNot a step.\n<!-- sop-prose-end -->" in result


SAFE_LINE = st.from_regex(r"[A-Za-zé][A-Za-zé ,;!?'*]{0,18}", fullmatch=True)
SECTIONS = ["Summary", "Prerequisites", "Validation", "Troubleshooting", "References"]


@st.composite
def legacy_step(draw):
    lines = [f"{draw(st.integers(0, 120))}. {draw(SAFE_LINE)}"]
    for _ in range(draw(st.integers(0, 2))):
        lines.append(draw(st.sampled_from(["   ", "    ", "\t"])) + draw(SAFE_LINE))
    if draw(st.booleans()):
        if draw(st.booleans()):
            lines.append("")
        lines.append(draw(st.sampled_from(["", "   "])) + f"![{draw(SAFE_LINE)}](img/x.png)")
        if draw(st.booleans()):
            lines += [""] * draw(st.integers(0, 1))
            lines.append("Image note: " + draw(SAFE_LINE))
    return lines


@st.composite
def legacy_items(draw):
    lines = []
    steps = 0
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 3)):
            lines += draw(legacy_step())
            steps += 1
        else:
            lines += ["", draw(SAFE_LINE)]
        lines += [""] * draw(st.integers(0, 2))
    return lines, steps


@st.composite
def legacy_sops(draw):
    """`(text, omitted sections, step count)` for a varied legacy SOP."""
    procedure = ["## Procedure", ""]
    steps = 0
    if draw(st.booleans()):
        lines, steps = draw(legacy_items())
        procedure += lines
    else:
        for _ in range(draw(st.integers(1, 3))):
            lines, count = draw(legacy_items())
            procedure += [f"### {draw(SAFE_LINE)}", "", *lines]
            steps += count
    kept = draw(st.lists(st.sampled_from(SECTIONS), unique=True))
    blocks = [[f"## {name}", draw(SAFE_LINE), ""] for name in kept] + [procedure]
    lines = ["---", "title: Legacy", "doc_type: sop", "---", "", "# Legacy", ""]
    for block in draw(st.permutations(blocks)):
        lines += [*block, ""]
    omitted = [name.lower() for name in SECTIONS if name not in kept]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline, omitted, steps


@FAST
@given(legacy_sops())
def test_normalized_legacy_sops_lint_clean_apart_from_missing_sections(generated):
    text, omitted, steps = generated
    result = normalize(text)
    order = ["summary", "prerequisites", "validation", "troubleshooting", "references"]
    expected = [f"missing required section: {name}" for name in order if name in omitted]
    assert lint_messages(result) == expected
    assert [s.id for s in parse(result).steps()] == [str(n) for n in range(1, steps + 1)]


@FAST
@given(legacy_sops())
def test_normalize_is_idempotent_on_legacy_sops(generated):
    once = normalize(generated[0])
    assert normalize(once) == once


@FAST
@given(
    st.lists(
        st.sampled_from(
            [
                "---",
                "title: T",
                "doc_type: sop",
                "## Summary",
                "## Procedure",
                "### G",
                "1. step",
                "   more",
                "![a](b.png)",
                "Image note: c",
                "",
                "text",
                "```",
                "<!-- sop-step-end -->",
                "## Other",
            ]
        ),
        max_size=25,
    )
)
def test_normalize_is_idempotent_on_any_line_soup(lines):
    text = "\n".join(lines)
    once = normalize(text)
    assert normalize(once) == once
