"""Links to a file on the git host of the mirrored repository."""

import pytest

from docs_app.githost import file_url

PATH = "media/podcast/sops/create podcast.md"


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        (
            "https://github.com/acme/docs.git",
            (
                "GitHub",
                "https://github.com/acme/docs/blob/main/media/podcast/sops/create%20podcast.md",
            ),
        ),
        (
            "https://token:x-oauth@github.com/acme/docs",
            (
                "GitHub",
                "https://github.com/acme/docs/blob/main/media/podcast/sops/create%20podcast.md",
            ),
        ),
        (
            "git@github.com:acme/docs.git",
            (
                "GitHub",
                "https://github.com/acme/docs/blob/main/media/podcast/sops/create%20podcast.md",
            ),
        ),
        (
            "ssh://git@gitlab.com/group/sub/docs.git",
            (
                "GitLab",
                "https://gitlab.com/group/sub/docs/"
                "-/blob/main/media/podcast/sops/"
                "create%20podcast.md",
            ),
        ),
        (
            "https://bitbucket.org/acme/docs.git",
            (
                "Bitbucket",
                "https://bitbucket.org/acme/docs/src/main/media/podcast/sops/create%20podcast.md",
            ),
        ),
        (
            "git@codeberg.org:acme/docs.git",
            (
                "Codeberg",
                "https://codeberg.org/acme/docs/src/branch/"
                "main/media/podcast/sops/create%20podcast.md",
            ),
        ),
    ],
)
def test_known_hosts_in_every_url_form(remote, expected):
    assert file_url(remote, "main", PATH) == expected


@pytest.mark.parametrize(
    "remote",
    [
        "",
        "/srv/git/docs.git",
        "file:///srv/docs.git",
        "https://git.example.org/acme/docs.git",
        "https://github.com/justowner",
        "not a url ::",
        "https://github.com/acme/../x",
    ],
)
def test_other_remotes_get_no_link(remote):
    assert file_url(remote, "main", PATH) is None


def test_the_branch_is_part_of_the_link():
    assert file_url("https://github.com/acme/docs", "release/2026", "a.md") == (
        "GitHub",
        "https://github.com/acme/docs/blob/release%2F2026/a.md",
    )
