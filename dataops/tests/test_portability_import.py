"""import_data: dry run writes nothing; the real import restores an exact copy, only into an
empty installation; the round trip export → validate → import → export is byte-exact."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage

from dataops.portability.entities import exported
from dataops.portability.importer import INVALID, NOT_EMPTY, import_data
from dataops.portability.validate import validate_archive
from dataops.tests.portability_archives import edit_line, export, members, rewrite, run
from dataops.tests.portability_data import fill_every_entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    fill_every_entity()
    return export(tmp_path / "out", "--include-files")


def row_counts() -> dict[str, int]:
    return {e.name: e.model._base_manager.count() for e in exported()}


def empty_the_installation() -> None:
    for entity in reversed(exported()):
        entity.model._base_manager.all().delete()
    assert not any(row_counts().values())


def entity_checksums(archive) -> dict[str, str]:
    manifest = json.loads(members(archive)["manifest.json"])
    return manifest["files"]


def test_round_trip_restores_every_entity_exactly(archive, tmp_path, settings, capsys):
    assert validate_archive(path=archive).ok
    before = row_counts()
    empty_the_installation()
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    code, out = run(capsys, "import_data", archive)
    assert code == 0, out
    assert "Import complete." in out and row_counts() == before
    again = export(tmp_path / "again", "--include-files")
    assert entity_checksums(again) == entity_checksums(archive)
    proof = next(n for n in entity_checksums(archive) if n.startswith("files/"))
    assert default_storage.exists(proof.removeprefix("files/"))


def test_new_rows_after_an_import_get_fresh_ids(archive):
    from dataops.models import User

    highest = User.objects.order_by("-pk").first().pk
    empty_the_installation()
    assert import_data(path=archive, dry_run=False).ok
    assert User.objects.create_user(username="new").pk > highest
    assert not User.objects.get(username="grace").check_password("pw-Grace-2026")


def test_with_credentials_passwords_survive(tmp_path):
    from dataops.models import User

    fill_every_entity()
    archive = export(tmp_path / "out", "--with-credentials")
    empty_the_installation()
    assert import_data(path=archive, dry_run=False).ok
    assert User.objects.get(username="grace").check_password("pw-Grace-2026")


def test_dry_run_reports_counts_and_writes_nothing(archive, capsys):
    before = row_counts()
    empty_the_installation()
    code, out = run(capsys, "import_data", archive, "--dry-run", "--json")
    report = json.loads(out)
    assert (code, report["ok"], report["problems"]) == (0, True, [])
    assert report["would_create"] == {name: n for name, n in before.items()}
    assert not any(row_counts().values())


def test_dry_run_on_a_filled_installation_lists_the_problem(archive):
    result = import_data(path=archive, dry_run=True)
    assert len(result.problems) == 1 and result.problems[0].startswith("This installation")


def test_import_into_a_filled_installation_is_refused(archive, capsys):
    before = row_counts()
    code, out = run(capsys, "import_data", archive)
    assert code == 1 and "PROBLEM This installation already has data (" in out
    assert "empty installation" in NOT_EMPTY and row_counts() == before


def test_a_group_missing_here_is_named_by_the_dry_run(archive, tmp_path):
    def unknown_group(files):
        edit_line(files, "dataops.user_groups", group=["auditors"])

    changed = rewrite(archive, tmp_path / "group.tar.gz", unknown_group, reseal=True)
    empty_the_installation()
    result = import_data(path=changed, dry_run=True)
    assert result.problems == [
        "entities/dataops.user_groups.jsonl line 1: no auth.Group ['auditors'] here"
    ]
    assert import_data(path=changed, dry_run=False).problems == result.problems
    assert not any(row_counts().values())


def test_an_invalid_archive_is_refused_before_anything_is_written(archive, tmp_path):
    def flip(files):
        name = "entities/tasks.task.jsonl"
        files[name] = files[name].replace(b'"title":"', b'"title":"X', 1)

    bad = rewrite(archive, tmp_path / "bad.tar.gz", flip, reseal=False)
    empty_the_installation()
    result = import_data(path=bad, dry_run=False)
    assert result.problems[:2] == [
        INVALID,
        "entities/tasks.task.jsonl: sha256 does not match the manifest",
    ]
    assert not any(row_counts().values())
