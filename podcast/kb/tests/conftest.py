"""Fixtures for the knowledge base: folders of episode and profile files written by the
test, and a search index of the test's own."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


def episode_text(**front) -> str:
    """An episode file: the given front matter (a sensible default transcript) and a body."""
    front.setdefault(
        "transcript",
        [
            {"header": "Introduction"},
            {
                "line": "Welcome! How did you get into data engineering?",
                "who": "Alexey",
                "time": "0:05",
                "sec": 5,
            },
            {"line": "By accident, through analytics.", "who": "Guest", "time": "0:20", "sec": 20},
        ],
    )
    body = front.pop("body", "Show notes.")
    return (
        "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body + "\n"
    )


def profile_text(**front) -> str:
    bio = front.pop("bio", "")
    return "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + bio + "\n"


class KbFolder:
    """An episodes folder and its sibling people folder."""

    def __init__(self, root: Path):
        self.root = root
        self.episodes = root / "episodes"
        self.people = root / "people"
        self.episodes.mkdir(parents=True, exist_ok=True)
        self.people.mkdir(parents=True, exist_ok=True)

    def episode(self, name: str, **front) -> Path:
        path = self.episodes / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(episode_text(**front), encoding="utf-8")
        return path

    def raw(self, name: str, data: bytes | str) -> Path:
        path = self.episodes / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def profile(self, name: str, **front) -> Path:
        path = self.people / name
        path.write_text(profile_text(**front), encoding="utf-8")
        return path


@pytest.fixture
def kb_index(settings, tmp_path):
    settings.PODCAST_KB_INDEX_DIR = tmp_path / "kb-index"
    return settings.PODCAST_KB_INDEX_DIR


@pytest.fixture
def kb(tmp_path, kb_index) -> KbFolder:
    return KbFolder(tmp_path / "kb")


@pytest.fixture
def run_import(kb):
    from podcast.kb.importer import kb_import

    def run():
        return kb_import(
            episodes_dir=kb.episodes, people_dir=kb.people, label="episodes", people_label="people"
        )

    return run
