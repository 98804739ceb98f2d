"""Process docs as safe HTML (SOP-FORMAT §7).

Content Markdown goes through markdown-it-py (CommonMark + tables, strikethrough, task lists,
GFM autolinks, `[[wiki]]` references, heading anchors) and then the nh3 allow-list: no
`<script>`, no `on*=` attributes, only http(s)/mailto URLs, no `id` the renderer did not
generate. The markup around content — SOP step cards, screenshot figures, video players — is
built here from escaped values, so the sanitizer never has to allow an `<iframe>`: the only
players on a page are the ones `embeddable_video` recognised.

Heading ids come from `sop.headings` (GitHub's slugger over the whole body, keyed by file
line), so the anchors search links to are exactly the ids rendered here.

References are resolved through a `Linker` (the registry, see `selectors.RegistryLinker`);
an unresolved one becomes an `<a class="broken-link">` without href, titled with the problem.
Links to other paths go through `Linker.path_link`: a folder opens the folder page, a file is
downloaded, and a link meant for the web site or leading out of the repository keeps its
href with a class and a title saying so (`docs_app.links`).

Rendering never raises: a parse error shows the plain Markdown with the error as a notice;
anything unexpected shows the escaped source.
"""

from __future__ import annotations

import contextvars
import html
import logging
import re
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from docs_app.sop import SopParseError, headings, parse, slugify, split_frontmatter
from docs_app.sop.lines import content_of, heading_of, split_lines
from docs_app.sop.text import embeddable_video, inline_text, loom_videos
from docs_app.sop.tree import (
    RENDERED_NUMBER,
    Chunk,
    Document,
    Group,
    Prose,
    Screenshot,
    Section,
    Step,
    Todo,
)

log = logging.getLogger(__name__)

# Bump when the HTML changes shape, so cached renders are not reused.
RENDERER_VERSION = "6"
PARSE_ERROR_NOTICE = "The SOP structure could not be read, so the plain Markdown is shown: {}"
RENDER_FAILED_NOTICE = "This document could not be rendered; its source is shown instead."
# Ids of the page layout a document heading must not take (it would hijack the element).
RESERVED_IDS = frozenset(
    {
        "main",
        "messages",
        "search-suggestions",
        "topbar-search-input",
        "primary-nav",
        "shortcuts-dialog",
        "shortcuts-title",
        "nav-shortcuts",
        "doc-lightbox",
        "lightbox-caption",
        "quickopen",
        "quickopen-results",
        "related-title",
        "backlinks-title",
        "template-tasks-title",
        "history-title",
    }
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


def anchor_id(slug: str) -> str:
    """The element id for a heading slug (layout ids get a prefix)."""
    return f"doc-{slug}" if slug in RESERVED_IDS else slug


def step_anchor(step_id: str) -> str:
    return "step-" + (_UNSAFE_ID.sub("-", step_id).strip("-") or "x")


@dataclass(frozen=True)
class Link:
    """Where a reference goes: `url`, or `problem` when it does not resolve."""

    url: str = ""
    problem: str = ""
    title: str = ""
    css: str = ""  # overrides the renderer's class for the link


class Linker(Protocol):
    def doc(self, target: str, anchor: str | None) -> Link: ...

    def asset(self, src: str) -> Link: ...

    def path_link(self, written: str) -> Link: ...


@dataclass
class Rendered:
    """What a doc page needs from the body (plain data: it is cached)."""

    html: str
    is_sop: bool = False
    notice: str = ""
    todos: list[tuple[str, str]] = field(default_factory=list)  # (element id, text)
    step_count: int = 0
    toc: list[tuple[int, str, str]] = field(default_factory=list)  # (level, text, anchor)


# --- sanitizer ------------------------------------------------------------------------

_allowed_ids: contextvars.ContextVar[frozenset[str] | set[str]] = contextvars.ContextVar(
    "docs_allowed_ids", default=frozenset()
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CELL = {"colspan", "rowspan", "align"}
_ALIGN_CLASSES = {"align-left", "align-center", "align-right"}


_image_linker: contextvars.ContextVar[Linker | None] = contextvars.ContextVar(
    "docs_image_linker", default=None
)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if value in _allowed_ids.get() else None
    if tag == "img" and attribute == "src":
        return _raw_image_src(value)
    return value


def _raw_image_src(src: str) -> str | None:
    """A raw `<img src>` written relative to the doc is served from the mirror like a
    Markdown image; one that leaves the repository is dropped (a finding names it)."""
    linker = _image_linker.get()
    if linker is None or _SCHEME.match(src) or src.startswith(("/", "#")):
        return src
    link = linker.asset(unquote(src.split("?", 1)[0]))
    return link.url or None


_CLEANER = nh3.Cleaner(
    tags=(nh3.ALLOWED_TAGS - {"area", "map"}) | {"input"},
    clean_content_tags={"script", "style"},
    attributes={
        **{tag: {"id"} for tag in _HEADINGS},
        "a": {"href", "title", "hreflang"},
        "img": {"src", "alt", "title", "width", "height"},
        "span": {"title"},
        "th": _CELL,
        "td": _CELL,
        "ol": {"start"},
        "input": {"checked", "disabled"},
        "abbr": {"title"},
        "details": {"open"},
        "blockquote": {"cite"},
        "q": {"cite"},
        "del": {"cite"},
        "ins": {"cite"},
    },
    tag_attribute_values={"input": {"type": {"checkbox"}}},
    allowed_classes={
        "a": {
            "doc-link",
            "broken-link",
            "header-anchor",
            "folder-link",
            "file-link",
            "outside-link",
        },
        "span": {"broken-image"},
        "ul": {"contains-task-list"},
        "ol": {"contains-task-list"},
        "li": {"task-list-item"},
        "input": {"task-list-item-checkbox"},
        "th": _ALIGN_CLASSES,
        "td": _ALIGN_CLASSES,
    },
    attribute_filter=_attribute_filter,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize(html: str) -> str:
    return _CLEANER.clean(html)


# --- markdown-it ------------------------------------------------------------------------


def _wiki_rule(state: StateInline, silent: bool) -> bool:
    """`[[target]]`, `[[target|label]]`, `[[target#anchor]]` as a link token."""
    src, pos = state.src, state.pos
    if not src.startswith("[[", pos):
        return False
    end = src.find("]]", pos + 2)
    inner = src[pos + 2 : end] if end > 0 else ""
    if not inner.strip() or any(ch in inner for ch in "[]\n"):
        return False
    if not silent:
        target, _, label = inner.partition("|")
        target, _, anchor = target.strip().partition("#")
        link = state.env["ctx"].linker.doc(target.strip(), anchor or None)
        opening = state.push("link_open", "a", 1)
        _mark(opening, link)
        state.push("text", "", 0).content = label.strip() or link.title or target.strip()
        state.push("link_close", "a", -1)
    state.pos = end + 2
    return True


def _heading_ids(state) -> None:
    """Give ATX headings the registry's anchor for their file line."""
    ctx, first = state.env.get("ctx"), state.env.get("first_line")
    if ctx is None or first is None:
        return
    for token in state.tokens:
        if token.type == "heading_open" and token.map and token.markup.startswith("#"):
            anchor = ctx.anchors.get(first + token.map[0])
            if anchor:
                token.attrSet("id", anchor)


def _references(state) -> None:
    """Rewrite links and images to app URLs; remember every heading id for the sanitizer."""
    ctx = state.env.get("ctx")
    if ctx is None:
        return
    for token in state.tokens:
        if token.type == "heading_open" and token.attrGet("id"):
            ctx.ids.add(str(token.attrGet("id")))
        for child in token.children or ():
            if child.type == "link_open" and child.attrGet("class") is None:
                _rewrite_link(child, ctx)
            elif child.type == "image":
                _rewrite_image(child, ctx)


def _mark(token: Token, link: Link, css: str = "doc-link") -> None:
    if link.url:
        token.attrSet("href", link.url)
        if link.css or css:
            token.attrSet("class", link.css or css)
        if link.title and link.css:
            token.attrSet("title", link.title)
    else:
        token.attrs.pop("href", None)
        token.attrSet("class", "broken-link")
        token.attrSet("title", link.problem)


def _rewrite_link(token: Token, ctx: _Context) -> None:
    href = str(token.attrGet("href") or "")
    if not href or href.startswith("#"):
        return
    if href.startswith("doc:"):
        target, _, anchor = unquote(href[4:]).partition("#")
        _mark(token, ctx.linker.doc(target.strip(), anchor or None))
        return
    if _SCHEME.match(href) or href.startswith("//"):
        return
    path, _, anchor = href.partition("#")
    path = unquote(path.split("?", 1)[0])
    if path.lower().endswith(".md"):
        _mark(token, ctx.linker.doc(path, anchor or None))
    elif path:
        _mark(token, ctx.linker.path_link(path), css="")


def _rewrite_image(token: Token, ctx: _Context) -> None:
    src = str(token.attrGet("src") or "")
    if _SCHEME.match(src) or src.startswith("//"):
        return
    link = ctx.linker.asset(src)
    if link.url:
        token.attrSet("src", link.url)
        return
    alt = "".join(child.content for child in token.children or ())
    token.type, token.tag, token.nesting, token.children = "html_inline", "", 0, None
    token.content = (
        f'<span class="broken-image" title="{_e(link.problem)}">'
        f"Missing image: {_e(alt or src)}</span>"
    )


def _table_alignment(state) -> None:
    """Column alignment as classes: the site's CSP allows no inline style attributes."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrGet("style") or "")
            if style.startswith("text-align:"):
                token.attrs.pop("style", None)
                token.attrSet("class", "align-" + style.split(":", 1)[1].strip())


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["table", "strikethrough"])
    md.use(tasklists_plugin)
    md.use(gfm_autolink_plugin)
    md.inline.ruler.before("link", "wiki_link", _wiki_rule)
    md.use(
        anchors_plugin,
        min_level=1,
        max_level=6,
        slug_func=slugify,
        permalink=True,
        permalinkSymbol="#",
    )
    md.core.ruler.before("anchor", "heading_ids", _heading_ids)
    md.core.ruler.push("doc_references", _references)
    md.core.ruler.push("table_alignment", _table_alignment)
    return md


MARKDOWN = _build_markdown()


# --- documents ----------------------------------------------------------------------------


class _Context:
    """One render: the linker, the heading anchors by file line, the ids handed out."""

    def __init__(self, linker: Linker, title: str, anchors: dict[int, str]):
        self.linker = linker
        self.title = title
        self.anchors = anchors
        self.ids: set[str] = set(anchors.values())
        self.step_ids: set[str] = set()
        self.todos: list[tuple[str, str]] = []

    def markdown(self, text: str, first_line: int, *, drop_title: bool = False) -> str:
        """`text` (whose first line is `first_line` of the file) as sanitized HTML."""
        if drop_title:
            text = _drop_title(text, self.title)
        return sanitize(MARKDOWN.render(text, {"ctx": self, "first_line": first_line}))

    def inline(self, text: str) -> str:
        return sanitize(MARKDOWN.renderInline(text, {"ctx": self}))

    def element_id(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self.step_ids:
            n += 1
            candidate = f"{base}-{n}"
        self.step_ids.add(candidate)
        return candidate


def render_document(text: str, *, linker: Linker, title: str = "") -> Rendered:
    """The body of a doc as safe HTML; never raises."""
    try:
        return _render(text, linker, title)
    except Exception:  # a page must never fail because of what a file contains
        log.exception("rendering failed")
        return Rendered(
            html=f'<pre class="doc-source">{_e(text)}</pre>', notice=RENDER_FAILED_NOTICE
        )


def _render(text: str, linker: Linker, title: str) -> Rendered:
    split = split_frontmatter(text)
    found = headings(split.body, split.body_start_line)
    anchors = {h.line: anchor_id(h.anchor) for h in found}
    ctx = _Context(linker, title, anchors)
    toc = [(h.level, h.text, anchor_id(h.anchor)) for h in found if 2 <= h.level <= 3]
    token = _allowed_ids.set(ctx.ids)
    image_token = _image_linker.set(linker)
    try:
        recordings = _loom_html(split.frontmatter.data if split.frontmatter else {})
        try:
            document = parse(text)
        except SopParseError as exc:
            html = ctx.markdown(split.body, split.body_start_line, drop_title=True)
            return Rendered(recordings + html, notice=PARSE_ERROR_NOTICE.format(exc), toc=toc)
        if not document.sections:
            html = ctx.markdown(split.body, split.body_start_line, drop_title=True)
            return Rendered(recordings + html, toc=toc)
        html = _sop_html(document, ctx)
        return Rendered(
            recordings + html,
            is_sop=True,
            todos=ctx.todos,
            step_count=len(document.steps()),
            toc=toc,
        )
    finally:
        _allowed_ids.reset(token)
        _image_linker.reset(image_token)


def _drop_title(text: str, title: str) -> str:
    """Blank the leading `# Title` line when it repeats the page title (lines keep numbers)."""
    lines = split_lines(text)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        heading = heading_of(line)
        if heading and heading[0] == 1 and inline_text(heading[1]).casefold() == title.casefold():
            lines[index] = line[len(content_of(line)) :]
        break
    return "".join(lines)


def _sop_html(document: Document, ctx: _Context) -> str:
    out: list[str] = []
    first_chunk = True
    for part in document.parts:
        if isinstance(part, Chunk):
            out.append(ctx.markdown(part.raw, part.line or 1, drop_title=first_chunk))
            first_chunk = False
        else:
            out.append(_section_html(part, ctx))
    return "".join(out)


def _section_html(section: Section, ctx: _Context) -> str:
    if section.structured:
        inner = "".join(_block_html(part, ctx) for part in section.parts)
    else:
        inner = ctx.markdown(section.inner, _first_line(section))
    css = _UNSAFE_ID.sub("-", section.name)
    return (
        f'<section class="sop-section sop-section-{css}" data-section="{_e(section.name)}">'
        f"{inner}</section>"
    )


def _first_line(block) -> int:
    first = block.parts[0] if block.parts else None
    return (getattr(first, "line", None) or (block.line or 0) + 1) if first else 1


def _block_html(part, ctx: _Context) -> str:
    if isinstance(part, Chunk):
        return ctx.markdown(part.raw, part.line or 1)
    if isinstance(part, Group):
        inner = "".join(_block_html(inner_part, ctx) for inner_part in part.parts)
        return f'<section class="sop-group" aria-label="{_e(part.title)}">{inner}</section>'
    if isinstance(part, Step):
        return _step_html(part, ctx)
    if isinstance(part, Prose):
        return f'<div class="sop-prose">{ctx.markdown(part.inner, _first_line(part))}</div>'
    if isinstance(part, Todo):
        element = ctx.element_id(f"todo-{len(ctx.todos) + 1}")
        ctx.todos.append((element, part.text))
        return (
            f'<div class="sop-todo" id="{element}"><span class="sop-todo-label">TODO</span> '
            f"{_e(part.text)}</div>"
        )
    return ""


def _step_html(step: Step, ctx: _Context) -> str:
    element = ctx.element_id(step_anchor(step.id))
    body: list[str] = []
    first = True
    for part in step.parts:
        if isinstance(part, Chunk):
            text = _step_text(part.raw, strip_number=first)
            text, players = _extract_players(text)
            body.append(ctx.markdown(text, part.line or 1))
            body.extend(players)
            first = False
        elif isinstance(part, Screenshot):
            body.append(_figure_html(part, ctx))
    number = _e(step.id)
    return (
        f'<div class="sop-step" id="{element}" data-step="{number}">'
        f'<a class="sop-step-number" href="#{element}" aria-label="Step {number}">{number}</a>'
        f'<div class="sop-step-main">{_chips_html(step)}'
        f'<div class="sop-step-body">{"".join(body)}</div></div></div>'
    )


def _step_text(raw: str, *, strip_number: bool) -> str:
    """A step chunk as standalone Markdown: the rendered number gone, continuation dedented."""
    lines = split_lines(raw)
    numbered = False
    for index, line in enumerate(lines):
        if strip_number and not numbered and line.strip():
            match = RENDERED_NUMBER.match(line)
            if match:
                lines[index] = line[match.end() :].lstrip(" \t")
            numbered = True
            continue
        lines[index] = _dedent(line)
    return "".join(lines)


def _dedent(line: str, width: int = 4) -> str:
    removed = 0
    while removed < width and line[removed : removed + 1] == " ":
        removed += 1
    if removed < width and line[removed : removed + 1] == "\t":
        removed += 1
    return line[removed:]


def _extract_players(text: str) -> tuple[str, list[str]]:
    """Lines holding only a YouTube/Vimeo URL become players (the line is blanked)."""
    lines = split_lines(text)
    players: list[str] = []
    for index, line in enumerate(lines):
        candidate = content_of(line).strip().strip("<>")
        if " " in candidate or not candidate.startswith("http"):
            continue
        found = embeddable_video(candidate)
        if found is not None and found[0] in ("youtube", "vimeo"):
            players.append(player_html(found[0], found[1]))
            lines[index] = line[len(content_of(line)) :]
    return "".join(lines), players


def player_html(provider: str, embed_url: str) -> str:
    labels = {"loom": "Loom recording", "youtube": "YouTube video", "vimeo": "Vimeo video"}
    return (
        f'<div class="embed embed-{_e(provider)}"><iframe src="{_e(embed_url)}" '
        f'title="{labels.get(provider, "Video")}" loading="lazy" '
        'allow="fullscreen; picture-in-picture; encrypted-media" allowfullscreen '
        'referrerpolicy="strict-origin-when-cross-origin" '
        'sandbox="allow-scripts allow-same-origin allow-presentation allow-popups">'
        "</iframe></div>"
    )


def _loom_html(frontmatter: dict) -> str:
    videos = loom_videos(frontmatter)
    if not videos:
        return ""
    players = "".join(player_html(v.provider, v.embed_url) for v in videos)
    return f'<div class="doc-recordings" aria-label="Recordings">{players}</div>'


def _chips_html(step: Step) -> str:
    attrs = step.attrs
    chips: list[tuple[str, str]] = []
    if attrs.get("action"):
        chips.append(("chip chip-accent chip-action", attrs["action"]))
    for system in (attrs.get("systems") or "").split(","):
        if system.strip():
            chips.append(("chip chip-system", system.strip()))
    chips += [
        ("chip chip-muted", f"{key}: {value}" if value else key)
        for key, value in attrs.items()
        if key not in ("action", "systems")
    ]
    if not chips:
        return ""
    spans = "".join(f'<span class="{css}">{_e(text)}</span>' for css, text in chips)
    return f'<div class="sop-step-chips">{spans}</div>'


def _figure_html(shot: Screenshot, ctx: _Context) -> str:
    images = shot.images
    caption = shot.caption
    if not images:
        return '<div class="sop-shot-missing">Screenshot block without an image.</div>'
    caption_html = f"<figcaption>{ctx.inline(caption)}</figcaption>" if caption else ""
    figures = []
    for image in images:
        link = ctx.linker.asset(image.src)
        if not link.url:
            figures.append(
                f'<div class="sop-shot-missing" title="{_e(link.problem)}">'
                f"Missing screenshot: {_e(image.alt or image.src)}</div>"
            )
            continue
        url = _e(link.url)
        figures.append(
            f'<figure class="sop-shot"><a class="sop-shot-link" href="{url}" '
            f'data-lightbox><img src="{url}" alt="{_e(image.alt)}" loading="lazy">'
            f"</a>{caption_html}</figure>"
        )
    return "".join(figures)


def _e(value: object) -> str:
    """Escape text for HTML content and double-quoted attributes."""
    return html.escape(str(value), quote=True)
