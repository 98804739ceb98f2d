"""YAML frontmatter: split it off, read it without ever raising, and edit it surgically.

A file has frontmatter only when its first line is exactly `---` (a UTF-8 byte-order mark
before it is tolerated and kept) and a later line is exactly `---`. The raw bytes from the
opening line through the closing line are kept untouched for the round trip.

YAML problems never raise: `Frontmatter.error` holds `line N: problem` (N is the line in the
file) and `data` is then empty. A document that is valid YAML but not a mapping (a list, a
scalar) is an error too.

Lint messages quote values "as written in the file", so besides the constructed `data` we keep
each top-level key's source text: the scalar's text (quotes removed, so `"1"` reads `1`),
`None` for a YAML null, or the raw source slice for a list or mapping.

Edits (`with_value`, `without_key`) rewrite only the lines of the edited key and keep every
other line — key order, comments, blank lines and quoting elsewhere survive. A comment on the
edited key's own lines is lost with them. When the mapping is written in flow style (`{a: 1}`)
the whole frontmatter is re-dumped and its comments are lost.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import yaml

from .lines import content_of, newline_of, split_lines

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULL_TAG = "tag:yaml.org,2002:null"
BOM = "\ufeff"


@dataclass
class Frontmatter:
    """The frontmatter block of one file. `raw` includes both `---` lines."""

    raw: str
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    written: dict[str, str | None] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)

    @property
    def yaml_text(self) -> str:
        """The YAML between the two `---` lines, line endings included."""
        lines = split_lines(self.raw)
        return "".join(lines[1:-1])

    def with_value(self, key: str, value: Any, *, after: str | None = None) -> Frontmatter:
        """A copy with `key` set to `value`; a new key goes after `after` (if present) or last."""
        return _rebuild(self, _set_key(self, key, value, after))

    def without_key(self, key: str) -> Frontmatter:
        """A copy with `key` removed (unchanged when the key is absent)."""
        return _rebuild(self, _delete_key(self, key))


@dataclass
class Split:
    """A file cut into its frontmatter (or None) and its body."""

    frontmatter: Frontmatter | None
    body: str
    body_start_line: int


def split_frontmatter(text: str) -> Split:
    """Cut `text` into frontmatter and body; `body_start_line` is the body's 1-based line.

    Lines are scanned only up to the closing `---`, so long bodies cost nothing here.
    """
    start = len(BOM) if text.startswith(BOM) else 0
    first_end = text.find("\n", start)
    if first_end < 0 or content_of(text[start : first_end + 1]) != "---":
        return Split(None, text, 1)
    position, number = first_end + 1, 2
    while position < len(text):
        end = text.find("\n", position)
        line = text[position:] if end < 0 else text[position : end + 1]
        if content_of(line) == "---":
            raw = text[: position + len(line)]
            return Split(read_frontmatter(raw), text[len(raw) :], number + 1)
        position, number = position + len(line), number + 1
    return Split(None, text, 1)


def read_frontmatter(raw: str) -> Frontmatter:
    """Build a Frontmatter from its raw block, capturing any YAML problem as `error`."""
    block = Frontmatter(raw=raw)
    try:
        node, data = _load(block.yaml_text)
    except yaml.YAMLError as exc:
        block.error = _yaml_error_text(exc)
        return block
    if data is None:
        return block
    if not isinstance(data, dict):
        block.error = f"line 2: frontmatter must be a YAML mapping, not a {type(data).__name__}"
        return block
    block.data = data
    _record_written(block, node)
    return block


def _load(yaml_text: str) -> tuple[yaml.Node | None, Any]:
    """Compose and construct in one pass: the node tree gives the source texts."""
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _yaml_error_text(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return problem
    return f"line {mark.line + 2}: {problem}"


def _record_written(block: Frontmatter, node: yaml.Node) -> None:
    yaml_text = block.yaml_text
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        block.written[key_node.value] = _source_text(value_node, yaml_text)
        block.key_lines[key_node.value] = key_node.start_mark.line + 2


def _source_text(node: yaml.Node, yaml_text: str) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == _NULL_TAG else node.value
    return yaml_text[node.start_mark.index : node.end_mark.index]


def _rebuild(old: Frontmatter, yaml_text: str) -> Frontmatter:
    lines = split_lines(old.raw)
    return read_frontmatter(lines[0] + yaml_text + lines[-1])


def _dump_entry(key: str, value: Any, newline: str) -> str:
    return _dump_all({key: value}, newline)


def _line_editable(block: Frontmatter) -> tuple[bool, yaml.MappingNode | None]:
    """Whether edits can be made line by line, and the root mapping node when there is one.

    Empty (or comment-only) frontmatter is editable by appending; a flow-style mapping or a
    block with a YAML error is not.
    """
    if block.error:
        return False, None
    node, _ = _load(block.yaml_text)
    if node is None:
        return True, None
    if isinstance(node, yaml.MappingNode) and not node.flow_style:
        return True, node
    return False, None


def _entry_span(key_node: yaml.Node, value_node: yaml.Node, lines: list[str]) -> range:
    """The YAML lines holding one top-level entry, without trailing blanks or comments."""
    end_mark = value_node.end_mark
    last = end_mark.line if end_mark.column > 0 else end_mark.line - 1
    last = min(max(last, key_node.start_mark.line), len(lines) - 1)
    literal = isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">")
    while not literal and last > key_node.start_mark.line:
        stripped = lines[last].strip()
        if stripped and not stripped.startswith("#"):
            break
        last -= 1
    return range(key_node.start_mark.line, last + 1)


def _entries(mapping: yaml.MappingNode, lines: list[str]) -> dict[str, range]:
    return {
        key.value: _entry_span(key, value, lines)
        for key, value in mapping.value
        if isinstance(key, yaml.ScalarNode)
    }


def _set_key(block: Frontmatter, key: str, value: Any, after: str | None) -> str:
    newline = newline_of(block.raw)
    editable, mapping = _line_editable(block)
    if not editable:
        return _dump_all({**_editable_data(block), key: value}, newline)
    lines = split_lines(block.yaml_text)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    spans = _entries(mapping, lines) if mapping is not None else {}
    entry = _dump_entry(key, value, newline)
    if key in spans:
        span = spans[key]
        return "".join(lines[: span.start]) + entry + "".join(lines[span.stop :])
    insert_at = spans[after].stop if after in spans else len(lines)
    return "".join(lines[:insert_at]) + entry + "".join(lines[insert_at:])


def _delete_key(block: Frontmatter, key: str) -> str:
    editable, mapping = _line_editable(block)
    if not editable:
        data = {k: v for k, v in _editable_data(block).items() if k != key}
        return _dump_all(data, newline_of(block.raw))
    if mapping is None:
        return block.yaml_text
    lines = split_lines(block.yaml_text)
    span = _entries(mapping, lines).get(key)
    if span is None:
        return block.yaml_text
    return "".join(lines[: span.start]) + "".join(lines[span.stop :])


def _editable_data(block: Frontmatter) -> dict[str, Any]:
    """The data an edit starts from; a block with a YAML error cannot be edited safely."""
    if block.error:
        raise ValueError(f"cannot edit frontmatter with a YAML error ({block.error})")
    return block.data


def _dump_all(data: dict[str, Any], newline: str) -> str:
    """Dump a mapping in block style, with lists of scalars in flow style (`[a, b]`).

    `default_flow_style=None` alone would write a one-key mapping as `{key: value}`, so the
    root node is forced to block style.
    """
    if not data:
        return ""
    stream = io.StringIO()
    dumper = yaml.SafeDumper(
        stream, default_flow_style=None, allow_unicode=True, width=4096, sort_keys=False
    )
    try:
        dumper.open()
        node = dumper.represent_data(data)
        node.flow_style = False
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    dumped = stream.getvalue()
    return dumped.replace("\n", newline) if newline != "\n" else dumped


def new_frontmatter(newline: str = "\n") -> Frontmatter:
    """An empty frontmatter block, for documents that had none."""
    return read_frontmatter(f"---{newline}---{newline}")
