"""Byte-minimal edits of one SOP block, on the parser's concrete syntax tree.

A block is addressed by a ref that stays readable in forms and URLs:

* `step:ID` — a step's Markdown body (its screenshots stay),
* `step:ID/shot:N/caption`, `step:ID/shot:N/alt` — a screenshot's caption or image alt text,
* `section:NAME` — the body of a section other than the structured procedure,
* `group:N` — the title of the procedure's N-th group (marker and `###` heading),
* `todo:N`, `prose:N` — the procedure's N-th TODO or prose block.

`block_replace` changes only the bytes of that block (the tree keeps every other byte as
read); reordering, adding and deleting steps move or insert whole blocks and renumber the
steps (ids and rendered numbers), nothing else. An edit that would leave the file
unparseable, or change its structure behind the user's back (a body that closes its step),
is refused: such text is saved in raw mode instead. Nothing here runs `sop_normalize`.

`blocks_of` lists the editable blocks with their current text and 1-based line range, what
the editor shows and what the byte-minimal tests check against.
"""

from __future__ import annotations

from dataclasses import dataclass

from dataops.errors import ServiceError
from docs_app.sop import SopParseError, parse, serialize
from docs_app.sop.lines import IMAGE
from docs_app.sop.markers import (
    GROUP_END,
    GROUP_START,
    SCREENSHOT_END,
    SCREENSHOT_START,
    check_marker_value,
    marker_line,
)
from docs_app.sop.tree import Chunk, Document, Group, Prose, Screenshot, Step, Todo


@dataclass(frozen=True)
class BlockInfo:
    ref: str
    kind: str  # step, caption, alt, section, group, todo, prose
    text: str
    first_line: int
    last_line: int


def _span(node) -> tuple[int, int]:
    source = node.source()
    count = source.count("\n") + (0 if source.endswith("\n") else 1)
    return node.line, node.line + max(count, 1) - 1


def _parse(text: str) -> Document:
    try:
        return parse(text)
    except SopParseError as exc:
        raise ServiceError(
            f"The doc cannot be edited block by block ({exc}); use the raw Markdown mode.",
            code="unparseable",
        ) from exc


def blocks_of(text: str) -> list[BlockInfo]:
    """Every editable block of the SOP in `text`, in document order."""
    document = _parse(text)
    found: list[BlockInfo] = []
    for section in document.sections:
        if not section.structured and not section.raw:
            found.append(
                BlockInfo(f"section:{section.name}", "section", section.body, *_span(section))
            )
    groups = todos = proses = 0
    for _, part in document.procedure_blocks():
        if isinstance(part, Group):
            found.append(BlockInfo(f"group:{groups}", "group", part.title, *_span(part)))
            groups += 1
        elif isinstance(part, Todo):
            found.append(BlockInfo(f"todo:{todos}", "todo", part.text, *_span(part)))
            todos += 1
        elif isinstance(part, Prose):
            found.append(BlockInfo(f"prose:{proses}", "prose", part.text, *_span(part)))
            proses += 1
        elif isinstance(part, Step):
            found.append(BlockInfo(f"step:{part.id}", "step", part.body, *_span(part)))
            for index, shot in enumerate(part.screenshots):
                ref = f"step:{part.id}/shot:{index}"
                if shot.image is not None:
                    found.append(BlockInfo(f"{ref}/alt", "alt", shot.image.alt, *_span(shot)))
                caption = shot.caption_block
                if caption is not None and caption.closing is not None:
                    found.append(
                        BlockInfo(f"{ref}/caption", "caption", caption.text, *_span(caption))
                    )
    return found


def block_replace(text: str, ref: str, value: str) -> str:
    """`text` with the block `ref` holding `value`; unchanged when it already does."""
    document = _parse(text)
    kind, _, rest = ref.partition(":")
    try:
        if kind == "step":
            _replace_in_step(document, rest, value)
        elif kind == "section":
            section = next((s for s in document.sections if s.name == rest), None)
            if section is None or section.structured or section.raw:
                raise _unknown(ref)
            if section.body != value:
                section.set_body(value)
        elif kind in ("group", "todo", "prose"):
            node = _nth(document, {"group": Group, "todo": Todo, "prose": Prose}[kind], rest, ref)
            if kind == "group" and node.title != value:
                node.set_title(value)
            elif kind != "group" and node.text != value:
                node.set_text(value)
        else:
            raise _unknown(ref)
    except ValueError as exc:
        raise ServiceError(f"{exc}.", field="value", code="bad_value") from exc
    return _checked(text, document)


def _replace_in_step(document: Document, rest: str, value: str) -> None:
    step_id, _, inner = rest.partition("/")
    step = _step(document, step_id)
    if not inner:
        if step.body != value:
            step.set_body(value)
        return
    shot_part, _, what = inner.partition("/")
    shot = _shot(step, shot_part, rest)
    if what == "caption":
        caption = shot.caption_block
        if caption is None or caption.text != value:
            shot.set_caption(value)
    elif what == "alt":
        _set_alt(shot, value)
    else:
        raise _unknown(f"step:{rest}")


def _set_alt(shot: Screenshot, alt: str) -> None:
    if any(c in alt for c in "[]\n\r"):
        raise ValueError("alt text cannot contain brackets or line breaks")
    for index, part in enumerate(shot.parts):
        if isinstance(part, Chunk):
            match = IMAGE.search(part.raw)
            if match is not None:
                if match.group(1) != alt:
                    raw = part.raw[: match.start(1)] + alt + part.raw[match.end(1) :]
                    shot.parts[index] = Chunk(raw, part.line)
                return
    raise ValueError("the screenshot has no image")


def step_add_after(text: str, after_id: str | None, body: str, attrs: dict | None = None) -> str:
    """A new step after step `after_id` (first in the procedure when None), then renumbered."""
    document = _parse(text)
    procedure = document.structured_procedure
    if procedure is None:
        raise ServiceError("This doc has no procedure to add steps to.", code="no_procedure")
    try:
        step = Step.new(str(len(document.steps()) + 1), body or "New step.", attrs=attrs)
    except ValueError as exc:
        raise ServiceError(f"{exc}.", field="attrs", code="bad_value") from exc
    if after_id is None:
        container = procedure.groups[0] if procedure.groups else procedure
        container.insert_step(0, step)
    else:
        after = _step(document, after_id)
        container = document.container_of(after)
        container.insert_step(container.steps.index(after) + 1, step)
    document.renumber_steps()
    return _checked(text, document, steps=len(document.steps()))


def step_delete(text: str, step_id: str) -> str:
    document = _parse(text)
    document.delete_step(_step(document, step_id))
    document.renumber_steps()
    return _checked(text, document, steps=len(document.steps()))


def steps_reorder(text: str, order: list[str]) -> str:
    """Steps in the order of `order` (all step ids): each step moves as a whole block into
    the next slot a step occupied, in document order (groups keep their number of steps);
    then renumbered. Everything between steps stays where it was."""
    document = _parse(text)
    steps = document.steps()
    by_id = {step.id: step for step in steps}
    if sorted(order) != sorted(by_id) or len(order) != len(steps):
        raise ServiceError(
            "The new order must list every step of the doc exactly once.", field="order"
        )
    slots = [
        (document.container_of(step), document.container_of(step).parts.index(step))
        for step in steps
    ]
    for (container, index), step_id in zip(slots, order, strict=True):
        container.parts[index] = by_id[step_id]
    document.renumber_steps()
    return _checked(text, document, steps=len(steps))


def step_move(text: str, step_id: str, *, group: int | None, position: int) -> str:
    """Move a step into group `group` (None: a flat procedure) before its `position`-th step."""
    document = _parse(text)
    step = _step(document, step_id)
    procedure = document.structured_procedure
    if group is None:
        if procedure.groups:
            raise ServiceError("This procedure is grouped; choose a group.", field="group")
        container = procedure
    else:
        if not 0 <= group < len(procedure.groups):
            raise ServiceError(f"There is no group {group}.", field="group")
        container = procedure.groups[group]
    document.move_step(step, container, max(position, 0))
    document.renumber_steps()
    return _checked(text, document, steps=len(document.steps()))


def _checked(original: str, document: Document, *, steps: int | None = None) -> str:
    """The serialized edit, refused when it no longer parses to the same structure."""
    text = serialize(document)
    if text == original:
        return text
    try:
        reparsed = parse(text)
    except SopParseError as exc:
        raise ServiceError(
            f"This change would make the doc unparseable ({exc}); edit it in raw mode.",
            field="value",
            code="unparseable",
        ) from exc
    expected = steps if steps is not None else len(document.steps())
    if len(reparsed.steps()) != expected or _shape(reparsed) != _shape(document):
        raise ServiceError(
            "This text contains SOP markers that would change the doc's structure; edit it "
            "in raw mode.",
            field="value",
            code="unparseable",
        )
    return text


def _shape(document: Document) -> list[tuple[str, int]]:
    shape = [(f"section:{s.name}", 0) for s in document.sections]
    for _, part in document.procedure_blocks():
        if isinstance(part, Step):
            shape.append((f"step:{part.id}", len(part.screenshots)))
        elif isinstance(part, Group | Todo | Prose):
            shape.append((type(part).__name__, 0))
    return shape


def _step(document: Document, step_id: str) -> Step:
    step = document.find_step(step_id)
    if step is None:
        raise ServiceError(f"The doc has no step {step_id!r} (any more).", field="ref", code="gone")
    return step


def _shot(step: Step, shot_part: str, rest: str) -> Screenshot:
    name, _, number = shot_part.partition(":")
    shots = step.screenshots
    if name != "shot" or not number.isdigit() or int(number) >= len(shots):
        raise _unknown(f"step:{rest}")
    return shots[int(number)]


def _nth(document: Document, kind: type, number: str, ref: str):
    found = [part for _, part in document.procedure_blocks() if isinstance(part, kind)]
    if not number.isdigit() or int(number) >= len(found):
        raise _unknown(ref)
    return found[int(number)]


def _unknown(ref: str) -> ServiceError:
    return ServiceError(f"The doc has no block {ref!r} (any more).", field="ref", code="gone")


def step_add_screenshot(text: str, step_id: str, src: str, alt: str) -> str:
    """A screenshot block (`![alt](src)`) appended to the end of step `step_id`."""
    if any(c in alt for c in "[]\n\r") or any(c in src for c in "()<> \n\r"):
        raise ServiceError(
            "The image name or alt text cannot be used in Markdown.", code="bad_value"
        )
    document = _parse(text)
    step = _step(document, step_id)
    newline = document.newline
    last = step.parts[-1] if step.parts else None
    if isinstance(last, Chunk) and not last.raw.endswith("\n"):
        step.parts[-1] = Chunk(last.raw + newline, last.line)
    shot = Screenshot(
        marker_line(SCREENSHOT_START, "", newline=newline),
        [Chunk(f"![{alt}]({src}){newline}")],
        marker_line(SCREENSHOT_END, "", newline=newline),
    )
    step.parts.append(shot)
    return _checked(text, document)


STEP_ATTRIBUTES = ("action", "tool", "systems")


def step_set_attributes(text: str, step_id: str, attrs: dict[str, str]) -> str:
    """Set (blank: remove) the `action`, `tool` and `systems` attributes of one step; only
    its marker line changes."""
    document = _parse(text)
    step = _step(document, step_id)
    try:
        for key in STEP_ATTRIBUTES:
            if key in attrs:
                value = " ".join((attrs[key] or "").split())
                if (step.attrs.get(key) or "") != value:
                    step.set_attribute(key, value or None)
    except ValueError as exc:
        raise ServiceError(f"{exc}.", field="attrs", code="bad_value") from exc
    return _checked(text, document)


FRONTMATTER_FIELDS = ("title", "doc_type", "summary", "tags", "systems", "related_docs", "owner")


def frontmatter_update(text: str, fields: dict) -> str:
    """Set the given frontmatter fields (strings, or lists for tags, systems and related
    docs; blank or empty: removed). Only the frontmatter block changes."""
    document = _parse(text)
    data = document.data
    for key in FRONTMATTER_FIELDS:
        if key not in fields:
            continue
        value = fields[key]
        if value in ("", [], None):
            if key in data:
                document.remove_field(key)
        elif data.get(key) != value:
            document.set_field(key, value)
    return _checked(text, document)


def group_add(text: str, title: str, *, after: int | None) -> str:
    """A new, empty group after group `after` (None: the procedure's first group). Only a
    procedure that is already grouped, or has no steps yet, gets groups: a procedure that
    mixes groups and flat steps is a lint error (L08)."""
    document = _parse(text)
    procedure = document.structured_procedure
    if procedure is None:
        raise ServiceError("This doc has no procedure to add groups to.", code="no_procedure")
    title = " ".join((title or "").split())
    if not title:
        raise ServiceError("Give the group a title.", field="title", code="bad_value")
    if procedure.steps:
        raise ServiceError(
            "This procedure's steps are not in groups; add groups in raw mode.",
            field="title",
            code="bad_value",
        )
    newline = document.newline
    try:
        group = Group(
            marker_line(GROUP_START, f'"{check_marker_value(title)}"', newline=newline), title
        )
    except ValueError as exc:
        raise ServiceError(f"{exc}.", field="title", code="bad_value") from exc
    group.parts = [Chunk(f"### {title}{newline}{newline}")]
    group.closing = marker_line(GROUP_END, "", newline=newline)
    groups = procedure.groups
    if after is not None and not 0 <= after < len(groups):
        raise ServiceError(f"There is no group {after}.", field="group", code="gone")
    if after is None and groups:
        at = _position(procedure.parts, groups[0])
        procedure.parts[at:at] = [group, Chunk(newline)]
    elif after is None:
        if procedure.parts and not procedure.parts[-1].source().endswith(newline * 2):
            procedure.parts.append(Chunk(newline))
        procedure.parts.extend([group, Chunk(newline)])
    else:
        at = _position(procedure.parts, groups[after]) + 1
        procedure.parts[at:at] = [Chunk(newline), group]
    return _checked_groups(text, document, len(groups) + 1)


def group_delete(text: str, index: int) -> str:
    """Remove the `index`-th group, which must hold no steps (move them out first)."""
    document = _parse(text)
    procedure = document.structured_procedure
    groups = procedure.groups if procedure is not None else []
    if not 0 <= index < len(groups):
        raise ServiceError(f"There is no group {index}.", field="group", code="gone")
    group = groups[index]
    if group.steps:
        raise ServiceError(
            f"The group {group.title!r} still has {len(group.steps)} step(s): move or delete "
            "them first.",
            field="group",
            code="bad_value",
        )
    at = _position(procedure.parts, group)
    del procedure.parts[at]
    after = procedure.parts[at] if at < len(procedure.parts) else None
    if isinstance(after, Chunk) and not after.raw.strip():
        del procedure.parts[at]
    return _checked_groups(text, document, len(groups) - 1)


def _checked_groups(original: str, document: Document, groups: int) -> str:
    text = serialize(document)
    try:
        reparsed = parse(text)
    except SopParseError as exc:
        raise ServiceError(
            f"This change would make the doc unparseable ({exc}); edit it in raw mode.",
            code="unparseable",
        ) from exc
    procedure = reparsed.structured_procedure
    if procedure is None or len(procedure.groups) != groups:
        raise ServiceError(
            "The groups could not be changed here; use raw mode.", code="unparseable"
        )
    return text


def _position(parts: list, node) -> int:
    return next(index for index, part in enumerate(parts) if part is node)
