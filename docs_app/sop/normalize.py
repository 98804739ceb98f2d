"""Convert a legacy SOP into the marked format (SOP-FORMAT §6).

What the normalizer recognises, and the choices behind it:

- **Sections** are level-2 ATX headings whose text is exactly `Summary`, `Prerequisites`,
  `Procedure`, `Validation`, `Troubleshooting` or `References` — case-sensitive, as "exact
  heading text" says; `## procedure` is left alone rather than guessed at. A section runs to
  the next heading of level 1 or 2 (so an unknown `## Notes` after it stays outside every
  section) and its trailing blank lines stay outside the end marker. Headings inside fenced
  code never count. Text before the first section (the `# Title` line) is kept as is.
- **Procedure**: each `### Heading` opens a group that runs to the next `###`. A line at
  column 0 starting `N. ` opens a step; the step takes the lines that follow while they are
  indented, directly continue it (no blank line between), are a standalone image line, or
  are an `Image note:` paragraph after an image. Anything else after a blank line ends the
  step. Step ids count 1..N across the procedure and the rendered number is rewritten to
  match. In a step, a line holding only one image becomes a screenshot block (written at
  column 0 so it renders as an image on git hosts) and a following paragraph starting
  `Image note:` becomes its caption, without that prefix. Every other non-blank run of text
  outside steps becomes a prose block (one per paragraph), so the result has no orphan
  text.
- `schema_version: 1` goes right after the `doc_type` entry (at the end of the frontmatter
  when there is no `doc_type`) and is never added when `schema_version` is already there. A
  file without frontmatter gets none: only its author knows its title and type.
- Left unchanged: a file with no recognisable section; a file whose frontmatter is invalid
  YAML; a file whose frontmatter declares a `doc_type` other than `sop`/`checklist` (it is
  not an SOP, and adding a schema would only make it fail lint). A body that already has any
  `sop-` marker is not restructured again — at most `schema_version` is added when it has
  section markers — which is what makes `normalize` idempotent.
"""

from __future__ import annotations

import re

from .frontmatter import Frontmatter, split_frontmatter
from .lines import IMAGE, FenceTracker, content_of, heading_of, is_blank, newline_of, split_lines
from .markers import (
    CAPTION_END,
    CAPTION_START,
    GROUP_END,
    GROUP_START,
    PROSE_END,
    PROSE_START,
    SCREENSHOT_END,
    SCREENSHOT_START,
    SECTION_END,
    SECTION_START,
    STEP_END,
    STEP_START,
    marker_line,
    marker_of,
)

SECTION_HEADINGS = {
    "Summary": "summary",
    "Prerequisites": "prerequisites",
    "Procedure": "procedure",
    "Validation": "validation",
    "Troubleshooting": "troubleshooting",
    "References": "references",
}
CAPTION_PREFIX = "Image note:"
STEP_LINE = re.compile(r"(\d{1,9})\.(?=[ \t]|$)")
_SOP_TYPES = (None, "sop", "checklist")


def normalize(text: str) -> str:
    """The marked form of a legacy SOP; any other file comes back unchanged."""
    split = split_frontmatter(text)
    frontmatter = split.frontmatter
    if frontmatter is not None and (
        frontmatter.error or frontmatter.data.get("doc_type") not in _SOP_TYPES
    ):
        return text
    body = split.body
    markers = [marker_of(line) for line in split_lines(body)]
    if any(markers):
        if not any(m is not None and m.kind == SECTION_START for m in markers):
            return text
    else:
        wrapped = _wrap_sections(body, newline_of(text))
        if wrapped is None:
            return text
        body = wrapped
    head = _with_schema_version(frontmatter).raw if frontmatter is not None else ""
    return head + body


def _with_schema_version(frontmatter: Frontmatter) -> Frontmatter:
    if "schema_version" in frontmatter.written:
        return frontmatter
    return frontmatter.with_value("schema_version", 1, after="doc_type")


def _section_spans(lines: list[str]) -> list[tuple[int, int, str]]:
    """`(heading index, end index, section name)` for each recognised section."""
    boundaries: list[tuple[int, str | None]] = []
    fences = FenceTracker()
    for index, line in enumerate(lines):
        heading = None if fences.step(line) else heading_of(line)
        if heading is not None and heading[0] <= 2:
            name = SECTION_HEADINGS.get(heading[1]) if heading[0] == 2 else None
            boundaries.append((index, name))
    boundaries.append((len(lines), None))
    return [
        (start, boundaries[position + 1][0], name)
        for position, (start, name) in enumerate(boundaries[:-1])
        if name is not None
    ]


def _wrap_sections(body: str, newline: str) -> str | None:
    if body and not body.endswith("\n"):
        body += newline
    lines = split_lines(body)
    spans = _section_spans(lines)
    if not spans:
        return None
    out: list[str] = []
    done = 0
    seen_procedure = False
    for start, end, name in spans:
        content_end = _trim_blank_end(lines, start + 1, end)
        inner = lines[start + 1 : content_end]
        if name == "procedure" and not seen_procedure:
            seen_procedure = True
            inner = _structure_procedure(inner, newline)
        out += lines[done:start]
        out.append(marker_line(SECTION_START, name, newline=newline))
        out += [lines[start], *inner]
        out.append(marker_line(SECTION_END, "", newline=newline))
        done = content_end
    out += lines[done:]
    return "".join(out)


def _trim_blank_end(lines: list[str], start: int, end: int) -> int:
    while end > start and is_blank(lines[end - 1]):
        end -= 1
    return end


def _structure_procedure(lines: list[str], newline: str) -> list[str]:
    """Groups from `###` headings, then steps and prose inside each part."""
    counter = _Counter()
    out: list[str] = []
    fences = FenceTracker()
    group_starts = [
        index
        for index, line in enumerate(lines)
        if not fences.step(line) and (heading_of(line) or (0, ""))[0] == 3
    ]
    first = group_starts[0] if group_starts else len(lines)
    out += _structure_steps(lines[:first], counter, newline)
    for position, start in enumerate(group_starts):
        end = group_starts[position + 1] if position + 1 < len(group_starts) else len(lines)
        out += _wrap_group(lines[start:end], counter, newline)
    return out


def _wrap_group(lines: list[str], counter: _Counter, newline: str) -> list[str]:
    content_end = _trim_blank_end(lines, 1, len(lines))
    title = (heading_of(lines[0]) or (3, ""))[1].replace("-->", "->")
    return [
        marker_line(GROUP_START, f'"{title}"', newline=newline),
        lines[0],
        *_structure_steps(lines[1:content_end], counter, newline),
        marker_line(GROUP_END, "", newline=newline),
        *lines[content_end:],
    ]


class _Counter:
    """The running step id across the whole procedure."""

    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def _is_image_line(line: str) -> bool:
    return IMAGE.fullmatch(content_of(line).strip()) is not None


def _is_caption_start(line: str) -> bool:
    return content_of(line).strip().startswith(CAPTION_PREFIX)


def _split_blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Cut a run of procedure lines into ('step' | 'text' | 'blank', lines) blocks."""
    blocks: list[tuple[str, list[str]]] = []
    fences = FenceTracker()
    pending: list[str] = []
    last_image = False
    for line in lines:
        inside_fence = fences.is_open
        fences.step(line)
        kind = blocks[-1][0] if blocks else None
        if inside_fence and kind is not None:
            blocks[-1][1].extend([*pending, line])
            pending = []
        elif STEP_LINE.match(line):
            _flush_blank(blocks, pending)
            blocks.append(("step", [line]))
            pending, last_image = [], False
        elif is_blank(line):
            pending.append(line)
        elif kind == "step" and _continues_step(line, pending, last_image):
            blocks[-1][1].extend([*pending, line])
            pending = []
            last_image = _is_image_line(line) or (last_image and _is_caption_start(line))
        else:
            _flush_blank(blocks, pending)
            if not blocks or blocks[-1][0] != "text":
                blocks.append(("text", []))
            blocks[-1][1].append(line)
            pending, last_image = [], False
    _flush_blank(blocks, pending)
    return blocks


def _flush_blank(blocks: list[tuple[str, list[str]]], pending: list[str]) -> None:
    if pending:
        blocks.append(("blank", list(pending)))
        pending.clear()


def _continues_step(line: str, pending: list[str], after_image: bool) -> bool:
    if not pending or line[:1] in (" ", "\t") or _is_image_line(line):
        return True
    return after_image and _is_caption_start(line)


def _structure_steps(lines: list[str], counter: _Counter, newline: str) -> list[str]:
    out: list[str] = []
    for kind, block in _split_blocks(lines):
        if kind == "step":
            out += _wrap_step(block, counter.next(), newline)
        elif kind == "text":
            out += [
                marker_line(PROSE_START, "", newline=newline),
                *block,
                marker_line(PROSE_END, "", newline=newline),
            ]
        else:
            out += block
    return out


def _wrap_step(lines: list[str], step_id: int, newline: str) -> list[str]:
    first = STEP_LINE.sub(f"{step_id}.", lines[0], count=1)
    out = [marker_line(STEP_START, f"id={step_id}", newline=newline), first]
    fences = FenceTracker()
    index = 1
    while index < len(lines):
        line = lines[index]
        if not fences.step(line) and _is_image_line(line):
            caption, index = _caption_after(lines, index + 1)
            out += _screenshot(line, caption, newline)
            continue
        out.append(line)
        index += 1
    out.append(marker_line(STEP_END, "", newline=newline))
    return out


def _caption_after(lines: list[str], index: int) -> tuple[list[str] | None, int]:
    """The `Image note:` paragraph after an image (blank lines before it are absorbed)."""
    start = index
    while start < len(lines) and is_blank(lines[start]):
        start += 1
    if start >= len(lines) or not _is_caption_start(lines[start]):
        return None, index
    end = start
    while end < len(lines) and not is_blank(lines[end]) and not _is_image_line(lines[end]):
        end += 1
    texts = [content_of(line).strip() for line in lines[start:end]]
    texts[0] = texts[0][len(CAPTION_PREFIX) :].strip()
    return texts, end


def _screenshot(image_line: str, caption: list[str] | None, newline: str) -> list[str]:
    out = [
        marker_line(SCREENSHOT_START, "", newline=newline),
        content_of(image_line).strip() + newline,
    ]
    if caption is not None:
        out.append(marker_line(CAPTION_START, "", newline=newline))
        out += [text + newline for text in caption if text]
        out.append(marker_line(CAPTION_END, "", newline=newline))
    out.append(marker_line(SCREENSHOT_END, "", newline=newline))
    return out
