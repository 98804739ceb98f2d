"""Byte-minimal block edits: over every shipped sample doc and generated SOPs, editing one
block changes only that block's lines; reordering moves whole steps and renumbers them."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from django.conf import settings

from dataops.errors import ServiceError
from docs_app.editing.blocks import (
    block_replace,
    blocks_of,
    step_add_after,
    step_delete,
    step_move,
    steps_reorder,
)
from docs_app.sop import SopParseError, lint, parse
from docs_app.sop.tree import Group, Step
from docs_app.tests.test_sop_samples import group, marked_sop, screenshot, step

NEW_VALUES = {
    "step": "7.  A completely new step text.\n    With a second line.\n",
    "caption": "A new caption.\n",
    "alt": "new alt text",
    "section": "\nNew section text.\n\n",
    "group": "A renamed group",
    "todo": "a new thing is missing",
    "prose": "New prose between steps.\n",
}
NUMBER = re.compile(r"^(\s*)\d+\.", re.MULTILINE)
STEP_ID = re.compile(r"id=\d+")


def sample_docs() -> list[tuple[str, str]]:
    found = []
    for path in sorted(Path(settings.DOCS_CONTENT_SEED_DIR).rglob("*.md")):
        text = path.read_bytes().decode("utf-8")
        try:
            parse(text)
        except SopParseError:
            continue
        found.append((str(path.relative_to(settings.DOCS_CONTENT_SEED_DIR)), text))
    return found


def generated_sops() -> list[tuple[str, str]]:
    from bench.bench_docs_read import Corpus

    corpus = Corpus()
    docs = [(f"generated-{n}", corpus.sop(f"sop.gen.doc-{n}", n)) for n in (3, 7, 13, 40)]
    mixed = marked_sop(
        "\n<!-- sop-prose-start -->\nIntro prose.\n<!-- sop-prose-end -->\n\n"
        + group(
            "Prepare",
            step(1, "Open Airtable."),
            step(2, "Find the record.", inner=screenshot()),
        )
        + '<!-- sop-todo: "add the export step" -->\n\nOrphan text kept verbatim.\n\n'
        + group("Send", step(3, "Send it.", attrs=' action="submit"'), step(4, "Check."))
    )
    crlf = mixed.replace("\n", "\r\n")
    return [*docs, ("mixed", mixed), ("mixed-crlf", crlf)]


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def assert_only_range_changed(before: str, after: str, first: int, last: int) -> None:
    old, new = lines(before), lines(after)
    tail = len(old) - last
    assert new[: first - 1] == old[: first - 1], "lines before the block changed"
    assert len(new) - tail >= first - 1
    if tail:
        assert new[-tail:] == old[-tail:], "lines after the block changed"


CORPUS = sample_docs() + generated_sops()


def test_the_corpus_has_every_kind_of_block():
    kinds = {block.kind for _, text in CORPUS for block in blocks_of(text)}
    assert kinds >= {"step", "caption", "alt", "section", "group", "todo", "prose"}
    assert len(CORPUS) >= 10


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_editing_any_block_changes_only_its_lines(name, text):
    blocks = blocks_of(text)
    for block in blocks:
        value = NEW_VALUES[block.kind]
        if block.text == value:
            continue
        if "\r\n" in text and block.kind in ("step", "caption", "section", "prose"):
            value = value.replace("\n", "\r\n")
        after = block_replace(text, block.ref, value)
        assert after != text, block.ref
        assert_only_range_changed(text, after, block.first_line, block.last_line)
        reread = {b.ref: b.text for b in blocks_of(after)}
        edited_ref = block.ref
        if block.kind == "step":
            assert reread[edited_ref].startswith(value)
        elif block.kind in ("group", "todo", "alt"):
            assert reread[edited_ref] == value
        # saving the same value again is no change at all
        assert block_replace(after, block.ref, reread[edited_ref]) == after


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_unchanged_values_give_back_the_same_bytes(name, text):
    for block in blocks_of(text):
        assert block_replace(text, block.ref, block.text) == text, block.ref


def step_ranges(text: str) -> tuple[int, int]:
    steps = [b for b in blocks_of(text) if b.kind == "step"]
    return steps[0].first_line, steps[-1].last_line


def without_numbers(block: str) -> str:
    return STEP_ID.sub("id=N", NUMBER.sub(r"\1N.", block))


def others_in_procedure(text: str) -> list[str]:
    found = []
    for _, part in parse(text).procedure_blocks():
        if isinstance(part, Group):
            found.append(part.opening + (part.closing or ""))
        elif not isinstance(part, Step):
            found.append(part.source())
    return found


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_reordering_moves_whole_steps_and_renumbers(name, text):
    document = parse(text)
    steps = document.steps()
    if len(steps) < 2:
        return
    order = [s.id for s in steps]
    random.Random(len(text)).shuffle(order)
    after = steps_reorder(text, order)
    first, last = step_ranges(text)
    assert_only_range_changed(text, after, first, last)
    moved = {s.id: without_numbers(s.source()) for s in steps}
    assert [without_numbers(s.source()) for s in parse(after).steps()] == [moved[i] for i in order]
    assert [s.id for s in parse(after).steps()] == [str(n) for n in range(1, len(steps) + 1)]
    # everything between steps (prose, TODOs, orphan text, group markers) stays in place
    assert [without_numbers(p) for p in others_in_procedure(after)] == [
        without_numbers(p) for p in others_in_procedure(text)
    ]


MIXED = dict(generated_sops())["mixed"]


def rules(text: str) -> list[str]:
    return [violation.rule for violation in lint(text)]


def test_adding_a_step_after_one_inserts_a_block_and_renumbers():
    after = step_add_after(MIXED, "2", "Check the record.", {"action": "verify"})
    assert rules(after) == rules(MIXED)
    steps = parse(after).steps()
    assert [s.id for s in steps] == ["1", "2", "3", "4", "5"]
    assert "Check the record." in steps[2].body and steps[2].attrs == {"action": "verify"}
    assert "Orphan text kept verbatim." in after and "Intro prose." in after


def test_deleting_a_step_removes_its_block_and_renumbers():
    after = step_delete(MIXED, "1")
    steps = parse(after).steps()
    assert [s.id for s in steps] == ["1", "2", "3"]
    assert "Open Airtable." not in after and "Orphan text kept verbatim." in after
    assert rules(after) == rules(MIXED)


def test_moving_a_step_across_groups():
    after = step_move(MIXED, "4", group=0, position=0)
    groups = parse(after).procedure.groups
    assert ["Check." in s.body for s in groups[0].steps] == [True, False, False]
    assert [s.id for s in parse(after).steps()] == ["1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("ref", "value"),
    [
        ("step:1", "1.  Breaks out\n<!-- sop-step-end -->\n"),
        ("step:1", "1.  Nested\n<!-- sop-step-start id=9 -->\n"),
        ("group:0", "Title --> with an end"),
        ("todo:0", "two\nlines"),
        ("step:2/shot:0/alt", "alt ] bracket"),
        ("step:99", "no such step"),
        ("section:procedure", "the procedure is edited step by step"),
        ("nonsense", "x"),
    ],
)
def test_edits_that_would_break_the_structure_are_refused(ref, value):
    with pytest.raises(ServiceError) as caught:
        block_replace(MIXED, ref, value)
    assert str(caught.value)


def test_a_malformed_sop_is_only_editable_in_raw_mode():
    broken = MIXED.replace("<!-- sop-step-end -->", "", 1)
    with pytest.raises(ServiceError) as caught:
        blocks_of(broken)
    assert caught.value.code == "unparseable" and "raw" in str(caught.value)
