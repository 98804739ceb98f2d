"""Text for search and navigation: structured SOP text, headings with anchors, plain text,
and embeddable videos.

**Heading anchors** use GitHub's slug algorithm (as in `github-slugger`) so anchors written
for the git host keep working in the portal: lowercase; drop every character that is not a
letter, digit, `_`, `-` or space; turn each space into `-` (runs are not collapsed); a repeat
of a slug gets `-1`, `-2`, … The renderer must use `Slugger` for its heading ids. Only ATX
headings (`## Title`) are read; setext headings (underlined with `===`) are not used in the
corpus and are not listed.

**Searchable SOP text** is every piece of content — preamble, section bodies, step bodies,
captions, prose and the text of TODOs — with all `sop-` markers removed; text outside
sections is kept too, so nothing the reader sees is unsearchable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from .frontmatter import split_frontmatter
from .lines import (
    IMAGE,
    FenceTracker,
    content_of,
    heading_of,
    is_blank,
    split_lines,
    without_html_comments,
)
from .parser import SopParseError, parse
from .tree import Block, Caption, Chunk, Document, Step, Todo, split_heading

_SLUG_DROP = re.compile(r"[^\w\- ]")
_WIKI = re.compile(r"\[\[([^\[\]|\n]+)(?:\|([^\[\]\n]*))?\]\]")
_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\n]*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_EMPHASIS = re.compile(r"\*+|~~|(?<!\w)_+|_+(?!\w)")
_LIST_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_QUOTE = re.compile(r"[ \t]*(?:>[ \t]?)+")
_RULE = re.compile(r"[ \t]*(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|\|?[ \t:|-]+)$")
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_HEX = re.compile(r"[0-9a-f]+")


def slugify(text: str) -> str:
    return _SLUG_DROP.sub("", text.lower()).replace(" ", "-")


class Slugger:
    """Unique anchors for the headings of one document, GitHub style."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = slugify(text)
        result = base
        while result in self._seen:
            self._seen[base] += 1
            result = f"{base}-{self._seen[base]}"
        self._seen[result] = 0
        return result


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str
    line: int


def headings(markdown: str, first_line: int = 1) -> list[Heading]:
    """ATX headings outside fenced code, with plain text and unique anchors."""
    found: list[Heading] = []
    slugger = Slugger()
    fences = FenceTracker()
    for offset, line in enumerate(split_lines(markdown)):
        if fences.step(line):
            continue
        heading = heading_of(line)
        if heading is not None:
            text = inline_text(heading[1])
            found.append(Heading(heading[0], text, slugger.slug(text), first_line + offset))
    return found


def inline_text(markdown: str) -> str:
    """One line of Markdown as the words a reader sees."""
    text = IMAGE.sub(lambda m: m.group(1), markdown)
    text = _WIKI.sub(lambda m: (m.group(2) or m.group(1)).strip(), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    text = _EMPHASIS.sub("", text.replace("`", ""))
    return text.strip()


def plain_text(markdown: str) -> str:
    """Markdown with its syntax mostly stripped: one line of text per non-empty line."""
    out: list[str] = []
    fences = FenceTracker()
    in_comment = False
    for line in split_lines(markdown):
        was_code = fences.is_open
        if fences.step(line):
            if was_code and fences.is_open:
                out.append(content_of(line).strip())
            continue
        text, in_comment = without_html_comments(content_of(line), in_comment)
        text = _plain_line(text)
        if text:
            out.append(text)
    return "\n".join(part for part in out if part)


def _plain_line(text: str) -> str:
    heading = heading_of(text)
    if heading is not None:
        return inline_text(heading[1])
    if is_blank(text) or _RULE.match(text):
        return ""
    text = _QUOTE.sub("", text, count=1) if text.lstrip().startswith(">") else text
    text = _LIST_MARKER.sub("", text, count=1)
    return inline_text(text).replace("|", " ").strip()


def structured_text(document: Document) -> str:
    """The document's Markdown content with every marker removed and TODO texts kept."""
    pieces: list[str] = []
    for part in document.parts:
        _collect(part, pieces)
    return "".join(pieces)


def _collect(node: object, pieces: list[str]) -> None:
    if isinstance(node, Chunk):
        pieces.append(node.raw)
    elif isinstance(node, Todo):
        pieces.append(node.text + "\n")
    elif isinstance(node, Block):
        for part in node.parts:
            _collect(part, pieces)
        if isinstance(node, Caption) and pieces and not pieces[-1].endswith("\n"):
            pieces.append("\n")


def search_text(text: str) -> str:
    """Plain body text for the search index: structured for a marked SOP, else the body."""
    try:
        document = parse(text)
    except SopParseError:
        return plain_text(split_frontmatter(text).body)
    if not document.sections:
        return plain_text(split_frontmatter(text).body)
    return plain_text(structured_text(document))


def embeddable_video(url: str) -> tuple[str, str] | None:
    """`(provider, embed URL)` for a Loom share, YouTube or Vimeo video URL, else None."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    for provider, embed in (("loom", _loom), ("youtube", _youtube), ("vimeo", _vimeo)):
        embed_url = embed(host, segments, parts.query)
        if embed_url is not None:
            return provider, embed_url
    return None


def _loom(host: str, segments: list[str], query: str) -> str | None:
    if host not in ("loom.com", "www.loom.com") or len(segments) != 2 or segments[0] != "share":
        return None
    share = segments[1]
    video_id = share[-32:]
    if len(video_id) != 32 or not _HEX.fullmatch(video_id):
        return None
    if len(share) > 32 and share[-33] != "-":
        return None
    return f"https://www.loom.com/embed/{video_id}"


def _youtube(host: str, segments: list[str], query: str) -> str | None:
    video_id = None
    if host == "youtu.be" and len(segments) == 1:
        video_id = segments[0]
    elif host in ("youtube.com", "www.youtube.com", "m.youtube.com"):
        if segments == ["watch"]:
            video_id = (parse_qs(query).get("v") or [None])[0]
        elif len(segments) == 2 and segments[0] in ("shorts", "embed"):
            video_id = segments[1]
    if video_id is None or not _YOUTUBE_ID.fullmatch(video_id):
        return None
    return f"https://www.youtube.com/embed/{video_id}"


def _vimeo(host: str, segments: list[str], query: str) -> str | None:
    if host == "player.vimeo.com" and len(segments) == 2 and segments[0] == "video":
        segments = segments[1:]
    elif host not in ("vimeo.com", "www.vimeo.com") or not 1 <= len(segments) <= 2:
        return None
    if not segments or not segments[0].isascii() or not segments[0].isdigit():
        return None
    embed = f"https://player.vimeo.com/video/{segments[0]}"
    if len(segments) == 2:
        if not _HEX.fullmatch(segments[1]):
            return None
        embed += f"?h={segments[1]}"
    return embed


@dataclass(frozen=True)
class Video:
    provider: str
    url: str
    embed_url: str
    step_id: str | None = None


def loom_videos(frontmatter: dict) -> list[Video]:
    """The valid Loom share URLs of the frontmatter `loom` list (a single string is accepted)."""
    urls = frontmatter.get("loom") or []
    if isinstance(urls, str):
        urls = [urls]
    videos: list[Video] = []
    for url in urls if isinstance(urls, list) else []:
        found = embeddable_video(str(url))
        if found is not None and found[0] == "loom":
            videos.append(Video(found[0], str(url), found[1]))
    return videos


def step_videos(document: Document) -> list[Video]:
    """YouTube/Vimeo URLs standing alone on a line (bare or `<url>`) inside a step."""
    videos: list[Video] = []
    for step in document.steps():
        videos += _videos_in_step(step)
    return videos


def _videos_in_step(step: Step) -> list[Video]:
    videos: list[Video] = []
    for line in split_lines(step.body):
        candidate = content_of(line).strip().strip("<>")
        if " " in candidate or not candidate.startswith("http"):
            continue
        found = embeddable_video(candidate)
        if found is not None and found[0] in ("youtube", "vimeo"):
            videos.append(Video(found[0], candidate, found[1], step.id))
    return videos


def section_texts(document: Document) -> dict[str, str]:
    """Plain text of each section after its heading, by name (the first of a name wins)."""
    texts: dict[str, str] = {}
    for section in document.sections:
        if section.name in texts:
            continue
        pieces: list[str] = []
        for part in section.parts:
            _collect(part, pieces)
        content = "".join(pieces)
        found = split_heading(content)
        texts[section.name] = plain_text(found[2] if found else content)
    return texts
