"""Token-set similarity of short texts, and whether a text touches a topic to avoid.

Words are compared by a rough stem (case-folded, common English endings removed) so that
"layoffs" matches "layoff" and "salaries" matches "salary". Pure Python, no Django.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Two questions whose stem sets overlap this much (Jaccard) say the same thing.
DEFAULT_THRESHOLD = 0.6
# A stem this long also matches longer words it begins ("crypto" → "cryptocurrency").
PREFIX_MIN = 5

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before
    being between both but by can could did do does doing done during each else ever few for
    from had has have having he her here hers him his how i if in into is it its itself just
    let like may me more most much my no nor not now of off on once only or other our ours out
    over own quite really same she should so some such than that the their theirs them then
    there these they this those through to too under until up us very was we were what when
    where which while who whom why will with would you your yours yourself you're i'm it's
    that's what's don't""".split()  # noqa: SIM905
)
_ENDINGS = ("ations", "ation", "ments", "ment", "ings", "ing", "edly", "ed", "ers", "er", "ly")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A rough stem: enough to match plural, past and -ing forms of the same word."""
    word = word.casefold().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for ending in _ENDINGS:
        if len(word) - len(ending) >= 3 and word.endswith(ending):
            return word[: -len(ending)]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [match.group(0).casefold() for match in _WORD.finditer(text or "")]


def stems(text: str) -> frozenset[str]:
    """The content words of `text` (stopwords left out), stemmed."""
    return frozenset(stem(word) for word in words(text) if word not in STOPWORDS)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' stem sets, 0.0–1.0 (two empty texts: 0.0)."""
    left, right = stems(a), stems(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def too_close(text: str, others, *, threshold: float = DEFAULT_THRESHOLD) -> str | None:
    """The first of `others` at least `threshold` similar to `text`, else None."""
    mine = stems(text)
    if not mine:
        return None
    for other in others:
        theirs = stems(other)
        if theirs and len(mine & theirs) / len(mine | theirs) >= threshold:
            return other
    return None


def _matches(avoid: str, word: str) -> bool:
    if avoid == word:
        return True
    shorter, longer = sorted((avoid, word), key=len)
    return len(shorter) >= PREFIX_MIN and longer.startswith(shorter)


def avoid_terms(text: str) -> tuple[str, ...]:
    """The phrases of a free-text "topics to avoid" answer: split on commas, semicolons,
    new lines, bullets and " and ", in order, without duplicates."""
    parts = re.split(r"[,;\n•]|\s+and\s+|\s+or\s+|^\s*[-*]\s+", text or "", flags=re.M | re.I)
    cleaned = (" ".join(part.strip(" .:-*\"'").split()) for part in parts)
    return tuple(dict.fromkeys(part for part in cleaned if stems(part)))


def touches(text: str, avoid: tuple[str, ...] | list[str]) -> str | None:
    """The first avoided phrase any of whose content words (or their near forms) occurs in
    `text`, else None. Deliberately broad: a question that might touch it is not asked."""
    mine = stems(text)
    for phrase in avoid:
        for wanted in stems(phrase):
            if len(wanted) >= 2 and any(_matches(wanted, word) for word in mine):
                return phrase
    return None
