"""Which kind of question the host asked: a small table of keyword rules, first match wins.

The order is the point: a question about the future of someone's career is about the future,
advice about a career switch is advice, and "looking back" makes anything a reflection. A
question no rule matches is `general`. Keywords match whole words (or word starts where they
end in `*`), without case.
"""

from __future__ import annotations

import re

RULES: list[tuple[str, list[str]]] = [
    (
        "reflection",
        [
            "looking back",
            "in hindsight",
            "lesson*",
            "learned",
            "regret*",
            "proud*",
            "differently",
            "surprised you",
            "hardest",
            "biggest mistake",
            "biggest challenge",
            "younger self",
        ],
    ),
    (
        "future",
        [
            "future",
            "next year",
            "next five",
            "years from now",
            "in five years",
            "in ten years",
            "trend*",
            "where do you see",
            "going forward",
            "what's next",
            "what is next",
            "predict*",
            "will .*replace",
            "going to change",
        ],
    ),
    (
        "resources",
        [
            "book*",
            "course*",
            "resource*",
            "newsletter*",
            "blog*",
            "podcasts",
            "youtube",
            "reading",
            "where can people",
            "where can we",
            "find you",
            "follow you",
            "learn more",
            "communit*",
            "links",
        ],
    ),
    (
        "background",
        [
            "background",
            "tell us about yourself",
            "introduce yourself",
            "how did you get into",
            "how did you get started",
            "how did you start",
            "how did you end up",
            "your journey",
            "grow up",
            "grew up",
            "studied",
            "study",
            "universit*",
            "phd",
            "originally",
        ],
    ),
    (
        "practical_advice",
        [
            "advice",
            "tip*",
            "recommend*",
            "suggest*",
            "should someone",
            "how should",
            "how can someone",
            "how would you",
            "where should",
            "where to start",
            "best practice*",
            "beginner*",
            "mistakes",
            "pitfall*",
            "checklist",
        ],
    ),
    (
        "business_impact",
        [
            "business",
            "revenue",
            "roi",
            "stakeholder*",
            "impact",
            "customer*",
            "cost*",
            "budget*",
            "value",
            "kpi*",
            "metric*",
            "convince",
            "sell",
            "pricing",
            "leadership",
            "executive*",
        ],
    ),
    (
        "career",
        [
            "career*",
            "job*",
            "hire",
            "hiring",
            "hired",
            "interview*",
            "promotion*",
            "promoted",
            "resume",
            "cv",
            "portfolio",
            "transition*",
            "switch*",
            "junior",
            "senior",
            "salary",
            "manager",
            "team lead",
        ],
    ),
    (
        "technical",
        [
            "architecture",
            "pipeline*",
            "model*",
            "deploy*",
            "infrastructure",
            "stack",
            "tool*",
            "algorithm*",
            "database*",
            "warehouse",
            "kubernetes",
            "python",
            "sql",
            "monitor*",
            "data quality",
            "latency",
            "scal*",
            "train*",
            "feature*",
            "llm*",
            "embedding*",
            "spark",
            "airflow",
            "code",
            "testing",
            "how does it work",
            "how does that work",
            "under the hood",
            "implement*",
            "batch",
            "streaming",
            "schema*",
            "api*",
        ],
    ),
    (
        "current_focus",
        [
            "currently",
            "right now",
            "these days",
            "working on",
            "at the moment",
            "your current",
            "typical day",
            "day to day",
            "your role",
            "what do you do",
            "nowadays",
        ],
    ),
]


def _pattern(keywords: list[str]) -> re.Pattern:
    parts = []
    for keyword in keywords:
        stem = keyword.rstrip("*")
        body = stem if ".*" in stem else re.escape(stem).replace(r"\ ", r"\s+")
        parts.append(rf"\b{body}" + (r"\w*\b" if keyword.endswith("*") else r"\b"))
    return re.compile("|".join(parts), re.IGNORECASE)


_COMPILED = [(category, _pattern(keywords)) for category, keywords in RULES]


def categorize(question: str) -> str:
    """The category of `question`: the first rule with a keyword in it, else `general`."""
    text = question.replace("’", "'")
    for category, pattern in _COMPILED:
        if pattern.search(text):
            return category
    return "general"
