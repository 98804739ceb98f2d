"""Edits on the tree: local byte changes, structural moves, renumbering, frontmatter."""

import pytest

from docs_app.sop import lint, parse, serialize
from docs_app.sop.tree import Prose, Step, Todo
from docs_app.tests.test_sop_samples import group, marked_sop, screenshot, step

GROUPED = marked_sop(
    "\n"
    + group("Prepare", step(1, "Open Airtable."), step(2, "Find the issue.", inner=screenshot()))
    + group("Send", step(3, "Open Mailchimp.", attrs=' action="navigate"'), step(4, "Send."))
)


def bodies(document):
    return [step.body.split("  ", 1)[1].strip() for step in document.steps()]


def test_grouped_sample_is_clean():
    assert lint(GROUPED) == []


def test_move_within_a_group_then_renumber_is_clean():
    document = parse(GROUPED)
    send = document.procedure.groups[1]
    document.move_step(document.find_step("4"), send, 0)
    document.renumber_steps()
    text = serialize(document)
    assert lint(text) == []
    assert bodies(parse(text)) == ["Open Airtable.", "Find the issue.", "Send.", "Open Mailchimp."]
    assert [s.number for s in parse(text).steps()] == [1, 2, 3, 4]


def test_move_between_groups_then_renumber_is_clean():
    document = parse(GROUPED)
    prepare, send = document.procedure.groups
    document.move_step(document.find_step("1"), send, 2)
    document.renumber_steps()
    text = serialize(document)
    assert lint(text) == []
    reparsed = parse(text)
    assert [len(g.steps) for g in reparsed.procedure.groups] == [1, 3]
    assert bodies(reparsed) == ["Find the issue.", "Open Mailchimp.", "Send.", "Open Airtable."]


def test_delete_then_renumber_is_clean_and_keeps_one_blank_between_steps():
    document = parse(GROUPED)
    document.delete_step(document.find_step("2"))
    document.renumber_steps()
    text = serialize(document)
    assert lint(text) == []
    assert "\n\n\n" not in text
    assert bodies(parse(text)) == ["Open Airtable.", "Open Mailchimp.", "Send."]


def test_add_step_then_renumber_is_clean():
    document = parse(GROUPED)
    prepare = document.procedure.groups[0]
    prepare.insert_step(1, Step.new("99", "Check the status.", attrs={"action": "verify"}))
    document.renumber_steps()
    text = serialize(document)
    assert lint(text) == []
    added = parse(text).find_step("2")
    assert added.attrs == {"action": "verify"}
    assert added.body == "2.  Check the status.\n"


def test_append_to_an_empty_group():
    text = marked_sop(
        group("Only", step(1)) + '<!-- sop-group-start: "Empty" -->\n### Empty\n'
        "<!-- sop-group-end -->\n"
    )
    document = parse(text)
    empty = document.procedure.groups[1]
    empty.insert_step(0, Step.new("2", "New."))
    result = serialize(document)
    assert lint(result) == []
    assert [len(g.steps) for g in parse(result).procedure.groups] == [1, 1]


def test_renumber_changes_only_steps_whose_id_is_wrong():
    text = marked_sop(step(1) + step(5) + step(3))
    document = parse(text)
    first_before = document.steps()[0].source()
    document.renumber_steps()
    result = serialize(document)
    assert lint(result) == []
    assert first_before in result
    assert parse(result).steps()[2].opening == "<!-- sop-step-start id=3 -->\n"


def test_renumber_rewrites_the_id_attribute_in_place_and_keeps_the_others():
    text = marked_sop(step(7, attrs=' systems="youtube" action="upload"'))
    document = parse(text)
    document.renumber_steps()
    [only] = document.steps()
    assert only.opening == '<!-- sop-step-start id=1 systems="youtube" action="upload" -->\n'
    assert only.body.startswith("1.  ")


def test_edit_caption_prose_todo_and_group_title_touch_only_their_bytes():
    text = marked_sop(
        "<!-- sop-prose-start -->\nOld prose.\n<!-- sop-prose-end -->\n"
        '<!-- sop-todo: "old todo" -->\n' + group("Old", step(1, inner=screenshot()))
    )
    document = parse(text)
    [(_, prose)] = document.placed_blocks(Prose)
    prose.set_text("New prose.")
    [(_, todo)] = document.placed_blocks(Todo)
    todo.set_text('say "hi"')
    document.procedure.groups[0].set_title("New")
    document.steps()[0].screenshots[0].set_caption("New caption.")
    expected = (
        text.replace("Old prose.", "New prose.")
        .replace('"old todo"', '"say "hi""')
        .replace('"Old"', '"New"')
        .replace("### Old", "### New")
        .replace("The upload dialog.", "New caption.")
    )
    result = serialize(document)
    assert result == expected
    reparsed = parse(result)
    assert reparsed.placed_blocks(Todo)[0][1].text == 'say "hi"'
    assert reparsed.procedure.groups[0].title == "New"


def test_add_and_remove_a_caption():
    text = marked_sop(step(1, inner=screenshot(caption=None)))
    document = parse(text)
    shot = document.steps()[0].screenshots[0]
    shot.set_caption("Added.")
    assert parse(serialize(document)).steps()[0].screenshots[0].caption == "Added."
    shot.set_caption(None)
    assert serialize(document) == text


def test_marker_values_that_would_break_the_comment_are_refused():
    document = parse(marked_sop(step(1)))
    with pytest.raises(ValueError):
        document.steps()[0].set_attribute("action", 'a"b')
    with pytest.raises(ValueError):
        Step.new("1", "x", attrs={"tool": "a --> b"})


def test_section_body_edit_keeps_heading_and_markers():
    text = marked_sop()
    document = parse(text)
    validation = document.sections[3]
    validation.set_body("- The episode is live.")
    result = serialize(document)
    assert result == text.replace("## Validation\n", "## Validation\n- The episode is live.\n")


def test_structured_procedure_body_cannot_be_replaced_wholesale():
    document = parse(marked_sop(step(1)))
    with pytest.raises(ValueError):
        document.procedure.set_body("x")


FRONTMATTER_WITH_COMMENTS = (
    "---\n"
    "# Owned by the ops team\n"
    "title: Publish\n"
    "doc_type: sop  # keep\n"
    "tags:\n"
    "  - media\n"
    "  - podcast\n"
    "\n"
    "# systems touched\n"
    "systems: [youtube]\n"
    "owner: ops\n"
    "---\n"
)


def test_frontmatter_edit_rewrites_only_the_edited_entry():
    text = FRONTMATTER_WITH_COMMENTS + "\n# Publish\n"
    document = parse(text)
    document.set_field("tags", ["media", "audio"])
    document.set_field("summary", "Ship it.")
    document.set_field("schema_version", 1, after="doc_type")
    result = serialize(document)
    assert result == (
        "---\n"
        "# Owned by the ops team\n"
        "title: Publish\n"
        "doc_type: sop  # keep\n"
        "schema_version: 1\n"
        "tags: [media, audio]\n"
        "\n"
        "# systems touched\n"
        "systems: [youtube]\n"
        "owner: ops\n"
        "summary: Ship it.\n"
        "---\n"
        "\n# Publish\n"
    )
    assert list(document.data) == [
        "title",
        "doc_type",
        "schema_version",
        "tags",
        "systems",
        "owner",
        "summary",
    ]


def test_frontmatter_remove_field_and_create_frontmatter():
    document = parse(FRONTMATTER_WITH_COMMENTS + "body\n")
    document.remove_field("tags")
    assert "tags" not in serialize(document)
    assert "# systems touched\n" in serialize(document)
    bare = parse("# Title\r\n")
    bare.set_field("title", "Title")
    assert serialize(bare) == "---\r\ntitle: Title\r\n---\r\n# Title\r\n"


def test_flow_style_frontmatter_is_redumped():
    document = parse("---\n{title: A, doc_type: sop}\n---\nx\n")
    document.set_field("title", "B")
    assert serialize(document) == "---\ntitle: B\ndoc_type: sop\n---\nx\n"


def test_frontmatter_with_yaml_error_refuses_edits():
    document = parse("---\ntitle: [x\n---\n")
    with pytest.raises(ValueError):
        document.set_field("title", "y")
