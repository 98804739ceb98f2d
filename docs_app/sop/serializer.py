"""Writing a tree back out: the file bytes, or the JSON shape printed by `sop_parse`.

JSON shape (stable; consumers may rely on it)::

    {
      "frontmatter": {...} | null,          # null when the file has no frontmatter
      "frontmatter_error": "line N: ..." | null,
      "preamble": "...",                    # text before the first section
      "sections": [{"name", "raw", "heading", "body", "line"}],
      "procedure": null | {                 # null when there is no procedure section
        "shape": "grouped" | "flat" | "mixed" | "empty" | "raw",
        "groups": [{"title", "line", "steps": [STEP, ...]}],
        "steps": [STEP, ...],               # steps outside any group
        "prose": [{"after_step": id | null, "text", "line"}],
        "todos": [{"after_step": id | null, "text", "line"}]
      }
    }

    STEP = {"id", "number", "line", "attrs", "body",
            "screenshots": [{"alt", "src", "caption", "line"}]}

`id` is the id as written (a string), `number` the rendered number (int or null), `attrs`
every marker attribute except `id`, `body` the step's Markdown without screenshot blocks,
`caption` the stripped caption text or null. A section's `body` is its Markdown after the
heading line, verbatim (the procedure's includes its markers). Frontmatter values YAML
reads as dates are printed as ISO strings.
"""

from __future__ import annotations

from typing import Any

from .tree import Document, Group, Prose, Section, Step, Todo


def serialize(document: Document) -> str:
    """The file's bytes: identical to the parsed text for every node that was not edited."""
    return document.source()


def as_dict(document: Document) -> dict[str, Any]:
    frontmatter = document.frontmatter
    return {
        "frontmatter": frontmatter.data if frontmatter is not None else None,
        "frontmatter_error": frontmatter.error if frontmatter is not None else None,
        "preamble": document.preamble,
        "sections": [_section(section) for section in document.sections],
        "procedure": _procedure(document),
    }


def _section(section: Section) -> dict[str, Any]:
    return {
        "name": section.name,
        "raw": section.raw,
        "heading": section.heading,
        "body": section.body,
        "line": section.line,
    }


def procedure_shape(document: Document) -> str | None:
    procedure = document.procedure
    if procedure is None:
        return None
    if not procedure.structured:
        return "raw"
    grouped, flat = bool(procedure.groups), bool(procedure.steps)
    if grouped and flat:
        return "mixed"
    return "grouped" if grouped else "flat" if flat else "empty"


def _procedure(document: Document) -> dict[str, Any] | None:
    shape = procedure_shape(document)
    if shape is None:
        return None
    procedure = document.structured_procedure
    groups: list[Group] = procedure.groups if procedure is not None else []
    steps: list[Step] = procedure.steps if procedure is not None else []
    return {
        "shape": shape,
        "groups": [
            {"title": g.title, "line": g.line, "steps": [_step(s) for s in g.steps]} for g in groups
        ],
        "steps": [_step(step) for step in steps],
        "prose": [
            _placed(after, block.text, block.line) for after, block in document.placed_blocks(Prose)
        ],
        "todos": [
            _placed(after, block.text, block.line) for after, block in document.placed_blocks(Todo)
        ],
    }


def _placed(after: str | None, text: str, line: int | None) -> dict[str, Any]:
    return {"after_step": after, "text": text, "line": line}


def _step(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "number": step.number,
        "line": step.line,
        "attrs": step.attrs,
        "body": step.body,
        "screenshots": [
            {
                "alt": shot.image.alt if shot.image else None,
                "src": shot.image.src if shot.image else None,
                "caption": shot.caption,
                "line": shot.line,
            }
            for shot in step.screenshots
        ],
    }
