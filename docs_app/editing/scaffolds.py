"""The starting text of a new doc: a full SOP, a minimal SOP or a plain page.

The SOPs follow SOP-FORMAT §2 and lint clean; the title is written into the frontmatter as
YAML (quoted by the YAML dumper) and as the `# ` heading.
"""

from __future__ import annotations

import yaml

from dataops.errors import ServiceError

FULL_SOP = "full-sop"
MINIMAL_SOP = "minimal-sop"
PLAIN_PAGE = "page"
SCAFFOLDS = {
    FULL_SOP: "Full SOP (all sections, one group, one step)",
    MINIMAL_SOP: "Minimal SOP (required sections, one step)",
    PLAIN_PAGE: "Plain page",
}

_SECTION = "<!-- sop-section-start: {name} -->\n## {heading}\n{body}<!-- sop-section-end -->\n"
_STEP = (
    '<!-- sop-step-start id=1 action="other" -->\n'
    "1.  Describe the first step.\n"
    "<!-- sop-step-end -->\n"
)


def _frontmatter(title: str, **fields) -> str:
    data = {"title": title, **fields}
    dumped = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{dumped}---\n"


def _section(name: str, heading: str, body: str = "") -> str:
    return _SECTION.format(name=name, heading=heading, body=body)


def scaffold_text(kind: str, title: str) -> str:
    """The text of a new doc of `kind` (one of `SCAFFOLDS`) titled `title`."""
    title = " ".join((title or "").split())
    if not title:
        raise ServiceError("Give the doc a title.", field="title")
    if kind == PLAIN_PAGE:
        return _frontmatter(title) + f"\n# {title}\n\n"
    if kind not in SCAFFOLDS:
        raise ServiceError(
            f"Unknown kind of doc {kind!r}; choose one of {', '.join(SCAFFOLDS)}.", field="kind"
        )
    head = _frontmatter(title, doc_type="sop", schema_version=1, summary="", systems=[])
    if kind == MINIMAL_SOP:
        procedure = _section("procedure", "Procedure", "\n" + _STEP + "\n")
    else:
        group = f'<!-- sop-group-start: "First part" -->\n### First part\n\n{_STEP}\n'
        procedure = _section("procedure", "Procedure", "\n" + group + "<!-- sop-group-end -->\n")
    sections = [
        _section("summary", "Summary", "- Purpose: \n" if kind == FULL_SOP else ""),
        _section("prerequisites", "Prerequisites"),
        procedure,
        _section("validation", "Validation"),
        _section("troubleshooting", "Troubleshooting"),
        _section("references", "References"),
    ]
    return head + f"\n# {title}\n\n" + "\n".join(sections)
