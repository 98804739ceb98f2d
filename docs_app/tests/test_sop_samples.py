"""Builders for SOP documents shared by the `test_sop_*` modules, and checks on them.

The builders write documents in the corpus layout of SOP-FORMAT §2, so a test only spells
out the part it is about.
"""

from docs_app.sop import lint, parse, serialize
from docs_app.sop.lint import REQUIRED_SECTIONS

FRONTMATTER = (
    "---\n"
    'title: "Publish the podcast episode"\n'
    "doc_type: sop\n"
    "schema_version: 1\n"
    "systems: [youtube, spotify]\n"
    "---\n"
)


def marked_sop(
    procedure: str = "", *, frontmatter: str = FRONTMATTER, omit: tuple[str, ...] = ()
) -> str:
    """A marked SOP with the six sections (minus `omit`); `procedure` goes after its heading."""
    parts = [frontmatter, "\n# Publish the podcast episode\n\n"]
    for name in REQUIRED_SECTIONS:
        if name in omit:
            continue
        body = procedure if name == "procedure" else ""
        parts.append(
            f"<!-- sop-section-start: {name} -->\n## {name.title()}\n{body}"
            "<!-- sop-section-end -->\n\n"
        )
    return "".join(parts)


def step(
    step_id: str | int,
    text: str = "Do the thing.",
    *,
    attrs: str = "",
    number: int | str | None = None,
    inner: str = "",
) -> str:
    """A step block; `inner` (screenshots…) follows the numbered first line."""
    rendered = step_id if number is None else number
    return (
        f"<!-- sop-step-start id={step_id}{attrs} -->\n"
        f"{rendered}.  {text}\n"
        f"{inner}"
        "<!-- sop-step-end -->\n\n"
    )


def screenshot(
    image: str = "![Upload dialog](../images/upload.png)\n",
    caption: str | None = "The upload dialog.",
    *,
    closed: bool = True,
) -> str:
    block = "<!-- sop-screenshot-start -->\n" + image
    if caption is not None:
        block += "<!-- sop-caption-start -->\n" + caption + "\n"
        if closed:
            block += "<!-- sop-caption-end -->\n"
    return block + "<!-- sop-screenshot-end -->\n"


def group(title: str, *steps: str) -> str:
    body = "".join(steps)
    return f'<!-- sop-group-start: "{title}" -->\n### {title}\n\n{body}<!-- sop-group-end -->\n\n'


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the `occurrence`-th line containing `needle`."""
    seen = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


SKELETON = marked_sop(
    "\n"
    + group(
        "Upload",
        step(
            1,
            "Upload the edited video.",
            attrs=' systems="youtube" action="upload"',
            inner=screenshot(),
        ),
    )
)


def test_skeleton_is_clean_and_round_trips():
    assert lint(SKELETON) == []
    assert serialize(parse(SKELETON)) == SKELETON


def test_line_of_counts_lines_from_one():
    assert line_of("a\nb\nc", "c") == 3
