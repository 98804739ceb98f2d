"""The parsed document: a concrete syntax tree that owns every byte of the file.

Each node keeps the exact source it came from — marker lines verbatim in `opening` /
`closing`, everything else in `Chunk` leaves — so serialising is concatenation and an
unchanged document comes back byte for byte. Edits replace the bytes of the node they touch
and nothing else; text supplied by an edit is converted to the document's line endings.

Line numbers (`line`) are 1-based lines in the file as parsed; they go stale after an edit
and are only meant for reports on a freshly parsed document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .frontmatter import Frontmatter, new_frontmatter
from .lines import (
    IMAGE,
    as_block,
    content_of,
    heading_of,
    is_blank,
    split_lines,
    without_html_comments,
)
from .markers import (
    CAPTION_END,
    CAPTION_START,
    GROUP_START,
    STEP_END,
    STEP_START,
    TODO,
    Attribute,
    check_marker_value,
    format_attribute,
    marker_line,
)

RENDERED_NUMBER = re.compile(r"([ \t]{0,3})(\d{1,9})\.(?=\s|$)")
PROCEDURE = "procedure"


@dataclass(eq=False)
class Chunk:
    """Lines of text that are not markers, kept verbatim."""

    raw: str
    line: int | None = None

    def source(self) -> str:
        return self.raw


@dataclass(eq=False)
class Block:
    """A marker pair and what lies between; `closing` is None only for an unclosed caption."""

    opening: str
    parts: list[Any] = field(default_factory=list)
    closing: str | None = None
    line: int | None = None

    def source(self) -> str:
        return self.opening + self.inner + (self.closing or "")

    @property
    def inner(self) -> str:
        return "".join(part.source() for part in self.parts)

    def _replace_inner(self, text: str) -> None:
        self.parts = [Chunk(as_block(text, _ending(self.opening)))] if text else []


class Caption(Block):
    @property
    def text(self) -> str:
        return self.inner

    @property
    def unclosed(self) -> bool:
        return self.closing is None

    def set_text(self, text: str) -> None:
        self._replace_inner(text)


@dataclass(frozen=True)
class Image:
    alt: str
    src: str


class Screenshot(Block):
    """A screenshot block: normally one image line and an optional caption."""

    @property
    def images(self) -> list[Image]:
        found: list[Image] = []
        for part in self.parts:
            if isinstance(part, Chunk):
                found.extend(
                    Image(m.group(1), m.group(2).strip("<>")) for m in IMAGE.finditer(part.raw)
                )
        return found

    @property
    def image(self) -> Image | None:
        images = self.images
        return images[0] if images else None

    @property
    def image_count(self) -> int:
        return len(self.images)

    @property
    def caption_unclosed(self) -> bool:
        """A caption was opened and the screenshot ended before its end marker (L18)."""
        return any(isinstance(p, Caption) and p.unclosed for p in self.parts)

    @property
    def caption_block(self) -> Caption | None:
        return next((part for part in self.parts if isinstance(part, Caption)), None)

    @property
    def caption(self) -> str | None:
        block = self.caption_block
        return block.text.strip() if block is not None else None

    def set_caption(self, text: str | None) -> None:
        """Replace, add (after the image lines) or, with None, remove the caption."""
        block = self.caption_block
        if text is None:
            self.parts = [part for part in self.parts if part is not block]
        elif block is not None:
            block.set_text(text)
        else:
            newline = _ending(self.opening)
            caption = Caption(
                marker_line(CAPTION_START, "", newline=newline),
                [Chunk(as_block(text, newline))],
                marker_line(CAPTION_END, "", newline=newline),
            )
            self.parts.append(caption)


class Step(Block):
    """One step; `attributes` are the marker's `key=value` pairs as written, `id` included."""

    def __init__(self, opening: str, attributes: list[Attribute], line: int | None = None):
        super().__init__(opening, [], None, line)
        self.attributes = attributes

    @classmethod
    def new(
        cls, step_id: str, body: str, *, attrs: dict[str, str] | None = None, newline: str = "\n"
    ) -> Step:
        """A step in the corpus layout; the body's first line gets the rendered number."""
        attributes = [Attribute("id", step_id, False)]
        for key, value in (attrs or {}).items():
            attributes.append(Attribute(key, check_marker_value(value, forbid_quotes=True), True))
        step = cls(_step_marker(attributes, "", newline), attributes)
        if not RENDERED_NUMBER.match(body):
            body = f"{step_id}.  {body}"
        step.parts = [Chunk(as_block(body, newline))]
        step.closing = marker_line(STEP_END, "", newline=newline)
        return step

    @property
    def id(self) -> str:
        return self.attrs_with_id().get("id", "")

    def attrs_with_id(self) -> dict[str, str]:
        return {attribute.key: attribute.value for attribute in self.attributes}

    @property
    def attrs(self) -> dict[str, str]:
        """Attributes other than `id` (the last one wins when a key repeats)."""
        return {k: v for k, v in self.attrs_with_id().items() if k != "id"}

    @property
    def screenshots(self) -> list[Screenshot]:
        return [part for part in self.parts if isinstance(part, Screenshot)]

    @property
    def body(self) -> str:
        """The step's Markdown without its screenshot blocks."""
        return "".join(part.raw for part in self.parts if isinstance(part, Chunk))

    @property
    def number(self) -> int | None:
        """The rendered number: the leading `N.` of the first non-blank body line."""
        found = self._number_line()
        return int(found[1].group(2)) if found else None

    def _number_line(self) -> tuple[int, re.Match[str]] | None:
        if not self.parts or not isinstance(self.parts[0], Chunk):
            return None
        for index, line in enumerate(split_lines(self.parts[0].raw)):
            if not is_blank(line):
                match = RENDERED_NUMBER.match(line)
                return (index, match) if match else None
        return None

    def set_body(self, markdown: str) -> None:
        """Replace the step's text; screenshot blocks stay, after the new text.

        Text that sat after a screenshot is part of `body`, so it is replaced too; blank
        separator lines between blocks are kept.
        """
        kept = [
            part
            for index, part in enumerate(self.parts)
            if isinstance(part, Screenshot)
            or (index > 0 and isinstance(part, Chunk) and is_blank(part.raw))
        ]
        self.parts = [Chunk(as_block(markdown, _ending(self.opening))), *kept]

    def set_id(self, step_id: str) -> None:
        """Change the id; the rendered number follows when the first line has one."""
        if step_id == self.id:
            return
        self.set_attribute("id", step_id)
        found = self._number_line()
        if found is not None and step_id.isascii() and step_id.isdigit():
            index, match = found
            lines = split_lines(self.parts[0].raw)
            line = lines[index]
            lines[index] = line[: match.start(2)] + step_id + line[match.end(2) :]
            self.parts[0] = Chunk("".join(lines), self.parts[0].line)

    def set_attribute(self, key: str, value: str | None) -> None:
        """Set (or with None remove) one marker attribute; only the marker line changes."""
        if value is not None:
            check_marker_value(value, forbid_quotes=True)
        updated: list[Attribute] = []
        seen = False
        for attribute in self.attributes:
            if attribute.key != key:
                updated.append(attribute)
            elif value is not None and not seen:
                updated.append(Attribute(key, value, attribute.quoted))
                seen = True
        if value is not None and not seen:
            updated.append(Attribute(key, value, key != "id"))
        self.attributes = updated
        self.opening = _step_marker(updated, _indent(self.opening), _ending(self.opening))


class Prose(Block):
    @property
    def text(self) -> str:
        return self.inner

    def set_text(self, text: str) -> None:
        self._replace_inner(text)


@dataclass(eq=False)
class Todo:
    """A self-closing `<!-- sop-todo: "..." -->` line."""

    raw: str
    text: str
    line: int | None = None

    def source(self) -> str:
        return self.raw

    def set_text(self, text: str) -> None:
        self.text = check_marker_value(text)
        self.raw = marker_line(
            TODO, f'"{text}"', indent=_indent(self.raw), newline=_ending(self.raw)
        )


class StepContainer(Block):
    """A procedure section or a group: the blocks that can hold steps."""

    @property
    def steps(self) -> list[Step]:
        return [part for part in self.parts if isinstance(part, Step)]

    def insert_step(self, position: int, step: Step) -> None:
        """Insert before this container's `position`-th step (or after its last one).

        Steps are kept one blank line apart, as the corpus writes them.
        """
        blank = Chunk(_ending(step.opening))
        steps = self.steps
        if position < len(steps):
            at = self._index(steps[position])
            self.parts[at:at] = [step, blank]
        elif steps:
            at = self._index(steps[-1]) + 1
            self.parts[at:at] = [blank, step]
        else:
            needs_gap = bool(self.parts) and not _ends_blank(self.parts[-1])
            self.parts.extend([blank, step, blank] if needs_gap else [step, blank])

    def remove_step(self, step: Step) -> None:
        """Remove a step and the blank line that separated it from the next block."""
        at = self._index(step)
        del self.parts[at]
        before = self.parts[at - 1] if at > 0 else None
        after = self.parts[at] if at < len(self.parts) else None
        if isinstance(after, Chunk) and (before is None or _ends_blank(before)):
            lines = split_lines(after.raw)
            if lines and is_blank(lines[0]):
                rest = "".join(lines[1:])
                if rest:
                    self.parts[at] = Chunk(rest, after.line)
                else:
                    del self.parts[at]

    def _index(self, node: Any) -> int:
        for index, part in enumerate(self.parts):
            if part is node:
                return index
        raise ValueError("node is not in this container")


class Group(StepContainer):
    def __init__(self, opening: str, title: str, line: int | None = None):
        super().__init__(opening, [], None, line)
        self.title = title

    def set_title(self, title: str) -> None:
        """Rename the group: its marker and its `### ` heading line (when it has one)."""
        check_marker_value(title)
        self.title = title
        self.opening = marker_line(
            GROUP_START, f'"{title}"', indent=_indent(self.opening), newline=_ending(self.opening)
        )
        if self.parts and isinstance(self.parts[0], Chunk):
            self.parts[0] = Chunk(_retitle(self.parts[0].raw, title), self.parts[0].line)


class Section(StepContainer):
    """A `sop-section-start` … `sop-section-end` block.

    Only the document's first non-raw `procedure` section is `structured` (holds groups,
    steps, prose and TODOs); every other section holds its Markdown as chunks.
    """

    def __init__(self, opening: str, name: str, raw: bool, line: int | None = None):
        super().__init__(opening, [], None, line)
        self.name = name
        self.raw = raw
        self.structured = False

    @property
    def groups(self) -> list[Group]:
        return [part for part in self.parts if isinstance(part, Group)]

    @property
    def heading(self) -> str | None:
        """The text of the section's first non-blank line when that line is a heading."""
        found = split_heading(self.inner)
        return found[1] if found else None

    @property
    def body(self) -> str:
        """The section's Markdown after its heading line (markers of a procedure included)."""
        found = split_heading(self.inner)
        return found[2] if found else self.inner

    def set_body(self, markdown: str) -> None:
        """Replace everything after the heading line; for unstructured sections only."""
        if self.structured:
            raise ValueError("edit the procedure through its steps, prose and TODOs")
        found = split_heading(self.inner)
        head = found[0] if found else ""
        self.parts = [Chunk(head + as_block(markdown, _ending(self.opening)))]


Part = Chunk | Section


@dataclass(eq=False)
class Document:
    """A whole file: optional frontmatter, then chunks (preamble, gaps) and sections."""

    frontmatter: Frontmatter | None
    parts: list[Part]
    newline: str = "\n"
    body_start_line: int = 1

    def source(self) -> str:
        head = self.frontmatter.raw if self.frontmatter is not None else ""
        return head + "".join(part.source() for part in self.parts)

    @property
    def data(self) -> dict[str, Any]:
        return self.frontmatter.data if self.frontmatter is not None else {}

    @property
    def sections(self) -> list[Section]:
        return [part for part in self.parts if isinstance(part, Section)]

    @property
    def preamble(self) -> str:
        """Text before the first section (the `# Title` line, an intro…)."""
        text: list[str] = []
        for part in self.parts:
            if isinstance(part, Section):
                break
            text.append(part.raw)
        return "".join(text)

    @property
    def procedure(self) -> Section | None:
        return next((s for s in self.sections if s.name == PROCEDURE), None)

    @property
    def structured_procedure(self) -> Section | None:
        procedure = self.procedure
        return procedure if procedure is not None and procedure.structured else None

    def procedure_blocks(self) -> Iterator[tuple[Group | None, Any]]:
        """Every part of the procedure in document order, with the group it sits in."""
        procedure = self.structured_procedure
        if procedure is None:
            return
        for part in procedure.parts:
            yield None, part
            if isinstance(part, Group):
                for inner in part.parts:
                    yield part, inner

    def steps(self) -> list[Step]:
        return [part for _, part in self.procedure_blocks() if isinstance(part, Step)]

    def find_step(self, step_id: str) -> Step | None:
        return next((step for step in self.steps() if step.id == step_id), None)

    def container_of(self, step: Step) -> StepContainer:
        for group, part in self.procedure_blocks():
            if part is step:
                return group if group is not None else self.structured_procedure
        raise ValueError("step is not in this document's procedure")

    def placed_blocks(self, kind: type) -> list[tuple[str | None, Any]]:
        """Prose blocks or TODOs with the id of the step they follow (None before any)."""
        placed: list[tuple[str | None, Any]] = []
        last_step: str | None = None
        for _, part in self.procedure_blocks():
            if isinstance(part, Step):
                last_step = part.id
            elif isinstance(part, kind):
                placed.append((last_step, part))
        return placed

    def orphan_lines(self) -> list[int]:
        """Lines of procedure text outside steps, prose and TODOs, for lint rule L15.

        Blank lines, ATX headings and HTML comments (also spanning lines) are not orphan text.
        """
        found: list[int] = []
        in_comment = False
        for _, part in self.procedure_blocks():
            if not isinstance(part, Chunk) or part.line is None:
                continue
            for offset, line in enumerate(split_lines(part.raw)):
                text, in_comment = without_html_comments(content_of(line), in_comment)
                if text.strip() and heading_of(line) is None:
                    found.append(part.line + offset)
        return found

    def move_step(self, step: Step, container: StepContainer, position: int) -> None:
        """Move a step into `container` before its `position`-th step (counted after removal)."""
        self.container_of(step).remove_step(step)
        container.insert_step(position, step)

    def delete_step(self, step: Step) -> None:
        self.container_of(step).remove_step(step)

    def renumber_steps(self) -> None:
        """Give the steps ids 1..N in document order; steps already right are not touched."""
        for number, step in enumerate(self.steps(), start=1):
            step.set_id(str(number))

    def set_field(self, key: str, value: Any, *, after: str | None = None) -> None:
        """Set one frontmatter field, creating the frontmatter when the file had none."""
        block = self.frontmatter or new_frontmatter(self.newline)
        self.frontmatter = block.with_value(key, value, after=after)

    def remove_field(self, key: str) -> None:
        if self.frontmatter is not None:
            self.frontmatter = self.frontmatter.without_key(key)


def _ending(line: str) -> str:
    """The line ending of a marker line, or `\\n` when it has none (the file's last line)."""
    ending = line[len(content_of(line)) :]
    return ending or "\n"


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _ends_blank(node: Any) -> bool:
    if not isinstance(node, Chunk):
        return False
    lines = split_lines(node.raw)
    return bool(lines) and is_blank(lines[-1])


def _step_marker(attributes: list[Attribute], indent: str, newline: str) -> str:
    args = " ".join(format_attribute(attribute) for attribute in attributes)
    return marker_line(STEP_START, args, indent=indent, newline=newline)


def split_heading(inner: str) -> tuple[str, str, str] | None:
    """`(text through the heading line, heading text, rest)` when the first line is one."""
    lines = split_lines(inner)
    for index, line in enumerate(lines):
        if is_blank(line):
            continue
        heading = heading_of(line)
        if heading is None:
            return None
        return "".join(lines[: index + 1]), heading[1], "".join(lines[index + 1 :])
    return None


def _retitle(raw: str, title: str) -> str:
    """Rewrite the first heading line of a group's leading chunk to the new title."""
    lines = split_lines(raw)
    for index, line in enumerate(lines):
        if is_blank(line):
            continue
        heading = heading_of(line)
        if heading is not None:
            ending = line[len(content_of(line)) :]
            lines[index] = f"{'#' * heading[0]} {title}{ending}"
        break
    return "".join(lines)
