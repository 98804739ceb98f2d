"""Reference extraction and resolution, and registry problem messages (SOP-FORMAT §4, §7)."""

import pytest

from docs_app.sop import DocIndex, extract_refs, resolve
from docs_app.sop.refs import (
    DOC_LINK,
    IMAGE_SRC,
    MD_LINK,
    WIKI,
    duplicate_alias_message,
    duplicate_id_message,
    invalid_id_message,
    reference_target,
    related_doc_not_found_message,
    resolve_asset,
    unsupported_doc_type_message,
)

BODY = """# Title

See [[sop.media.publish]] and [[finance/invoices|the invoices]].
Read [the guide](doc:reference.style#tone) or [setup](../setup.md#install).
Also [root](/ops/index.md), [site](https://example.com/x.md), [mail](mailto:a@b.c),
[anchor](#local), [plain](notes.txt) and ![Shot](../../images/a%20b.png "title").
Remote ![logo](https://cdn.example.com/logo.png) is ignored.
Inline `[[not.a.ref]]` and ``[x](y.md)`` are code.

```markdown
[[inside.fence]] ![x](fenced.png)
```
    [[indented.step.ref]]
"""


def test_extract_refs_kinds_targets_and_lines():
    found = [(r.kind, r.target, r.label, r.anchor, r.line) for r in extract_refs(BODY, 10)]
    assert found == [
        (WIKI, "sop.media.publish", None, None, 12),
        (WIKI, "finance/invoices", "the invoices", None, 12),
        (DOC_LINK, "reference.style", "the guide", "tone", 13),
        (MD_LINK, "../setup.md", "setup", "install", 13),
        (MD_LINK, "/ops/index.md", "root", None, 14),
        (IMAGE_SRC, "../../images/a b.png", "Shot", None, 15),
        (WIKI, "indented.step.ref", None, None, 22),
    ]


def test_reference_written_form_keeps_the_anchor():
    [reference] = extract_refs("[[a.b#part]]")
    assert (reference.target, reference.anchor, reference.written) == ("a.b", "part", "a.b#part")


ROWS = [
    (
        "media/sops/publish.md",
        "sop.media.publish",
        ["sop.media.old-publish", "media/old/publish.md"],
    ),
    ("media/sops/checklist.md", "sop.media.checklist", []),
    ("finance/reference/invoices.md", "reference.finance.invoices", ["shared"]),
    ("finance/sops/pay.md", "sop.finance.pay", ["shared"]),
    ("index.md", "doc.index", []),
    ("media/index.md", "doc.media.index", []),
]
INDEX = DocIndex.from_rows(ROWS)


@pytest.mark.parametrize(
    ("ref", "from_path", "expected"),
    [
        ("sop.media.publish", "x.md", "media/sops/publish.md"),
        ("sop.media.old-publish", "x.md", "media/sops/publish.md"),
        ("media/old/publish.md", "x.md", "media/sops/publish.md"),
        ("content/media/old/publish.md", "x.md", "media/sops/publish.md"),
        ("content/media/sops/checklist.md", "finance/sops/pay.md", "media/sops/checklist.md"),
        ("media/sops/checklist.md", "finance/sops/pay.md", "media/sops/checklist.md"),
        ("/media/sops/checklist.md", "finance/sops/pay.md", "media/sops/checklist.md"),
        ("checklist.md", "media/sops/publish.md", "media/sops/checklist.md"),
        ("../../finance/sops/pay.md#step-2", "media/sops/publish.md", "finance/sops/pay.md"),
        ("./publish.md", "media/sops/checklist.md", "media/sops/publish.md"),
        ("finance/reference/invoices", "x.md", "finance/reference/invoices.md"),
        ("index.md", "media/sops/publish.md", "index.md"),
        ("index.md", "media/other.md", "media/index.md"),
    ],
)
def test_resolve_finds_the_document(ref, from_path, expected):
    resolution = resolve(ref, from_path, INDEX)
    assert (resolution.path, resolution.problem) == (expected, None)


def test_resolve_refuses_paths_that_escape_the_content_root():
    resolution = resolve("../../../index.md", "media/sops/publish.md", INDEX)
    assert resolution.path is None
    assert resolution.problem == "Document reference not found: ../../../index.md"
    assert resolve("/../index.md", "x.md", INDEX).path is None


def test_resolve_not_found_message():
    assert resolve("sop.nope", "x.md", INDEX).problem == "Document reference not found: sop.nope"


def test_resolve_ambiguous_alias_lists_sorted_ids():
    resolution = resolve("shared", "x.md", INDEX)
    assert resolution.path is None
    assert resolution.problem == (
        "Document reference is ambiguous: shared (reference.finance.invoices, sop.finance.pay)"
    )


def test_index_from_mappings_matches_rows():
    index = DocIndex.from_mappings(
        {"a.one": "a/one.md", "a.two": "a/two.md"},
        {"old": ["a/one.md"]},
        ["a/one.md", "a/two.md"],
    )
    assert resolve("old", "x.md", index).path == "a/one.md"
    assert resolve("two.md", "a/one.md", index).path == "a/two.md"


def test_registry_problem_messages():
    assert duplicate_id_message("sop.x", "a.md", "b.md") == "duplicate id 'sop.x': a.md and b.md"
    assert duplicate_alias_message("old", "a.md", "b.md") == "duplicate alias 'old': a.md and b.md"
    assert invalid_id_message("Bad Id") == "invalid id 'Bad Id'"
    assert unsupported_doc_type_message("guide") == "unsupported doc_type 'guide'"
    assert related_doc_not_found_message("x.md") == "related_docs reference not found: 'x.md'"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[[sop.a|Label]]", "sop.a"),
        ("[[ sop.a ]]", "sop.a"),
        ("doc:sop.b", "sop.b"),
        (" ../x.md ", "../x.md"),
    ],
)
def test_reference_target_unwraps_reference_forms(value, expected):
    assert reference_target(value) == expected


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("../../images/a%20b.png", "images/a b.png"),
        ("shot.png?raw=1", "media/sops/shot.png"),
        ("/images/x.png", "images/x.png"),
        ("../../../etc/passwd", None),
        ("/../secret.png", None),
        ("https://cdn.example.com/x.png", None),
        ("data:image/png;base64,AAAA", None),
    ],
)
def test_resolve_asset_stays_inside_the_content_root(src, expected):
    assert resolve_asset(src, "media/sops/publish.md") == expected
