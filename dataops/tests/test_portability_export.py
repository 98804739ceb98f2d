"""export_data: every model is declared, the archive is complete and reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.apps import apps

from dataops.portability.entities import declarations, exported
from dataops.tests.portability_archives import export as export_to
from dataops.tests.portability_archives import members
from dataops.tests.portability_data import fill_every_entity

pytestmark = pytest.mark.django_db


def export(tmp_path: Path, *args: str) -> Path:
    return export_to(tmp_path / "out", *args)


def test_every_installed_model_is_exported_or_declared_derived():
    entities, derived = declarations()
    declared = [e.model for e in entities] + [d.model for d in derived]
    assert len(declared) == len(set(declared)), "a model is declared twice"
    models = apps.get_models(include_auto_created=True)
    missing = sorted(m._meta.label for m in models if m not in declared)
    assert not missing, f"declare these in their app's exports.py: {missing}"


def test_every_reference_of_an_exported_entity_points_at_an_exported_entity():
    names = {e.model for e in exported()}
    for entity in exported():
        for field in entity.references():
            assert field.related_model in names, f"{entity.name}.{field.name}"


def test_parents_come_before_children():
    order = [e.name for e in exported()]
    assert order.index("tasks.workflow") < order.index("tasks.task")
    assert order.index("dataops.user") < order.index("tasks.workflow")


def test_the_archive_has_a_manifest_and_one_file_per_entity(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    fill_every_entity()
    archive = export(tmp_path, "--include-files")
    files = members(archive)
    manifest = json.loads(files["manifest.json"])
    assert manifest["format_version"] == 1
    assert manifest["migrations"]["tasks"]
    counts = {e["name"]: e["rows"] for e in manifest["entities"]}
    assert set(counts) == {e.name for e in exported()}
    assert all(counts.values()), f"no rows: {[n for n, c in counts.items() if not c]}"
    proof = [name for name in files if name.startswith("files/proof/")]
    assert len(proof) == 1 and set(manifest["files"]) == set(files) - {"manifest.json"}
    task = json.loads(files["entities/tasks.task.jsonl"].splitlines()[0])
    assert isinstance(task["due_date"], str) and "workflow_id" in task


def test_password_hashes_only_with_credentials(tmp_path):
    fill_every_entity()
    plain = members(export(tmp_path))["entities/dataops.user.jsonl"]
    assert b'"password"' not in plain
    with_credentials = members(export(tmp_path, "--with-credentials"))
    assert b'"password":"md5$' in with_credentials["entities/dataops.user.jsonl"]


def test_two_exports_of_the_same_data_differ_only_in_created_at(tmp_path):
    fill_every_entity()
    first, second = members(export(tmp_path)), members(export(tmp_path / "again"))
    manifests = [json.loads(files.pop("manifest.json")) for files in (first, second)]
    assert first == second
    for manifest in manifests:
        manifest.pop("created_at")
    assert manifests[0] == manifests[1]


def test_groups_travel_by_name():
    from dataops.models import User

    fill_every_entity()
    user_groups = next(e for e in exported() if e.model is User.groups.through)
    assert [f.name for f in user_groups.fields()] == ["id", "user", "group"]
