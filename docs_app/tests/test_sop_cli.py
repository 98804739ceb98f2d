"""`sop_parse`, `sop_lint`, `sop_normalize`: output format and exit codes."""

import io
import json
import os

import pytest

from docs_app.sop.cli import NOT_LINTED, run_lint, run_normalize, run_parse
from docs_app.tests.test_sop_normalize import LEGACY, MARKED
from docs_app.tests.test_sop_samples import SKELETON, marked_sop, step


def run(function, *args, **kwargs):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = function(*args, stdout=stdout, stderr=stderr, **kwargs)
    return code, stdout.getvalue(), stderr.getvalue()


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def test_parse_prints_the_tree_as_json(tmp_path):
    path = write(tmp_path, "a.md", SKELETON)
    code, out, err = run(run_parse, path)
    assert (code, err) == (0, "")
    tree = json.loads(out)
    assert tree["frontmatter"]["doc_type"] == "sop"
    assert tree["frontmatter_error"] is None
    assert [s["name"] for s in tree["sections"]][:3] == ["summary", "prerequisites", "procedure"]
    procedure = tree["procedure"]
    assert procedure["shape"] == "grouped"
    [only] = procedure["groups"][0]["steps"]
    assert only["id"] == "1"
    assert only["number"] == 1
    assert only["attrs"] == {"systems": "youtube", "action": "upload"}
    assert only["screenshots"] == [
        {
            "alt": "Upload dialog",
            "src": "../images/upload.png",
            "caption": "The upload dialog.",
            "line": only["line"] + 2,
        }
    ]
    assert procedure["steps"] == []


def test_parse_shapes_and_dates(tmp_path):
    flat = marked_sop(step(1)).replace("title:", "date: 2024-05-01\ntitle:")
    code, out, _ = run(run_parse, write(tmp_path, "flat.md", flat))
    tree = json.loads(out)
    assert (code, tree["procedure"]["shape"], tree["frontmatter"]["date"]) == (
        0,
        "flat",
        "2024-05-01",
    )
    code, out, _ = run(run_parse, write(tmp_path, "plain.md", "# Just a note\n"))
    assert json.loads(out)["procedure"] is None
    assert json.loads(out)["frontmatter"] is None


def test_parse_error_goes_to_stderr_with_exit_1(tmp_path):
    path = write(tmp_path, "bad.md", "<!-- sop-section-start: procedure -->\n")
    code, out, err = run(run_parse, path)
    assert (code, out) == (1, "")
    assert err == f"{path}: parse error: line 1: unclosed <!-- sop-section-start: procedure -->\n"


@pytest.mark.parametrize("content", [None, b"\xff\xfe not utf-8"])
def test_parse_unreadable_exits_2(tmp_path, content):
    path = tmp_path / "x.md"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(run_parse, str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"{path}: cannot read: ")
    assert ("not valid UTF-8" in err) == (content is not None)


def test_lint_clean_file_exits_0_silently(tmp_path):
    assert run(run_lint, [write(tmp_path, "ok.md", SKELETON)]) == (0, "", "")


def test_lint_prints_path_and_message_and_exits_1(tmp_path):
    path = write(tmp_path, "bad.md", marked_sop(step(1, number=3), omit=("summary",)))
    code, out, err = run(run_lint, [path])
    assert code == 1
    assert out == (
        f"{path}: missing required section: summary\n"
        f"{path}: step id=1: rendered number 3 does not match id\n"
    )
    assert err == ""


def test_strict_lint_of_a_directory_is_every_md_file_sorted_leaving_out_git(tmp_path):
    write(tmp_path, "b.md", "# no frontmatter\n")
    write(tmp_path, "a/z.md", "# no frontmatter\n")
    write(tmp_path, "a/ok.md", SKELETON)
    write(tmp_path, ".git/x.md", "# git's own folder\n")
    write(tmp_path, ".github/y.md", "# a hidden folder git tracks\n")
    write(tmp_path, "notes.txt", "ignored")
    code, out, err = run(run_lint, [str(tmp_path)], strict=True)
    assert (code, err) == (1, "")
    assert out == (
        f"{os.path.join(tmp_path, '.github', 'y.md')}: missing frontmatter\n"
        f"{os.path.join(tmp_path, 'a', 'z.md')}: missing frontmatter\n"
        f"{os.path.join(tmp_path, 'b.md')}: missing frontmatter\n"
    )


def test_lint_checks_sops_only_and_counts_the_other_docs(tmp_path):
    write(tmp_path, "README.md", "# Team docs\n\nNo frontmatter, not a procedure.\n")
    write(tmp_path, "finance/reference/rates.md", "---\ntitle: Rates\n---\n# Rates\n")
    write(tmp_path, "finance/notes.md", "---\ntitle: Notes\ndoc_type: doc\n---\n")
    write(tmp_path, "ops/sops/restart.md", "# Restart (an SOP by its folder)\n")
    write(tmp_path, "ops/checklist.md", "---\ndoc_type: checklist\n---\n")
    write(tmp_path, "ops/marked.md", "---\ntitle: Marked\nschema_version: 2\n---\n")
    write(tmp_path, "ok.md", SKELETON)
    code, out, err = run(run_lint, [str(tmp_path)])
    assert code == 1
    assert out == (
        f"{tmp_path}/ops/checklist.md: frontmatter is missing `title`\n"
        f"{tmp_path}/ops/marked.md: doc_type must be 'sop' or 'checklist' (got None)\n"
        f"{tmp_path}/ops/marked.md: unsupported schema_version: 2\n"
        f"{tmp_path}/ops/sops/restart.md: missing frontmatter\n"
    )
    assert err == NOT_LINTED.format(count=3)
    assert "Use --strict to lint every file." in err


def test_lint_of_docs_that_are_not_sops_is_clean_and_says_so(tmp_path):
    readme = write(tmp_path, "README.md", "# Team docs\n")
    assert run(run_lint, [readme]) == (0, "", NOT_LINTED.format(count=1))
    code, out, _ = run(run_lint, [readme], strict=True)
    assert (code, out) == (1, f"{readme}: missing frontmatter\n")


def test_a_yaml_error_is_reported_whatever_the_doc_type(tmp_path):
    broken = write(tmp_path, "notes.md", "---\ntitle: [unclosed\n---\n")
    code, out, err = run(run_lint, [broken])
    assert code == 1 and out.startswith(f"{broken}: frontmatter error: line ")
    assert err == ""


def test_symlinks_are_refused_never_followed(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "secret.md", "# Outside\n")
    write(outside, "sops/linked.md", "# An SOP without frontmatter, reached by a link\n")
    docs = tmp_path / "docs"
    real = write(docs, "sops/real.md", "# An SOP without frontmatter\n")
    os.symlink(outside / "secret.md", docs / "sops" / "link.md")
    os.symlink(outside / "sops", docs / "linked-folder")
    code, out, err = run(run_lint, [str(docs)])
    assert code == 2
    assert out == f"{real}: missing frontmatter\n"
    assert err == (
        f"{docs}/sops/link.md: cannot read: symlink to {outside}/secret.md, not followed\n"
    )
    code, _, err = run(run_lint, [str(docs / "sops" / "link.md")])
    assert code == 2 and "not followed" in err


def test_lint_reports_yaml_errors_and_unreadable_paths(tmp_path):
    broken = write(tmp_path, "broken.md", "---\ntitle: a: b\n---\n")
    missing = str(tmp_path / "missing.md")
    code, out, err = run(run_lint, [broken, missing])
    assert code == 2
    # The wording after "not allowed" differs between libyaml and pure-Python PyYAML.
    assert out.startswith(f"{broken}: frontmatter error: line 2: mapping values are not allowed")
    assert out.count("\n") == 1
    assert err.startswith(f"{missing}: cannot read: ")


def test_normalize_rewrites_in_place_and_reports(tmp_path):
    legacy = write(tmp_path, "legacy.md", LEGACY)
    done = write(tmp_path, "done.md", MARKED)
    code, out, err = run(run_normalize, [legacy, done])
    assert (code, out, err) == (0, f"normalized {legacy}\n", "")
    with open(legacy, "rb") as stream:
        assert stream.read().decode() == MARKED


def test_normalize_keeps_crlf_bytes(tmp_path):
    legacy = write(tmp_path, "legacy.md", LEGACY.replace("\n", "\r\n"))
    run(run_normalize, [legacy])
    with open(legacy, "rb") as stream:
        assert stream.read() == MARKED.replace("\n", "\r\n").encode()


def test_normalize_check_changes_nothing_and_exits_1(tmp_path):
    legacy = write(tmp_path, "legacy.md", LEGACY)
    code, out, _ = run(run_normalize, [legacy], check=True)
    assert (code, out) == (1, f"would normalize {legacy}\n")
    with open(legacy, encoding="utf-8", newline="") as stream:
        assert stream.read() == LEGACY
    assert run(run_normalize, [write(tmp_path, "done.md", MARKED)], check=True) == (0, "", "")


def test_normalize_unreadable_exits_2(tmp_path):
    code, _, err = run(run_normalize, [str(tmp_path / "nope.md")])
    assert code == 2
    assert "cannot read" in err


def test_django_commands_wrap_the_cli(tmp_path):
    pytest.importorskip("django")
    from django.conf import settings

    if not settings.configured:
        pytest.skip("Django settings are not configured in this run")
    from django.core.management import call_command

    from docs_app.management.commands import sop_lint, sop_normalize, sop_parse

    stdout = io.StringIO()
    call_command(sop_parse.Command(), write(tmp_path, "ok.md", SKELETON), stdout=stdout)
    assert json.loads(stdout.getvalue())["procedure"]["shape"] == "grouped"
    bad = write(tmp_path, "bad.md", "# none\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(sop_lint.Command(), bad, stdout=stdout, stderr=stderr)
    assert (stdout.getvalue(), stderr.getvalue()) == ("", NOT_LINTED.format(count=1))
    with pytest.raises(SystemExit) as exited:
        call_command(sop_lint.Command(), "--strict", bad, stdout=stdout)
    assert (exited.value.code, stdout.getvalue()) == (1, f"{bad}: missing frontmatter\n")
    legacy = write(tmp_path, "legacy.md", LEGACY)
    stdout = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(sop_normalize.Command(), legacy, "--check", stdout=stdout)
    assert (exited.value.code, stdout.getvalue()) == (1, f"would normalize {legacy}\n")
