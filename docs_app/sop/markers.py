"""Recognising `<!-- sop-... -->` marker lines and reading their arguments.

A marker must be the only thing on its line (leading and trailing whitespace allowed);
whitespace inside `<!--` `-->` is free and names are case-sensitive. A comment that is not a
known marker — `<!-- SOP-STEP-START -->`, `<!-- sop-frobnicate -->`, a section start whose
name is not `[a-z][a-z0-9_-]*` — is ordinary text (an invisible HTML comment). Markers are
recognised even inside fenced code blocks, as the original tooling did: this keeps an
unclosed fence from swallowing the structure of the rest of the file.

All scanning here is done with `str` methods and anchored, non-nested patterns, so a long
line costs linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SECTION_START = "section-start"
SECTION_END = "section-end"
GROUP_START = "group-start"
GROUP_END = "group-end"
STEP_START = "step-start"
STEP_END = "step-end"
SCREENSHOT_START = "screenshot-start"
SCREENSHOT_END = "screenshot-end"
CAPTION_START = "caption-start"
CAPTION_END = "caption-end"
PROSE_START = "prose-start"
PROSE_END = "prose-end"
TODO = "todo"

KINDS = frozenset(
    {
        SECTION_START,
        SECTION_END,
        GROUP_START,
        GROUP_END,
        STEP_START,
        STEP_END,
        SCREENSHOT_START,
        SCREENSHOT_END,
        CAPTION_START,
        CAPTION_END,
        PROSE_START,
        PROSE_END,
        TODO,
    }
)
SECTION_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_MARKER_NAME = re.compile(r"sop-([a-z]+(?:-[a-z]+)?)")
_ATTR_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Marker:
    """One recognised marker: its kind (`step-start`, …) and the text after the name."""

    kind: str
    args: str


def marker_of(line: str) -> Marker | None:
    """The marker on this line, or None when the line is anything else."""
    if "<!--" not in line:
        return None
    text = line.strip()
    if len(text) < 7 or not text.startswith("<!--") or not text.endswith("-->"):
        return None
    inner = text[4:-3]
    if "-->" in inner:
        return None
    inner = inner.strip()
    match = _MARKER_NAME.match(inner)
    if match is None or match.group(1) not in KINDS:
        return None
    rest = inner[match.end() :]
    if rest and not (rest[0].isspace() or rest[0] == ":"):
        return None
    marker = Marker(match.group(1), _drop_colon(rest))
    if marker.kind == SECTION_START and section_args(marker) is None:
        return None
    return marker


def _drop_colon(args: str) -> str:
    args = args.strip()
    return args[1:].strip() if args.startswith(":") else args


def section_args(marker: Marker) -> tuple[str, bool] | None:
    """`(name, raw)` of a section start, or None when the name is not a valid section name."""
    tokens = marker.args.split()
    if not tokens or not SECTION_NAME.fullmatch(tokens[0]):
        return None
    return tokens[0], "raw" in tokens[1:]


def quoted_text(args: str) -> str:
    """The text of a group title or TODO: one pair of surrounding quotes is removed."""
    args = args.strip()
    if len(args) >= 2 and args[0] == args[-1] and args[0] in "\"'":
        return args[1:-1]
    return args


@dataclass(frozen=True)
class Attribute:
    key: str
    value: str
    quoted: bool


def parse_attributes(args: str) -> list[Attribute]:
    """Read `key=value`, `key="quoted value"` and `key='quoted value'` pairs in order.

    A bare word is an attribute with an empty value; stray characters are skipped. An
    unterminated quote runs to the end of the marker.
    """
    attributes: list[Attribute] = []
    index = 0
    while index < len(args):
        if args[index].isspace():
            index += 1
            continue
        match = _ATTR_KEY.match(args, index)
        if match is None:
            index = _skip_word(args, index)
            continue
        key, index = match.group(), match.end()
        if index < len(args) and args[index] == "=":
            value, quoted, index = _read_value(args, index + 1)
        else:
            value, quoted = "", False
        attributes.append(Attribute(key, value, quoted))
    return attributes


def _skip_word(args: str, index: int) -> int:
    while index < len(args) and not args[index].isspace():
        index += 1
    return index


def _read_value(args: str, index: int) -> tuple[str, bool, int]:
    if index < len(args) and args[index] in "\"'":
        quote = args[index]
        close = args.find(quote, index + 1)
        if close < 0:
            return args[index + 1 :], True, len(args)
        return args[index + 1 : close], True, close + 1
    end = _skip_word(args, index)
    return args[index:end], False, end


def format_attribute(attribute: Attribute) -> str:
    """`key=value`, quoted when it was quoted or when the value needs quotes to survive."""
    value = attribute.value
    needs_quotes = not value or any(ch.isspace() or ch in "\"'=" for ch in value)
    if attribute.quoted or needs_quotes:
        return f'{attribute.key}="{value}"'
    return f"{attribute.key}={value}"


def marker_line(kind: str, args: str, *, indent: str = "", newline: str = "\n") -> str:
    """A marker line as this tool writes it: `<!-- sop-KIND ARGS -->`."""
    body = f"sop-{kind}"
    if args:
        separator = ": " if kind in (SECTION_START, GROUP_START, TODO) else " "
        body += separator + args
    return f"{indent}<!-- {body} -->{newline}"


def check_marker_value(text: str, *, forbid_quotes: bool = False) -> str:
    """Refuse text that would break out of a marker comment, span lines or end a quote early.

    Group titles and TODO texts may contain `"` (only the outer pair is stripped when read);
    step attribute values may not, since their quote ends at the next `"`.
    """
    if "-->" in text or "\n" in text or "\r" in text:
        raise ValueError("text in a marker cannot contain '-->' or a line break")
    if forbid_quotes and '"' in text:
        raise ValueError("an attribute value cannot contain '\"'")
    return text
