"""validate_export: a good archive passes; each kind of bad input is refused and named."""

from __future__ import annotations

import json
import tarfile

import pytest

from dataops.portability.validate import validate_archive
from dataops.tests.portability_archives import edit_line, export, rewrite, run, write
from dataops.tests.portability_data import fill_every_entity

pytestmark = pytest.mark.django_db
TASKS = "entities/tasks.task.jsonl"


@pytest.fixture
def archive(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    fill_every_entity()
    return export(tmp_path / "out", "--include-files")


def problems(path) -> list[str]:
    return validate_archive(path=path).problems


def test_a_fresh_export_is_valid(archive, capsys):
    code, out = run(capsys, "validate_export", archive, "--json")
    report = json.loads(out)
    assert (code, report["ok"], report["problems"]) == (0, True, [])
    assert report["counts"]["tasks.task"] > 0
    code, out = run(capsys, "validate_export", archive)
    assert code == 0 and "OK: the archive is complete and intact." in out


def test_a_truncated_archive_is_refused(archive, tmp_path, capsys):
    cut = tmp_path / "cut.tar.gz"
    data = archive.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    code, out = run(capsys, "validate_export", cut)
    assert code == 1 and "not a readable .tar.gz archive" in out


def test_a_changed_byte_fails_the_checksum_of_that_file(archive, tmp_path, capsys):
    def flip(files):
        files[TASKS] = files[TASKS].replace(b'"title":"', b'"title":"X', 1)

    code, out = run(
        capsys, "validate_export", rewrite(archive, tmp_path / "bad.tar.gz", flip, reseal=False)
    )
    assert code == 1 and f"PROBLEM {TASKS}: sha256 does not match the manifest" in out


def test_a_newer_format_version_is_refused(archive, tmp_path):
    def newer(files):
        manifest = json.loads(files["manifest.json"])
        files["manifest.json"] = json.dumps({**manifest, "format_version": 99}).encode()

    found = problems(rewrite(archive, tmp_path / "new.tar.gz", newer, reseal=False))
    assert found == [
        "manifest.json: format version 99 was written by a newer DataOps; "
        "this installation reads format 1 and older"
    ]


def test_wrong_types_are_named_by_file_line_and_field(archive, tmp_path):
    def wrong(files):
        edit_line(files, "tasks.task", title=5, due_date="soon", id="7")
        files["entities/tasks.closureday.jsonl"] = b"{not json\n"

    found = problems(rewrite(archive, tmp_path / "types.tar.gz", wrong, reseal=True))
    assert f"{TASKS} line 1: id must be an integer" in found
    assert f"{TASKS} line 1: title must be a string" in found
    assert f"{TASKS} line 1: due_date: 'soon' is not a valid DateField" in found
    assert "entities/tasks.closureday.jsonl line 1: not a JSON line" in found


def test_missing_fields_are_reported(archive, tmp_path):
    def drop(files):
        files[TASKS] = files[TASKS].replace(b'"title":', b'"name":', 1)

    found = problems(rewrite(archive, tmp_path / "keys.tar.gz", drop, reseal=True))
    assert found == [
        f"{TASKS} line 1: missing fields: title",
        f"{TASKS} line 1: unknown fields: name",
    ]


def test_references_to_missing_rows_are_reported(archive, tmp_path):
    def orphan(files):
        files["entities/tasks.workflow.jsonl"] = b""

    found = problems(rewrite(archive, tmp_path / "refs.tar.gz", orphan, reseal=True))
    assert any(p.startswith(f"{TASKS}: workflow_id refers to 1 tasks.workflow row") for p in found)


def test_a_proof_file_missing_from_an_export_with_files_is_reported(archive, tmp_path):
    def drop(files):
        (name,) = [n for n in files if n.startswith("files/")]
        del files[name]

    found = problems(rewrite(archive, tmp_path / "nofile.tar.gz", drop, reseal=True))
    assert len(found) == 1
    assert found[0].startswith("entities/tasks.prooffile.jsonl file: proof/")
    assert found[0].endswith(" is not in the archive's files/")


def test_secret_looking_values_are_refused(archive, tmp_path):
    def leak(files):
        edit_line(files, "tasks.task", description="see https://x.org/f?X-Amz-Signature=abc123")

    found = problems(rewrite(archive, tmp_path / "leak.tar.gz", leak, reseal=True))
    assert found == [
        f"{TASKS} line 1: description holds a secret-looking value (token, key, signed URL)"
    ]


def test_an_oversized_member_is_refused_by_its_header(archive, settings):
    settings.PORTABILITY_MAX_MEMBER_BYTES = 300
    found = problems(archive)
    assert any("bytes is over the limit of 300 bytes" in p for p in found)


@pytest.mark.parametrize(
    "name, kind",
    [
        ("../escape.txt", tarfile.REGTYPE),
        ("/tmp/absolute.txt", tarfile.REGTYPE),
        ("files/link", tarfile.SYMTYPE),
        ("files/hard", tarfile.LNKTYPE),
    ],
)
def test_unsafe_members_are_refused_and_never_extracted(tmp_path, name, kind):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = 0 if kind != tarfile.REGTYPE else 5
    info.linkname = "../../etc/passwd" if kind != tarfile.REGTYPE else ""
    path = write(tmp_path / "evil.tar.gz", {}, extra=[info])
    found = problems(path)
    assert found[0].startswith(f"{name}: ") and ("refused" in found[0])
    assert not (tmp_path.parent / "escape.txt").exists()
