"""The import: idempotent by path and content, updates, removals, each bad input reported
per file with the rest imported, people profiles → guests."""

from __future__ import annotations

import os

import pytest
from django.db import IntegrityError

from podcast.kb import importer
from podcast.kb.importer import KbImportError, kb_import
from podcast.kb.models import KbEpisode, KbProfile, KbQuestion
from podcast.kb.selectors import appearances
from podcast.models import Guest

pytestmark = pytest.mark.django_db


def counts(report):
    data = report.as_json()
    return data["created"], data["updated"], data["unchanged"], data["removed"]


def failures(report) -> dict[str, str]:
    return {item["path"]: item["error"] for item in report.failed}


def test_import_is_idempotent_updates_and_removes(kb, run_import):
    kb.episode("a.md", title="First", season=1, episode=1)
    kb.episode("b.md", title="Second", season=1, episode=2)
    assert counts(run_import()) == (2, 0, 0, 0)
    assert counts(run_import()) == (0, 0, 2, 0)

    kb.episode("a.md", title="First, edited", season=1, episode=1)
    (kb.episodes / "b.md").unlink()
    kb.episode("sub/c.md", title="Third")
    assert counts(run_import()) == (1, 1, 0, 1)
    assert sorted(KbEpisode.objects.values_list("path", "title")) == [
        ("a.md", "First, edited"),
        ("sub/c.md", "Third"),
    ]
    assert KbQuestion.objects.filter(episode__path="a.md").count() == 1


def test_an_unchanged_file_is_not_parsed_again(kb, run_import, monkeypatch):
    kb.episode("a.md", title="First")
    run_import()
    monkeypatch.setattr(importer, "parse_episode", lambda *a, **k: pytest.fail("parsed"))
    assert counts(run_import()) == (0, 0, 1, 0)


def test_every_bad_input_is_reported_and_the_rest_imported(kb, run_import):
    kb.episode("good.md", title="Good", season=2, episode=1)
    kb.raw("yaml.md", "---\ntitle: [unclosed\n---\n")
    kb.episode("untitled.md", season=3)
    kb.episode("shape.md", title="Shape", transcript=[{"speaker": "x", "text": "y"}])
    kb.raw("latin1.md", "---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    kb.episode("z-duplicate.md", title="Same number", season=2, episode=1)
    with open(kb.episodes / "huge.md", "wb") as handle:  # sparse: 21 MB without writing them
        handle.truncate(21 * 1024 * 1024)
    report = run_import()
    errors = failures(report)
    assert set(errors) == {
        "episodes/yaml.md",
        "episodes/untitled.md",
        "episodes/shape.md",
        "episodes/latin1.md",
        "episodes/z-duplicate.md",
        "episodes/huge.md",
    }
    assert errors["episodes/yaml.md"].startswith("invalid YAML front matter (line 3")
    assert errors["episodes/untitled.md"].startswith("missing title")
    assert errors["episodes/shape.md"].startswith("transcript item 1 is neither")
    assert errors["episodes/latin1.md"].startswith("not valid UTF-8")
    assert errors["episodes/z-duplicate.md"] == (
        "duplicate episode number: S2E1 is also episodes/good.md"
    )
    assert errors["episodes/huge.md"] == "the file is 21.0 MB; files over 20.0 MB are not read"
    assert counts(report) == (1, 0, 0, 0)
    assert list(KbEpisode.objects.values_list("path", flat=True)) == ["good.md"]


def test_a_file_over_the_limit_is_refused_before_it_is_read(kb, run_import, settings, monkeypatch):
    settings.PODCAST_KB_MAX_FILE_BYTES = 100
    kb.episode("big.md", title="Big", description="x" * 200)
    read = []
    original = importer.Path.read_bytes
    monkeypatch.setattr(
        importer.Path, "read_bytes", lambda self: read.append(self) or original(self)
    )
    report = run_import()
    assert list(failures(report)) == ["episodes/big.md"] and read == []


def test_the_number_stays_with_the_file_that_has_it(kb, run_import):
    kb.episode("b.md", title="Holder", season=1, episode=5)
    run_import()
    kb.episode("a.md", title="Newcomer", season=1, episode=5)
    kb.episode("b.md", title="Holder, edited", season=1, episode=5)
    report = run_import()
    assert failures(report) == {
        "episodes/a.md": "duplicate episode number: S1E5 is also episodes/b.md"
    }
    assert KbEpisode.objects.get(season=1, number=5).title == "Holder, edited"


def test_a_failed_file_keeps_its_previous_import(kb, run_import):
    kb.episode("a.md", title="Before", topics=["MLOps"])
    run_import()
    kb.raw("a.md", "---\ntitle: After\ntranscript: [{nonsense: 1}]\n---\n")
    report = run_import()
    assert list(failures(report)) == ["episodes/a.md"] and counts(report) == (0, 0, 0, 0)
    episode = KbEpisode.objects.get()
    assert episode.title == "Before" and episode.questions.count() == 1


def test_nothing_of_a_file_is_half_written(kb, run_import, monkeypatch):
    kb.episode("a.md", title="Fine")
    kb.episode("b.md", title="Breaks while its questions are written")
    original = KbQuestion.objects.bulk_create

    def bulk_create(rows, *args, **kwargs):
        rows = list(rows)
        if rows and rows[0].episode.path == "b.md":
            raise IntegrityError("disk full")
        return original(rows, *args, **kwargs)

    monkeypatch.setattr(KbQuestion.objects, "bulk_create", bulk_create)
    report = run_import()
    assert failures(report) == {"episodes/b.md": "not saved: disk full"}
    assert list(KbEpisode.objects.values_list("path", flat=True)) == ["a.md"]


def test_a_missing_folder_stops_the_import(tmp_path, kb_index):
    with pytest.raises(KbImportError, match="no such folder"):
        kb_import(episodes_dir=tmp_path / "nope")


def test_profiles_create_and_update_guests_and_episodes_link_to_them(kb, run_import):
    kb.profile("ada.md", short="ada-l", title="Ada Lovelace", twitter="ada", bio="Engines.")
    kb.episode("s7e9.md", title="Engines", season=7, episode=9, guests=["ada-l", "nobody-yet"])
    report = run_import()
    assert report.as_json()["guests"] == {"created": 1, "updated": 0}
    ada = Guest.objects.get(kb_id="ada-l")
    assert (ada.name, ada.x_url, ada.bio) == ("Ada Lovelace", "https://x.com/ada", "Engines.")
    assert appearances(ada) == ["S7E9"]
    assert run_import().as_json()["guests"] == {"created": 0, "updated": 0}

    kb.profile("ada.md", short="ada-l", title="Ada King", bio="Engines and notes.")
    kb.profile("grace.md", short="nobody-yet", title="Grace Hopper")
    report = run_import()
    assert report.as_json()["guests"] == {"created": 1, "updated": 1}
    assert counts(report) == (0, 0, 1, 0)  # the episode did not change, its guests did
    episode = KbEpisode.objects.get()
    assert [g.name for g in episode.guests.order_by("kb_appearances__position")] == [
        "Ada King",
        "Grace Hopper",
    ]


def test_a_removed_profile_keeps_its_guest_and_a_repeated_id_is_refused(kb, run_import):
    kb.profile("a.md", short="same", title="One")
    kb.profile("b.md", short="same", title="Two")
    report = run_import()
    assert failures(report) == {"people/b.md": "profile id “same” is also people/a.md"}
    (kb.people / "a.md").unlink()
    (kb.people / "b.md").unlink()
    run_import()
    assert KbProfile.objects.count() == 0
    assert Guest.objects.filter(kb_id="same", name="One").exists()


def test_odd_but_valid_utf8_and_unknown_keys_import(kb, run_import):
    kb.episode(
        "odd.md",
        title="Zürich 🚀 データ — “quotes”",
        mood="unknown key",
        transcript=[{"line": "Was ist „Datenqualität“ für dich?", "who": "Alexey", "time": "0:01"}],
    )
    assert counts(run_import()) == (1, 0, 0, 0)
    assert KbQuestion.objects.get().text == "Was ist „Datenqualität“ für dich?"


def test_symlinks_are_not_followed(kb, run_import, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: Outside\n---\n")
    os.symlink(outside, kb.episodes / "link.md")
    assert counts(run_import()) == (0, 0, 0, 0)


@pytest.mark.postgres
def test_a_second_import_while_one_runs_is_refused(kb, run_import):
    from django.db import connections

    from podcast.kb.importer import LOCK_KEY, KbImportBusy

    kb.episode("a.md", title="First")
    other = connections.create_connection("default")  # another process's import
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        with pytest.raises(KbImportBusy, match="Another knowledge-base import is running"):
            run_import()
        assert not KbEpisode.objects.exists()
    finally:
        # Released before closing: a closed connection's server process lets go of its locks
        # only when it exits, a moment later.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        other.close()
    assert counts(run_import()) == (1, 0, 0, 0)
