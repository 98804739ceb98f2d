"""Registry records and their findings: what one file shows on its own, and what the corpus
shows across files (references re-resolved when identities move, duplicate ids)."""

import math
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from docs_app import records
from docs_app.models import Document, DocumentLink, Finding
from docs_app.records import Source, json_safe, read_record
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import MARKED_SOP, GitRemote, IndexCalls, point_docs_at

LIMIT = 1024 * 1024


def record_of(path: str, text: str | bytes, **extra):
    data = text.encode() if isinstance(text, str) else text
    return read_record(Source(path, data, "f" * 40, len(data), **extra), max_bytes=LIMIT)


def codes(record) -> list[str]:
    return [problem.code for problem in record.problems]


# --- one file -------------------------------------------------------------------------------


def test_yaml_error_is_a_blocking_registry_finding_and_the_doc_still_loads():
    record = record_of("finance/sops/pay.md", "---\ntitle: [oops\n---\n\n# Pay the bills\n")
    problem = next(p for p in record.problems if p.code == "yaml-error")
    assert (problem.severity, problem.category, problem.line) == ("blocking", "registry", 3)
    assert problem.message.startswith("Frontmatter is not valid YAML: line 3:")
    assert (record.title, record.doc_id, record.doc_type, record.domain) == (
        "Pay the bills",
        "sop.finance.pay",
        "sop",
        "finance",
    )
    assert record.lint_status == "error"


def test_invalid_id_falls_back_to_the_generated_one():
    record = record_of("finance/reference/invoices.md", "---\nid: Bad Id!\ntitle: I\n---\n")
    assert (record.doc_id, record.id_is_generated) == ("reference.finance.invoices", True)
    problem = next(p for p in record.problems if p.code == "invalid-id")
    assert problem.message == "invalid id 'Bad Id!'" and problem.severity == "blocking"
    assert "reference.finance.invoices" in problem.next_action


def test_unsupported_doc_type_is_a_warning_and_the_path_decides_the_type():
    record = record_of("events/templates/x.md", "---\ndoc_type: poster\ntitle: X\n---\n")
    assert record.doc_type == "template" and record.doc_id == "template.events.x"
    assert [p.message for p in record.problems if p.code == "unsupported-doc-type"] == [
        "unsupported doc_type 'poster'"
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"abc\x00def", "binary file (contains NUL bytes)"),
        ("café".encode("latin-1"), "not UTF-8 text (invalid byte at offset 3)"),
    ],
)
def test_unreadable_files_are_kept_as_skipped_docs(data, reason):
    record = record_of("notes/odd.md", data)
    assert record.skipped_reason == reason and record.lint_status == "error"
    assert record.title == "Odd" and codes(record) == ["skipped"]
    assert record.problems[0].severity == "warning"


def test_files_over_the_size_limit_are_not_read():
    record = read_record(Source("big.md", None, "a" * 40, LIMIT + 1), max_bytes=LIMIT)
    assert record.skipped_reason == "larger than the 1.0 MB limit (1,048,577 bytes)"
    assert codes(record) == ["skipped"]


def test_symlinks_are_never_followed():
    outside = read_record(
        Source("a/link.md", None, symlink_target="../../etc/passwd"), max_bytes=LIMIT
    )
    absolute = read_record(Source("link.md", None, symlink_target="/etc/passwd"), max_bytes=LIMIT)
    inside = read_record(Source("a/link.md", None, symlink_target="../README.md"), max_bytes=LIMIT)
    assert (
        outside.skipped_reason
        == absolute.skipped_reason
        == "symlink pointing outside the repository"
    )
    assert codes(outside) == ["symlink-outside"] and outside.problems[0].severity == "warning"
    assert inside.skipped_reason == "symlink to README.md" and codes(inside) == ["symlink"]


def test_a_crash_while_reading_becomes_a_skipped_record(monkeypatch):
    def explode(text):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(records, "split_frontmatter", explode)
    record = record_of("x.md", "# X\n")
    assert record.skipped_reason == "could not be read (RuntimeError)"
    assert codes(record) == ["skipped"]


def test_placeholders_outside_code_are_info_findings():
    text = (
        "---\ntitle: T\nsummary: TODO in frontmatter is not body text\n---\n\n"
        "TODO: finish this\n\n```\nTODO inside a fence\n```\n\nUse `TODO` in code.\n"
        "Price: TBD.\nA todo in lowercase is fine; so is TODOS.\n"
    )
    record = record_of("doc.md", text)
    found = [(p.line, p.message) for p in record.problems if p.code == "placeholder"]
    assert found == [
        (6, "Placeholder TODO: TODO: finish this"),
        (13, "Placeholder TBD: Price: TBD."),
    ]
    assert {p.severity for p in record.problems if p.code == "placeholder"} == {"info"}


def test_marked_sop_findings_lint_todo_and_empty_validation():
    record = record_of("sops/marked.md", MARKED_SOP)
    assert record.is_marked_sop and record.lint_status == "clean"
    todo = next(p for p in record.problems if p.code == "sop-todo")
    assert todo.message == "Open TODO: 'record a video of this'" and todo.severity == "info"
    validation = next(p for p in record.problems if p.code == "empty-validation")
    assert validation.severity == "warning" and validation.category == "missing-validation"
    assert MARKED_SOP.splitlines()[validation.line - 1].startswith(
        "<!-- sop-section-start: validation"
    )

    broken = record_of("sops/marked.md", MARKED_SOP.replace('action="click"', 'action="poke"'))
    lint = [p for p in broken.problems if p.category == "lint"]
    assert [p.code for p in lint] == ["L11"] and lint[0].severity == "blocking"
    assert lint[0].message.startswith("step id=1: action 'poke' not in [")
    assert broken.lint_messages[0]["rule"] == "L11"


def test_lint_on_legacy_sops_is_a_warning():
    record = record_of("events/sops/legacy.md", "---\ndoc_type: sop\n---\n\n## Procedure\n")
    assert not record.is_marked_sop
    assert [(p.code, p.severity, p.message) for p in record.problems if p.category == "lint"] == [
        ("L03", "warning", "frontmatter is missing `title`")
    ]


def test_missing_metadata_is_info_and_sops_want_an_owner():
    bare = record_of("notes/plain.md", "Just text.\n")
    assert codes(bare) == ["no-frontmatter"] and bare.problems[0].severity == "info"
    sop = record_of("x/sops/y.md", "---\ntitle: Y\ndoc_type: sop\n---\n")
    assert {"no-summary", "no-owner"} <= set(codes(sop))
    titled = record_of("ref.md", "---\nsummary: s\n---\nno heading\n")
    assert titled.title == "Ref" and "no-title" in codes(titled)


def test_labels_related_docs_and_frontmatter_are_stored_as_plain_values():
    text = (
        '---\ntitle: T\ntags: "podcast, guests , podcast"\nsystems: [slack, 3]\n'
        'related_docs: [a.md, "[[b|B]]", doc:c]\ndate: 2024-02-01\n---\n'
        "See [[d#part]] and ![shot](img/s.png).\n"
    )
    record = record_of("m/x.md", text)
    assert record.labels == [
        ("tag", "podcast"),
        ("tag", "guests"),
        ("system", "slack"),
        ("system", "3"),
    ]
    assert record.related_docs == ["a.md", "[[b|B]]", "doc:c"]
    assert record.frontmatter["date"] == "2024-02-01"
    assert [(r.kind, r.target, r.anchor, r.line) for r in record.refs] == [
        ("wiki", "d", "part", 8),
        ("image", "img/s.png", "", 8),
        ("related", "a.md", "", 5),
        ("related", "[[b|B]]", "", 5),
        ("related", "doc:c", "", 5),
    ]


def test_json_safe_turns_yaml_values_into_json():
    assert json_safe({1: date(2024, 1, 2), "x": {float("nan")}, "y": math.inf}) == {
        "1": "2024-01-02",
        "x": ["nan"],
        "y": "inf",
    }


# --- across the corpus ----------------------------------------------------------------------

A = (
    "---\ntitle: A\nrelated_docs: [target.doc]\n---\n\nSee [b](b.md), [[target.doc]] and "
    "[by path](doc:b.md).\n\n![diagram](img/diagram.png)\n"
)
B = "---\nid: target.doc\ntitle: B\n---\n\n# B\n"


@pytest.fixture
def corpus(settings, tmp_path, monkeypatch):
    IndexCalls().install(monkeypatch)
    remote = GitRemote.create(tmp_path / "origin", {"a.md": A, "b.md": B, "c.md": "# C\n"})
    point_docs_at(settings, remote.url, tmp_path)
    docs_sync()
    return remote


def broken_links_of(path: str) -> list[tuple[str, str]]:
    return list(
        DocumentLink.objects.filter(source__path=path, resolved_path="").values_list(
            "kind", "target"
        )
    )


def findings_of(path: str, category: str) -> list[str]:
    return list(Finding.objects.filter(path=path, category=category).values_list("code", flat=True))


@pytest.mark.django_db
def test_deleting_a_doc_breaks_links_to_it_elsewhere_and_re_adding_fixes_them(corpus):
    assert broken_links_of("a.md") == [("image", "img/diagram.png")]
    corpus.remove("b.md")
    corpus.commit("Drop b")
    result = docs_sync()
    assert result.counts["relinked"] == 1 and result.counts["registered"] == 0
    assert sorted(broken_links_of("a.md")) == sorted(
        [
            ("link", "b.md"),
            ("wiki", "target.doc"),
            ("doc", "b.md"),
            ("related", "target.doc"),
            ("image", "img/diagram.png"),
        ]
    )
    assert sorted(findings_of("a.md", "broken-doc-reference")) == sorted(
        ["reference-not-found", "reference-not-found", "reference-not-found", "related-not-found"]
    )
    wiki = Finding.objects.get(path="a.md", message="Document reference not found: target.doc")
    assert wiki.next_action == "Fix the link on line 6 or create the doc `target.doc`."

    corpus.write("b.md", B)
    corpus.commit("Bring b back")
    docs_sync()
    assert broken_links_of("a.md") == [("image", "img/diagram.png")]
    assert findings_of("a.md", "broken-doc-reference") == []


@pytest.mark.django_db
def test_changing_an_id_breaks_references_by_id_until_an_alias_keeps_it(corpus):
    corpus.write("b.md", B.replace("id: target.doc", "id: renamed.doc"))
    corpus.commit("New id")
    docs_sync()
    assert sorted(broken_links_of("a.md")) == [
        ("image", "img/diagram.png"),
        ("related", "target.doc"),
        ("wiki", "target.doc"),
    ]
    corpus.write("b.md", B.replace("id: target.doc", "id: renamed.doc\naliases: [target.doc]"))
    corpus.commit("Keep the old id as an alias")
    docs_sync()
    assert broken_links_of("a.md") == [("image", "img/diagram.png")]


@pytest.mark.django_db
def test_adding_a_missing_image_fixes_the_finding_of_an_unchanged_doc(corpus):
    assert findings_of("a.md", "broken-asset-reference") == ["missing-image"]
    finding = Finding.objects.get(path="a.md", category="broken-asset-reference")
    assert finding.message == "Image not found: img/diagram.png (looked for img/diagram.png)"
    assert finding.severity == "warning" and finding.line == 8
    corpus.write("img/diagram.png", b"\x89PNG")
    corpus.commit("Add the diagram")
    result = docs_sync()
    assert result.counts["registered"] == 0 and result.counts["relinked"] == 1
    assert findings_of("a.md", "broken-asset-reference") == []
    assert DocumentLink.objects.get(kind="image").resolved_path == "img/diagram.png"


@pytest.mark.django_db
def test_a_duplicate_id_is_a_finding_on_both_docs_until_one_changes(corpus):
    corpus.write("d.md", B.replace("title: B", "title: D"))
    corpus.commit("Copy b")
    docs_sync()
    message = "duplicate id 'target.doc': b.md and d.md"
    assert set(Finding.objects.filter(code="duplicate-id").values_list("path", "message")) == {
        ("b.md", message),
        ("d.md", message),
    }
    assert Finding.objects.filter(code="duplicate-id", severity="blocking").count() == 2
    assert ("wiki", "target.doc") in broken_links_of("a.md")  # ambiguous now
    assert Finding.objects.filter(path="a.md", code="ambiguous-reference").exists()

    corpus.write("d.md", B.replace("id: target.doc", "id: other.doc"))
    corpus.commit("Give d its own id")
    docs_sync()
    assert not Finding.objects.filter(code__in=["duplicate-id", "ambiguous-reference"]).exists()


@pytest.mark.django_db
def test_editing_text_only_touches_that_docs_links(corpus):
    corpus.write("c.md", "# C\n\nNow links to [a](a.md) and [nowhere](zzz.md).\n")
    corpus.commit("Edit c")
    result = docs_sync()
    assert result.counts["relinked"] == 0 and result.counts["registered"] == 1
    assert broken_links_of("c.md") == [("link", "zzz.md")]
    assert Document.objects.get(path="c.md").last_commit_message == "Edit c"


def _one_change_queries(remote, n: int) -> int:
    remote.write(f"c{n}.md", f"# C {n}\n\nEdited [a](a.md).\n")
    remote.commit()
    with CaptureQueriesContext(connection) as ctx:
        docs_sync()
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_an_incremental_sync_costs_the_same_queries_whatever_the_corpus_size(corpus):
    for n in range(3):
        corpus.write(f"c{n}.md", f"# C {n}\n")
    corpus.commit()
    docs_sync()
    small = _one_change_queries(corpus, 0)
    for n in range(3, 60):
        corpus.write(f"c{n}.md", f"# C {n}\n\nSee [[target.doc]].\n")
    corpus.commit()
    docs_sync()
    assert _one_change_queries(corpus, 1) == small


def test_nul_characters_from_yaml_escapes_are_dropped():
    record = record_of("x.md", '---\ntitle: "a\\0b"\ntags: ["t\\0"]\nk: {"\\0": "\\0v"}\n---\n')
    assert record.title == "ab" and record.labels == [("tag", "t")]
    assert record.frontmatter["k"] == {"": "v"}


def test_a_yaml_alias_bomb_is_refused_without_expanding_it():
    layers = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    layers += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    record = record_of("bomb.md", "---\ntitle: Bomb\n" + "\n".join(layers) + "\n---\n")
    assert record.frontmatter == {} and record.title == "Bomb"
    assert "frontmatter-too-big" in codes(record)
