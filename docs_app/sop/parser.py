"""Parse a document into the tree of `tree.py`, in one pass over its lines.

The parser is a small state machine over a stack of open blocks. In each state only the
markers that make sense there are structure; any other marker is kept as text (an invisible
HTML comment). Concretely:

- outside sections only `sop-section-start` counts; in a `raw` section only
  `sop-section-end`; in any other section except the procedure only the section end (and a
  new section start, which means the open section was never closed);
- group, step, prose and TODO markers are structure only in the procedure — the first
  section named `procedure`, when it is not raw;
- inside a step only screenshots (and the step end) are structure; inside a screenshot the
  caption; inside prose only its end.

A structural marker met where it cannot go raises `SopParseError` with one of the fixed
texts of SOP-FORMAT §3. "unclosed" errors name the line of the *opening* marker of the
block that was never closed — the innermost one when several are open — because that is
where the author has to look. An unclosed caption is not a parse error: the caption runs to
the screenshot end and lint reports it (L18).
"""

from __future__ import annotations

from collections.abc import Callable

from .frontmatter import Split, split_frontmatter
from .lines import newline_of, split_lines
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
    TODO,
    Marker,
    marker_of,
    parse_attributes,
    quoted_text,
    section_args,
)
from .tree import (
    PROCEDURE,
    Block,
    Caption,
    Chunk,
    Document,
    Group,
    Prose,
    Screenshot,
    Section,
    Step,
    Todo,
)

NESTED_GROUP = "nested <!-- group --> not allowed"
GROUP_END_WITHOUT_GROUP = "<!-- sop-group-end --> with no open group"
NESTED_STEP = "nested <!-- sop-step-start --> not allowed"
STEP_WITHOUT_ID = "step missing required `id` attribute"
STEP_END_WITHOUT_STEP = "<!-- sop-step-end --> with no open step"
UNCLOSED_STEP = "unclosed <!-- sop-step-start -->"
UNCLOSED_GROUP = "unclosed <!-- group -->"
UNCLOSED_PROSE = "unclosed <!-- sop-prose-start -->"
UNCLOSED_SCREENSHOT = "unclosed <!-- sop-screenshot-start -->"

_SECTION_MARKERS = frozenset({SECTION_START, SECTION_END})
_GROUP_MARKERS = frozenset({GROUP_START, GROUP_END})
_STEP_MARKERS = frozenset({STEP_START, STEP_END})
_OUTER_MARKERS = _SECTION_MARKERS | _GROUP_MARKERS


def unclosed_section(name: str) -> str:
    return f"unclosed <!-- sop-section-start: {name} -->"


class SopParseError(ValueError):
    """A structural mistake the tree cannot represent; `str()` is `line N: problem`."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def parse(text: str) -> Document:
    """Parse a whole file. Raises SopParseError; frontmatter problems never raise."""
    return parse_split(split_frontmatter(text), newline_of(text))


def parse_split(split: Split, newline: str = "\n") -> Document:
    """Parse the body of an already split file (lets lint reuse its frontmatter)."""
    document = Document(split.frontmatter, [], newline, split.body_start_line)
    parser = _Parser(document)
    for offset, line in enumerate(split_lines(split.body)):
        parser.feed(line, split.body_start_line + offset)
    parser.finish()
    return document


class _Parser:
    def __init__(self, document: Document):
        self.document = document
        self.stack: list[Block] = []
        self.buffer: list[str] = []
        self.buffer_line = 0
        self.seen_procedure = False
        self.handlers: dict[type, Callable[[Marker, str, int], bool]] = {
            Section: self._in_container,
            Group: self._in_container,
            Step: self._in_step,
            Screenshot: self._in_screenshot,
            Caption: self._in_caption,
            Prose: self._in_prose,
        }

    def feed(self, line: str, number: int) -> None:
        marker = marker_of(line)
        if marker is None or not self._handler()(marker, line, number):
            if not self.buffer:
                self.buffer_line = number
            self.buffer.append(line)

    def finish(self) -> None:
        self._flush()
        for block in reversed(self.stack):
            if not isinstance(block, Caption):
                raise SopParseError(block.line or 0, _unclosed_problem(block))

    def _handler(self) -> Callable[[Marker, str, int], bool]:
        top = self.stack[-1] if self.stack else None
        if top is None:
            return self._at_top
        if isinstance(top, Section) and not top.structured:
            return self._in_raw_section if top.raw else self._in_section
        return self.handlers[type(top)]

    def _flush(self) -> None:
        if not self.buffer:
            return
        chunk = Chunk("".join(self.buffer), self.buffer_line)
        self._parts().append(chunk)
        self.buffer = []

    def _parts(self) -> list:
        return self.stack[-1].parts if self.stack else self.document.parts

    def _open(self, block: Block) -> bool:
        self._flush()
        self._parts().append(block)
        self.stack.append(block)
        return True

    def _close(self, line: str) -> bool:
        self._flush()
        self.stack.pop().closing = line
        return True

    def _at_top(self, marker: Marker, line: str, number: int) -> bool:
        if marker.kind != SECTION_START:
            return False
        name, raw = section_args(marker) or ("", False)
        section = Section(line, name, raw, number)
        if name == PROCEDURE and not self.seen_procedure:
            self.seen_procedure = True
            section.structured = not raw
        return self._open(section)

    def _in_raw_section(self, marker: Marker, line: str, number: int) -> bool:
        return marker.kind == SECTION_END and self._close(line)

    def _in_section(self, marker: Marker, line: str, number: int) -> bool:
        if marker.kind == SECTION_START:
            self._fail_unclosed()
        return marker.kind == SECTION_END and self._close(line)

    def _in_container(self, marker: Marker, line: str, number: int) -> bool:
        in_group = isinstance(self.stack[-1], Group)
        kind = marker.kind
        if kind in _SECTION_MARKERS:
            if in_group or kind == SECTION_START:
                self._fail_unclosed()
            return self._close(line)
        if kind == GROUP_START:
            if in_group:
                raise SopParseError(number, NESTED_GROUP)
            return self._open(Group(line, quoted_text(marker.args), number))
        if kind == GROUP_END:
            if not in_group:
                raise SopParseError(number, GROUP_END_WITHOUT_GROUP)
            return self._close(line)
        return self._container_block(marker, line, number)

    def _container_block(self, marker: Marker, line: str, number: int) -> bool:
        """Steps, prose and TODOs: the blocks allowed in a procedure or a group."""
        if marker.kind == STEP_START:
            attributes = parse_attributes(marker.args)
            if not any(attribute.key == "id" for attribute in attributes):
                raise SopParseError(number, STEP_WITHOUT_ID)
            return self._open(Step(line, attributes, number))
        if marker.kind == STEP_END:
            raise SopParseError(number, STEP_END_WITHOUT_STEP)
        if marker.kind == PROSE_START:
            return self._open(Prose(line, line=number))
        if marker.kind == TODO:
            self._flush()
            self._parts().append(Todo(line, quoted_text(marker.args), number))
            return True
        return False

    def _in_step(self, marker: Marker, line: str, number: int) -> bool:
        if marker.kind == STEP_END:
            return self._close(line)
        if marker.kind == STEP_START:
            raise SopParseError(number, NESTED_STEP)
        if marker.kind in _OUTER_MARKERS:
            self._fail_unclosed()
        return marker.kind == SCREENSHOT_START and self._open(Screenshot(line, line=number))

    def _in_screenshot(self, marker: Marker, line: str, number: int) -> bool:
        if marker.kind == SCREENSHOT_END:
            return self._close(line)
        if marker.kind in _OUTER_MARKERS | _STEP_MARKERS or marker.kind == SCREENSHOT_START:
            self._fail_unclosed()
        return marker.kind == CAPTION_START and self._open(Caption(line, line=number))

    def _in_caption(self, marker: Marker, line: str, number: int) -> bool:
        if marker.kind == CAPTION_END:
            return self._close(line)
        if marker.kind == SCREENSHOT_END:
            self._flush()
            self.stack.pop()
            return self._close(line)
        if marker.kind in _OUTER_MARKERS | _STEP_MARKERS or marker.kind == SCREENSHOT_START:
            self._fail_unclosed()
        return False

    def _in_prose(self, marker: Marker, line: str, number: int) -> bool:
        if marker.kind == PROSE_END:
            return self._close(line)
        if marker.kind in _OUTER_MARKERS | _STEP_MARKERS or marker.kind == PROSE_START:
            self._fail_unclosed()
        return False

    def _fail_unclosed(self) -> None:
        """Raise for the innermost open block (a caption counts as its screenshot)."""
        block = self.stack[-1]
        if isinstance(block, Caption):
            block = self.stack[-2]
        raise SopParseError(block.line or 0, _unclosed_problem(block))


def _unclosed_problem(block: Block) -> str:
    if isinstance(block, Section):
        return unclosed_section(block.name)
    problems = {
        Group: UNCLOSED_GROUP,
        Step: UNCLOSED_STEP,
        Screenshot: UNCLOSED_SCREENSHOT,
        Prose: UNCLOSED_PROSE,
    }
    return problems[type(block)]
