"""Line-level helpers shared by the parser, linter, normalizer and text extraction.

Only `\\n` ends a line. A lone `\\r` (or any other Unicode line separator) stays inside its
line, so line numbers agree with `git blame` and editors, and a CRLF file keeps every `\\r`
in the bytes of the line it belongs to — which is what makes byte-identical round trips easy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

ATX_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?$")
IMAGE = re.compile(
    r"!\[([^\[\]\n]*)\]\([ \t]*(<[^>\n]*>|[^()\s]*)[ \t]*(?:(?:\"[^\"\n]*\"|'[^'\n]*')[ \t]*)?\)"
)
FENCE_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})")


def split_lines(text: str) -> list[str]:
    """Split into lines that keep their `\\n`; joining the result gives `text` back."""
    if not text:
        return []
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


def content_of(line: str) -> str:
    """The line without its line ending (`\\n` or `\\r\\n`)."""
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line


def newline_of(text: str) -> str:
    """The document's line ending, judged by its first line; edits reuse it."""
    index = text.find("\n")
    if index > 0 and text[index - 1] == "\r":
        return "\r\n"
    return "\n"


def as_block(text: str, newline: str) -> str:
    """Text supplied by an edit, converted to the document's line endings and closed by one.

    Edited text always ends with a line ending so the marker after it stays on its own line.
    """
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    if unified and not unified.endswith("\n"):
        unified += "\n"
    return unified.replace("\n", newline) if newline != "\n" else unified


def is_blank(line: str) -> bool:
    return not line.strip()


def heading_of(line: str) -> tuple[int, str] | None:
    """`(level, text)` for an ATX heading line, without the optional closing `#` run."""
    match = ATX_HEADING.match(content_of(line))
    if match is None:
        return None
    text = (match.group(2) or "").strip()
    stripped = text.rstrip("#")
    if stripped != text and (not stripped or stripped[-1] in " \t"):
        text = stripped.strip()
    return len(match.group(1)), text


class FenceTracker:
    """Follows fenced code blocks line by line, so callers can skip code content.

    `step(line)` returns True when the line belongs to a fence (opener, content or closer).
    An unclosed fence runs to the end of the text, as in CommonMark. Fences may be indented
    at any depth: in SOPs they usually sit inside a numbered step's list item.
    """

    def __init__(self) -> None:
        self._fence: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the next line is inside a fence (its content or its closer)."""
        return self._fence is not None

    def step(self, line: str) -> bool:
        text = content_of(line)
        if self._fence is None:
            match = FENCE_OPEN.match(text)
            if match is None or (match.group(1)[0] == "`" and "`" in text[match.end() :]):
                return False
            self._fence = match.group(1)
            return True
        stripped = text.strip()
        if stripped.startswith(self._fence[0] * len(self._fence)) and not stripped.strip(
            self._fence[0]
        ):
            self._fence = None
        return True


def code_free_lines(text: str) -> Iterator[tuple[int, str]]:
    """`(offset, line)` for every line outside fenced code blocks (offset 0 = first line)."""
    fences = FenceTracker()
    for offset, line in enumerate(split_lines(text)):
        if not fences.step(line):
            yield offset, line


def strip_code_spans(line: str) -> str:
    """Blank out inline code spans (same length), so their content is never read as links."""
    out: list[str] = []
    index = 0
    while True:
        start = line.find("`", index)
        if start < 0:
            out.append(line[index:])
            return "".join(out)
        run_end = start
        while run_end < len(line) and line[run_end] == "`":
            run_end += 1
        ticks = line[start:run_end]
        close = _find_closing_ticks(line, ticks, run_end)
        if close < 0:
            out.append(line[index:run_end])
            index = run_end
            continue
        out.append(line[index:start])
        out.append(" " * (close + len(ticks) - start))
        index = close + len(ticks)


def _find_closing_ticks(line: str, ticks: str, start: int) -> int:
    """Position of a backtick run of exactly `len(ticks)` at or after `start`, else -1."""
    index = start
    while True:
        found = line.find(ticks, index)
        if found < 0:
            return -1
        end = found + len(ticks)
        if end < len(line) and line[end] == "`":
            while end < len(line) and line[end] == "`":
                end += 1
            index = end
            continue
        return found


def without_html_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """The line's text outside HTML comments, and whether a comment is still open after it."""
    kept: list[str] = []
    index = 0
    while index <= len(line):
        if in_comment:
            end = line.find("-->", index)
            if end < 0:
                return "".join(kept), True
            index = end + 3
            in_comment = False
        start = line.find("<!--", index)
        if start < 0:
            kept.append(line[index:])
            break
        kept.append(line[index:start])
        index = start + 4
        in_comment = True
    return "".join(kept), in_comment
