"""A doc's URL without Django's `reverse` for each one.

Search results, backlinks and task rows link dozens of docs per page; `reverse` matches the
URL configuration and the pattern's regular expression again for every path. The doc pattern
is fixed (`<prefix><path>.md`), so its prefix is reversed once per URL configuration and
script prefix and the path quoted as `reverse` quotes it. A path the pattern would not take
(no name before `.md`, a line break) goes through `reverse`, which refuses it as before.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

SAFE = RFC3986_SUBDELIMS + "/~:@"  # what `reverse` leaves unquoted
_PROBE = "p.md"


@cache
def _prefix(script_prefix: str, urlconf: str | None) -> str:
    return reverse("docs:doc", args=[_PROBE]).removesuffix(_PROBE)


def doc_path_url(path: str) -> str:
    """`reverse("docs:doc", args=[path])`."""
    if len(path) <= 3 or not path.endswith(".md") or "\n" in path:
        return reverse("docs:doc", args=[path])
    return _prefix(get_script_prefix(), get_urlconf()) + quote(path, safe=SAFE)
