"""A doc's URL built from the pattern's prefix is exactly what `reverse` builds, for any path
and script prefix; paths the pattern refuses are refused as before."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix
from hypothesis import given
from hypothesis import strategies as st

from docs_app.doc_urls import doc_path_url

AWKWARD = [
    "media/sops/publish-episode.md",
    "a.md",
    "Ops Docs/Wöchentlich – Übersicht.md",
    "100% done/#1 ?q=x&y.md",
    "/leading/slash.md",
    "//double/leading.md",
    "tilde~:colon@at/$&'()*+,;=.md",
    "über/日本語.md",
    "spaces   and\ttab.md",
    "x.MD.md",
]


@pytest.mark.parametrize("path", AWKWARD)
def test_the_url_of_an_awkward_path_is_what_reverse_builds(path):
    assert doc_path_url(path) == reverse("docs:doc", args=[path])


@given(st.text(min_size=1, max_size=40).map(lambda name: name + ".md"))
def test_the_url_of_any_path_is_what_reverse_builds(path):
    try:
        expected = reverse("docs:doc", args=[path])
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            doc_path_url(path)
    else:
        assert doc_path_url(path) == expected


@pytest.mark.parametrize("path", [".md", "notes.txt", "two\nlines.md", ""])
def test_a_path_the_pattern_refuses_is_refused(path):
    with pytest.raises(NoReverseMatch):
        doc_path_url(path)


def test_the_script_prefix_is_honoured():
    try:
        set_script_prefix("/portal/")
        assert doc_path_url("a b.md") == "/portal/docs/a%20b.md"
        assert doc_path_url("a b.md") == reverse("docs:doc", args=["a b.md"])
    finally:
        set_script_prefix("/")
    assert doc_path_url("a b.md") == "/docs/a%20b.md"
