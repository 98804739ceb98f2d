"""Production static URLs: the hashed name of each file, worked out once per process."""

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from dataops.storage import StaticStorage


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("body { color: red }\n")
    (tmp_path / "staticfiles.json").write_text(
        '{"paths": {"css/app.css": "css/app.0123456789ab.css"}, "version": "1.1", "hash": "x"}'
    )
    return StaticStorage(location=str(tmp_path), base_url="/static/")


def test_urls_are_the_hashed_names_and_computed_once(storage, monkeypatch):
    calls = []
    original = CompressedManifestStaticFilesStorage.url

    def counting(self, name, force=False):
        calls.append(name)
        return original(self, name, force)

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", counting)
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
    assert storage.url("css/app.css") == "/static/css/app.0123456789ab.css"
    assert calls == ["css/app.css"]


def test_a_file_missing_from_the_manifest_still_fails_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
