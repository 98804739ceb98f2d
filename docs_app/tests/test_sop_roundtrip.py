"""Byte-identical round trips: `serialize(parse(text)) == text` for every document."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docs_app.sop import SopParseError, parse, serialize
from docs_app.sop.tree import Block
from docs_app.tests.test_sop_samples import SKELETON, step

FAST = settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

INSIDE = st.sampled_from(["", " ", "  ", "\t"])
GAP = st.sampled_from([" ", "  ", "\t", " \t "])
AROUND = st.sampled_from(["", "", " ", "\t", "  "])
WORDS = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\n\r"), max_size=24
).filter(lambda text: text.strip() != "---" and not text.lstrip().startswith("<!--"))
SAFE = st.text(alphabet="abcdefghij klmnop-_.,:;!?()[]*#é", min_size=1, max_size=16)


@st.composite
def marker(draw, kind, args=""):
    body = f"sop-{kind}" + (draw(GAP) + args if args else "")
    return draw(AROUND) + "<!--" + draw(INSIDE) + body + draw(INSIDE) + "-->" + draw(AROUND)


@st.composite
def text_lines(draw, max_lines=3):
    return draw(st.lists(WORDS, max_size=max_lines))


@st.composite
def screenshot_lines(draw):
    lines = [draw(marker("screenshot-start"))]
    if draw(st.booleans()):
        alt = draw(SAFE).replace("]", "")
        lines.append(f"![{alt}](../images/{draw(st.integers(0, 99))}.png)")
    if draw(st.booleans()):
        lines.append(draw(marker("caption-start")))
        lines += draw(text_lines())
        if draw(st.booleans()):
            lines.append(draw(marker("caption-end")))
    lines.append(draw(marker("screenshot-end")))
    return lines


@st.composite
def step_lines(draw, step_id):
    attrs = f"id={step_id}"
    if draw(st.booleans()):
        attrs += draw(st.sampled_from([' action="click"', " action=type", ' systems="a, b"']))
    lines = [draw(marker("step-start", attrs)), f"{step_id}.  " + draw(WORDS)]
    for _ in range(draw(st.integers(0, 3))):
        lines += draw(screenshot_lines()) if draw(st.booleans()) else draw(text_lines())
    return [*lines, draw(marker("step-end"))]


@st.composite
def procedure_items(draw, counter):
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["step", "step", "prose", "todo", "text", "blank"]))
        if kind == "step":
            counter.append(str(len(counter) + 1))
            lines += draw(step_lines(counter[-1]))
        elif kind == "prose":
            lines += [draw(marker("prose-start")), *draw(text_lines()), draw(marker("prose-end"))]
        elif kind == "todo":
            lines.append(draw(marker("todo", f'"{draw(SAFE)}"')))
        elif kind == "text":
            lines += draw(text_lines())
        else:
            lines.append(draw(AROUND))
    return lines


@st.composite
def procedure_lines(draw, counter):
    lines = ["## Procedure"]
    if not draw(st.booleans()):
        return lines + draw(procedure_items(counter))
    for _ in range(draw(st.integers(1, 3))):
        title = draw(SAFE)
        lines += [draw(marker("group-start", f'"{title}"')), f"### {title}"]
        lines += [*draw(procedure_items(counter)), draw(marker("group-end"))]
    return lines


SECTION_NAMES = [
    "summary",
    "prerequisites",
    "procedure",
    "validation",
    "troubleshooting",
    "references",
    "task-definitions",
]


@st.composite
def section_lines(draw, name, counter):
    raw = draw(st.booleans()) and draw(st.booleans())
    colon = draw(st.sampled_from([": ", ":", " : ", " "]))
    start = draw(marker("section-start", f"{colon}{name}{' raw' if raw else ''}"))
    if name == "procedure" and not raw:
        body = draw(procedure_lines(counter))
    else:
        body = [f"## {name.title()}", *draw(text_lines())]
    return [start, *body, draw(marker("section-end"))]


@st.composite
def documents(draw):
    """`(text, expected step ids)` for a varied, structurally valid marked SOP."""
    lines = []
    if draw(st.booleans()):
        lines += [
            "---",
            "title: " + draw(SAFE).replace(":", ""),
            "doc_type: sop",
            "schema_version: 1",
            "---",
        ]
    lines += draw(text_lines())
    counter: list[str] = []
    names = draw(st.lists(st.sampled_from(SECTION_NAMES), unique=True, max_size=7))
    for name in draw(st.permutations(names)):
        lines += draw(section_lines(name, counter))
        lines += draw(st.lists(st.sampled_from(["", " ", "text between"]), max_size=2))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    return text, counter


@FAST
@given(documents())
def test_generated_documents_round_trip(generated):
    text, _ = generated
    assert serialize(parse(text)) == text


@FAST
@given(documents())
def test_generated_documents_parse_their_steps(generated):
    text, step_ids = generated
    document = parse(text)
    procedure = document.procedure
    expected = step_ids if procedure is not None and not procedure.raw else []
    assert [step.id for step in document.steps()] == expected


LINE_SOUP = st.lists(
    st.sampled_from(
        [
            "<!-- sop-section-start: procedure -->",
            "<!-- sop-section-end -->",
            '<!-- sop-group-start: "G" -->',
            "<!-- sop-group-end -->",
            "<!-- sop-step-start id=1 -->",
            "<!-- sop-step-end -->",
            "<!-- sop-screenshot-start -->",
            "<!-- sop-screenshot-end -->",
            "<!-- sop-caption-start -->",
            "<!-- sop-caption-end -->",
            "<!-- sop-prose-start -->",
            "<!-- sop-prose-end -->",
            '<!-- sop-todo: "t" -->',
            "---",
            "",
            "text",
            "1. step",
            "![a](b.png)",
            "\r",
            "\u2028x",
            "<!--",
            "-->",
        ]
    ),
    max_size=30,
)


@FAST
@given(LINE_SOUP, st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_any_line_soup_round_trips_or_fails_cleanly(lines, newline, final_newline):
    text = newline.join(lines) + (newline if final_newline else "")
    try:
        document = parse(text)
    except SopParseError as error:
        assert str(error).startswith(f"line {error.line}: ")
        return
    assert serialize(document) == text


TRICKY = {
    "empty": "",
    "only-newlines": "\n\n\n",
    "no-final-newline": SKELETON.rstrip("\n"),
    "crlf": SKELETON.replace("\n", "\r\n"),
    "crlf-no-final-newline": SKELETON.replace("\n", "\r\n").rstrip("\r\n"),
    "mixed-endings": SKELETON.replace("## Summary\n", "## Summary\r\n", 1),
    "bom": "\ufeff" + SKELETON,
    "trailing-whitespace-and-tabs": SKELETON.replace("-->\n", "-->  \t\n"),
    "odd-marker-spacing": SKELETON.replace("<!-- ", "<!--\t  ").replace(" -->", "-->"),
    "no-frontmatter": SKELETON.split("---\n", 2)[2],
    "unclosed-frontmatter": "---\ntitle: x\n\nbody\n",
    "frontmatter-only": "---\ntitle: x\n---",
    "yaml-error": "---\ntitle: [x\n---\nbody\n",
    "legacy": "---\ntitle: Old\n---\n# Old\n\n## Procedure\n1. Do it\n   More.\n",
    "unknown-and-raw-sections": (
        "<!-- sop-section-start: task-definitions -->\nx\n<!-- sop-section-end -->\n"
        "<!-- sop-section-start: procedure raw -->\n<!-- sop-step-start -->\n"
        "<!-- sop-section-end -->"
    ),
    "lone-cr-and-separators": "a\rb\u2028c\x0b\x0c\n" + SKELETON,
    "unclosed-caption": SKELETON.replace("<!-- sop-caption-end -->\n", ""),
    "cr-only-endings": SKELETON.replace("\n", "\r"),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_documents_round_trip(name):
    text = TRICKY[name]
    assert serialize(parse(text)) == text


def offset_of(document, target):
    """Where `target`'s bytes start in the serialised document."""
    position = len(document.frontmatter.raw) if document.frontmatter else 0

    def walk(node):
        nonlocal position
        if node is target:
            return True
        if isinstance(node, Block):
            position += len(node.opening)
            if any(walk(part) for part in node.parts):
                return True
            position += len(node.closing or "")
            return False
        position += len(node.source())
        return False

    assert any(walk(part) for part in document.parts)
    return position


@FAST
@given(documents(), st.data())
def test_editing_one_step_body_changes_only_that_step(generated, data):
    text, step_ids = generated
    document = parse(text)
    steps = document.steps()
    if not steps:
        return
    target = data.draw(st.sampled_from(steps))
    start = offset_of(document, target)
    old_source = target.source()
    target.set_body(data.draw(WORDS) + "\nsecond line")
    new_source = target.source()
    after = serialize(document)
    assert after == text[:start] + new_source + text[start + len(old_source) :]
    assert new_source.startswith(target.opening)
    assert new_source.endswith(target.closing)


def test_step_edit_keeps_crlf_and_screenshots():
    text = (SKELETON.replace("## Procedure\n", "## Procedure\n" + step(2))).replace("\n", "\r\n")
    document = parse(text)
    first = document.steps()[1]
    first.set_body("1.  Upload the final video.\nThen wait.")
    after = serialize(document)
    assert "1.  Upload the final video.\r\nThen wait.\r\n<!-- sop-screenshot-start -->" in after
    assert "\n" not in after.replace("\r\n", "")
    assert parse(after).steps()[1].screenshots[0].caption == "The upload dialog."
