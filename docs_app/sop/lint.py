"""The SOP lint rules L01–L18 of SOP-FORMAT §5, with their exact messages.

Where the contract leaves room, these are the readings chosen (and why):

- **Values as written.** Quoted values come from the YAML source text of the key: `"1"` and
  `1` both read `1`, `1.50` stays `'1.50'`. A key present with a null value counts as
  missing, so `doc_type:` gives `(got None)`; `schema_version:` is *declared* (the doc is not
  legacy) and gives `schema_version must be an integer (got None)`.
- **Integers** are texts made only of ASCII digits (`01` is 1). This applies to
  `schema_version` and to step ids. A step is labelled `step id=1` when its id is an integer
  and `step id='two'` otherwise, so every per-step message about one step names it the same.
- **Missing title (L03)**: no `title` key, a null title or a blank string.
- **Invalid YAML frontmatter.** The file has frontmatter, but nothing in it can be checked and
  the fixed messages cannot describe the problem. `lint()` returns no violations for it;
  `split_frontmatter(text).frontmatter.error` carries `line N: problem` for callers to report
  (the registry records a finding, `sop_lint` prints `PATH: frontmatter error: ...` and
  exits 1).
- **L08** fires once per document, when the procedure has at least one group and at least one
  step outside any group. Prose and TODOs do not count.
- **L09** lists each integer id used more than once, sorted. **L10** compares the integer ids
  in document order with 1..N where N is the number of integer-id steps, duplicates included,
  so `[1, 1, 2]` is reported as expected `[1, 2, 3]`: the expected list is what renumbering
  would produce.
- **L12** splits the step's `systems` on commas and strips each name; names compare exactly
  (case-sensitive) with the frontmatter list (a comma-separated string there is split the
  same way). Each missing name is listed once, in the order written.
- **L13, L16, L18** are reported per screenshot block; L14 is skipped when the step's first
  line carries no rendered number.
- **L15, "the procedure"** is the structured procedure section: text in it (at section level
  or inside a group) that is not inside a step, a prose block or a TODO. Blank lines, ATX
  headings and HTML comments (including comments spanning lines and markers that are not
  structure at that place) are not orphan text. One message per paragraph: a run of
  consecutive orphan lines is reported once, at its first line, so a stray paragraph reads
  as one problem.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .frontmatter import Frontmatter, Split, split_frontmatter
from .identity import infer_doc_type
from .lines import newline_of
from .parser import SopParseError, parse_split
from .tree import Document, Step

LINTED_DOC_TYPES = ("sop", "checklist")
REQUIRED_SECTIONS = (
    "summary",
    "prerequisites",
    "procedure",
    "validation",
    "troubleshooting",
    "references",
)
ALLOWED_ACTIONS = frozenset(
    {
        "navigate",
        "click",
        "type",
        "upload",
        "download",
        "copy",
        "paste",
        "submit",
        "verify",
        "wait",
        "other",
    }
)
MISSING_FRONTMATTER = "missing frontmatter"
MISSING_TITLE = "frontmatter is missing `title`"
MIXED_SHAPE = "procedure mixes groups and flat steps — pick one shape"


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    line: int | None = None


def lint(text: str) -> list[Violation]:
    """All violations of one file, in the order SOP-FORMAT §5 prescribes."""
    split = split_frontmatter(text)
    frontmatter = split.frontmatter
    if frontmatter is None:
        return [Violation("L01", MISSING_FRONTMATTER)]
    if frontmatter.error:
        return []
    found = _frontmatter_rules(frontmatter)
    if "schema_version" not in frontmatter.written:
        return found
    version_problem = _schema_version_rule(frontmatter)
    if version_problem is not None:
        return [*found, version_problem]
    return found + _document_rules(split, newline_of(text))


def lint_messages(text: str) -> list[str]:
    return [violation.message for violation in lint(text)]


def applies(frontmatter: Mapping[str, Any] | None, rel_path: str | None = None) -> bool:
    """Whether the corpus report lints this doc: an sop/checklist, or one declaring a schema.

    Without a `doc_type` in the frontmatter the type inferred from `rel_path` (when given)
    decides, as it does everywhere else in the registry.
    """
    data = frontmatter or {}
    doc_type = data.get("doc_type")
    if doc_type is None and rel_path is not None:
        doc_type = infer_doc_type(rel_path)
    return doc_type in LINTED_DOC_TYPES or "schema_version" in data


def is_integer_text(text: str | None) -> bool:
    return bool(text) and text.isascii() and text.isdigit()


def _shown(value: str | None) -> str:
    return repr(value)


def _frontmatter_rules(frontmatter: Frontmatter) -> list[Violation]:
    found: list[Violation] = []
    doc_type = frontmatter.written.get("doc_type")
    if doc_type not in LINTED_DOC_TYPES:
        message = f"doc_type must be 'sop' or 'checklist' (got {_shown(doc_type)})"
        found.append(Violation("L02", message, frontmatter.key_lines.get("doc_type")))
    title = frontmatter.data.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        found.append(Violation("L03", MISSING_TITLE, frontmatter.key_lines.get("title")))
    return found


def _schema_version_rule(frontmatter: Frontmatter) -> Violation | None:
    written = frontmatter.written.get("schema_version")
    line = frontmatter.key_lines.get("schema_version")
    if not is_integer_text(written):
        return Violation("L04", f"schema_version must be an integer (got {_shown(written)})", line)
    if int(written) != 1:
        return Violation("L05", f"unsupported schema_version: {int(written)}", line)
    return None


def _document_rules(split: Split, newline: str) -> list[Violation]:
    try:
        document = parse_split(split, newline)
    except SopParseError as error:
        return [Violation("L06", f"parse error: {error}", error.line)]
    found = _section_rules(document)
    procedure = document.structured_procedure
    if procedure is None:
        return found
    steps = document.steps()
    if procedure.groups and procedure.steps:
        found.append(Violation("L08", MIXED_SHAPE, procedure.line))
    found += _id_sequence_rules(steps)
    systems = _system_names(document.data.get("systems"))
    for step in steps:
        found += _step_rules(step, systems)
    found += _orphan_rules(document)
    return found


def _section_rules(document: Document) -> list[Violation]:
    present = {section.name for section in document.sections}
    return [
        Violation("L07", f"missing required section: {name}")
        for name in REQUIRED_SECTIONS
        if name not in present
    ]


def _id_sequence_rules(steps: list[Step]) -> list[Violation]:
    ids = [int(step.id) for step in steps if is_integer_text(step.id)]
    found: list[Violation] = []
    duplicates = sorted(value for value, count in Counter(ids).items() if count > 1)
    if duplicates:
        found.append(Violation("L09", f"duplicate step ids: {duplicates}"))
    expected = list(range(1, len(ids) + 1))
    if ids != expected:
        message = f"step ids are not sequential 1..N; got {ids}, expected {expected}"
        found.append(Violation("L10", message))
    return found


def _system_names(value: Any) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        items = [items]
    names = (str(item).strip() for item in items if item is not None)
    return [name for name in names if name]


def _step_label(step_id: str) -> str:
    if is_integer_text(step_id):
        return f"step id={int(step_id)}"
    return f"step id={step_id!r}"


def _step_rules(step: Step, systems: list[str]) -> list[Violation]:
    """L11, L12, L13, L14, L16, L17, L18 for one step, in that order."""
    step_id = step.id
    label = _step_label(step_id)
    shots = [(shot.line, shot.image_count, shot.caption_unclosed) for shot in step.screenshots]
    found = _attribute_rules(step, label, systems)
    found += [
        Violation("L13", f"{label}: <!-- sop-screenshot-start --> block has no image", line)
        for line, count, _ in shots
        if count == 0
    ]
    number = step.number
    if is_integer_text(step_id) and number is not None and number != int(step_id):
        message = f"{label}: rendered number {number} does not match id"
        found.append(Violation("L14", message, step.line))
    found += [
        Violation("L16", f"{label}: screenshot block has {count} images", line)
        for line, count, _ in shots
        if count > 1
    ]
    if not is_integer_text(step_id):
        found.append(Violation("L17", f"{label}: id must be an integer", step.line))
    found += [
        Violation("L18", f"{label}: unclosed <!-- sop-caption-start -->", line)
        for line, _, unclosed in shots
        if unclosed
    ]
    return found


def _attribute_rules(step: Step, label: str, systems: list[str]) -> list[Violation]:
    """L11 (action) and L12 (systems) for one step."""
    found: list[Violation] = []
    attrs = step.attrs
    action = attrs.get("action")
    if action is not None and action not in ALLOWED_ACTIONS:
        message = f"{label}: action {action!r} not in {sorted(ALLOWED_ACTIONS)!r}"
        found.append(Violation("L11", message, step.line))
    unknown = _unknown_systems(attrs.get("systems"), systems)
    if unknown:
        message = f"{label}: systems {unknown!r} not in frontmatter `systems`"
        found.append(Violation("L12", message, step.line))
    return found


def _unknown_systems(step_systems: str | None, systems: list[str]) -> list[str]:
    if not systems or step_systems is None:
        return []
    unknown: list[str] = []
    for name in _system_names(step_systems):
        if name not in systems and name not in unknown:
            unknown.append(name)
    return unknown


def _orphan_rules(document: Document) -> list[Violation]:
    found: list[Violation] = []
    previous = None
    for line in document.orphan_lines():
        if previous is None or line != previous + 1:
            found.append(Violation("L15", f"orphan text in procedure at line {line}", line))
        previous = line
    return found
