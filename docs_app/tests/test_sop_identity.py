"""Identity helpers and frontmatter splitting (SOP-FORMAT §1, §4)."""

import datetime

import pytest

from docs_app.sop import (
    DOC_TYPES,
    domain_of,
    generated_id,
    infer_doc_type,
    is_valid_id,
    split_frontmatter,
    title_for,
)


@pytest.mark.parametrize(
    ("rel_path", "doc_type", "expected"),
    [
        ("finance/reference/invoices.md", "reference", "reference.finance.invoices"),
        (
            "media/podcast/sops/create_podcast_document.md",
            "sop",
            "sop.media.podcast.create-podcast-document",
        ),
        ("templates/weekly.md", "template", "template.weekly"),
        ("prompts/guest-intro.md", "prompt", "prompt.prompts.guest-intro"),
        ("archive/old.md", "archive", "archive.archive.old"),
        ("My Notes (v2).md", "doc", "doc.my-notes-v2"),
        ("Ops Team/Café__Menu.MD", "doc", "doc.ops-team.cafe-menu"),
        ("media/v1.2 notes.md", "doc", "doc.media.v1.2-notes"),
        ("(((.md", "doc", "doc"),
    ],
)
def test_generated_id(rel_path, doc_type, expected):
    assert generated_id(rel_path, doc_type) == expected
    assert is_valid_id(expected)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("sop.media.x", True),
        ("a", True),
        ("0-a_b.c", True),
        ("-a", False),
        ("A", False),
        ("a b", False),
        ("", False),
        (".a", False),
        ("a/b", False),
    ],
)
def test_is_valid_id(value, valid):
    assert is_valid_id(value) is valid


@pytest.mark.parametrize(
    ("rel_path", "expected"),
    [
        ("media/sops/publish.md", "sop"),
        ("templates/x.md", "template"),
        ("finance/reference/x.md", "reference"),
        ("growth/playbooks/x.md", "playbook"),
        ("prompts/x.md", "prompt"),
        ("archive/x.md", "archive"),
        ("archive/sops/x.md", "sop"),
        ("sops.md", "doc"),
        ("media/notes.md", "doc"),
    ],
)
def test_infer_doc_type(rel_path, expected):
    assert infer_doc_type(rel_path) == expected
    assert expected in DOC_TYPES


def test_domain_is_the_first_folder_or_empty_at_the_root():
    assert domain_of("media/podcast/sops/x.md") == "media"
    assert domain_of("README.md") == ""


def test_title_fallbacks():
    assert title_for({"title": "Given"}, "# Heading\n", "a/b.md") == "Given"
    assert title_for({"title": "  "}, "```\n# not this\n```\n## Two\n# Heading #\n", "x.md") == (
        "Heading"
    )
    assert title_for(None, "No heading.\n", "media/create-podcast-document.md") == (
        "Create Podcast Document"
    )


def test_split_frontmatter_parts_and_line_offset():
    split = split_frontmatter("---\ntitle: A\ndate: 2024-05-01\n---\nbody\n")
    assert split.frontmatter.raw == "---\ntitle: A\ndate: 2024-05-01\n---\n"
    assert split.frontmatter.data == {"title": "A", "date": datetime.date(2024, 5, 1)}
    assert split.body == "body\n"
    assert split.body_start_line == 5


@pytest.mark.parametrize(
    "text",
    [
        "",
        "---",
        "--- \ntitle: a\n---\n",
        "---\ntitle: a\n",
        "\n---\ntitle: a\n---\n",
        "# T\n---\nx\n---\n",
    ],
)
def test_no_frontmatter_unless_first_line_is_exactly_dashes_and_closed(text):
    split = split_frontmatter(text)
    assert split.frontmatter is None
    assert split.body == text
    assert split.body_start_line == 1


def test_crlf_and_bom_frontmatter():
    split = split_frontmatter("\ufeff---\r\ntitle: A\r\n---\r\nbody")
    assert split.frontmatter.data == {"title": "A"}
    assert split.body == "body"


def test_yaml_error_is_captured_with_its_file_line():
    split = split_frontmatter("---\ntitle: ok\nbad: x: y\n---\nbody\n")
    assert split.frontmatter.data == {}
    assert split.frontmatter.error.startswith("line 3: mapping values are not allowed")
    assert split.body == "body\n"
    assert split.body_start_line == 5


def test_non_mapping_frontmatter_is_an_error():
    split = split_frontmatter("---\n- a\n- b\n---\n")
    assert split.frontmatter.error == "line 2: frontmatter must be a YAML mapping, not a list"


def test_empty_frontmatter_is_an_empty_mapping():
    split = split_frontmatter("---\n---\nx")
    assert split.frontmatter.data == {}
    assert split.frontmatter.error is None


def test_written_values_keep_the_source_text():
    split = split_frontmatter(
        '---\nschema_version: "1"\ndoc_type:\nversion: 1.50\nsystems: [a,  b]\n---\n'
    )
    written = split.frontmatter.written
    assert written == {
        "schema_version": "1",
        "doc_type": None,
        "version": "1.50",
        "systems": "[a,  b]",
    }
    assert split.frontmatter.key_lines["version"] == 4
