"""Normalised keys for the duplicate guard (pure Python, no Django).

Two spellings of one person must give one key: “José  O'Brien” and “jose obrien” are the
same name, `https://www.linkedin.com/in/Jose-OBrien/?trk=x` and `linkedin.com/in/jose-obrien`
the same profile.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """Casefolded, accents folded, punctuation dropped, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _NOT_WORD.sub("", plain.casefold())).strip()


def linkedin_key(url: str) -> str:
    """The profile path (`in/jose-obrien`), lowercased; empty for anything else."""
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        return ""
    segments = [s for s in parts.path.lower().split("/") if s]
    return "/".join(segments[:2])[:300]
