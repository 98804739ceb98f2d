"""Reading one knowledge-base file: an episode or a people profile (pure Python, no Django).

The format is the one public podcast sites use: Markdown with YAML front matter. An episode
names `title` (required), `short`, `season`, `episode`, `guests` (profile ids), `topics`,
`dateadded`, `links`, `description`, `intro` and a `transcript` whose items are either
`{header: TEXT}` or `{line: TEXT, who: NAME, time: "M:SS" | "H:MM:SS", sec: N}`. Keys may
come in any order, every one but `title` may be missing, and unknown keys are ignored.

Whatever is wrong with a file raises `KbFileError` with a reason a person can act on; the
importer reports it for that file and goes on with the others.

**The host's questions** are the transcript lines spoken by a host (`hosts`, compared
without case) that still hold a "?" once bracketed notes ("[laughs]") are removed; each is
cut after its last "?", must keep at least `MIN_QUESTION_LENGTH` characters, and remembers
the section it was asked in and when. `categorize` sorts it by keywords (`podcast.kb.rules`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from docs_app.sop import split_frontmatter
from podcast.kb.rules import categorize

MIN_QUESTION_LENGTH = 8
_BRACKETED = re.compile(r"\[[^\]]*\]")
_SPACES = re.compile(r"\s+")
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_SLUG = re.compile(r"[^\w]+")


class KbFileError(ValueError):
    """A file that cannot be imported; the message says why."""


@dataclass
class Question:
    text: str
    category: str
    section: str
    anchor: str
    time: str
    sec: int | None


@dataclass
class Episode:
    title: str
    short: str = ""
    season: int | None = None
    number: int | None = None
    date: datetime.date | None = None
    summary: str = ""
    intro: str = ""
    topics: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    guest_ids: list[str] = field(default_factory=list)
    transcript: list[dict] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

    @property
    def code(self) -> str:
        if self.season is None or self.number is None:
            return ""
        return f"S{self.season}E{self.number}"


@dataclass
class Profile:
    kb_id: str
    name: str
    picture_url: str = ""
    x_url: str = ""
    linkedin_url: str = ""
    github_url: str = ""
    website_url: str = ""
    bio: str = ""


# --- front matter -----------------------------------------------------------------------------


def _front_matter(text: str) -> tuple[dict, str]:
    split = split_frontmatter(text)
    if split.frontmatter is None:
        return {}, split.body
    if split.frontmatter.error:
        raise KbFileError(f"invalid YAML front matter ({split.frontmatter.error})")
    return split.frontmatter.data, split.body


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _texts(value: Any) -> list[str]:
    """A list of non-empty strings from a YAML list or a comma-separated string."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    found = [_text(item) for item in value]
    return list(dict.fromkeys(item for item in found if item))


def _number(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise KbFileError(f"`{key}` must be a whole number, not {value!r}")
    number = int(str(value).strip())
    if number > 32767:
        raise KbFileError(f"`{key}` {number} is out of range")
    return number


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(_text(value)[:10])
    except ValueError:
        return None


def _links(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(key): _text(url) for key, url in value.items() if _text(url)}


# --- transcript -------------------------------------------------------------------------------


def anchor_for(text: str, taken: set[str]) -> str:
    """A heading's anchor: its words lowercased and joined by "-", unique on the page."""
    base = _SLUG.sub("-", text.lower()).strip("-_")[:80] or "section"
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return anchor


def seconds_of(time: str) -> int | None:
    match = _TIME.match(time)
    if match is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _when(item: dict) -> tuple[str, int | None]:
    """(time as written, seconds): `sec` when it is a number, else read from `time`. YAML
    reads an unquoted 1:23 as the number 83 (base 60), so a number is seconds."""
    time, sec = item.get("time"), item.get("sec")
    if isinstance(time, int) and not isinstance(time, bool):
        time = clock(time)
    time = _text(time)
    if not isinstance(sec, int) or isinstance(sec, bool) or sec < 0:
        sec = seconds_of(time)
    return (time[:12] or (clock(sec) if sec is not None else "")), sec


def _transcript(value: Any) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise KbFileError("`transcript` must be a list of {header} and {line, who, time} items")
    items: list[dict] = []
    taken: set[str] = set()
    for number, item in enumerate(value, start=1):
        if isinstance(item, dict) and isinstance(item.get("header"), str) and "line" not in item:
            header = item["header"].strip()
            items.append({"header": header, "anchor": anchor_for(header, taken)})
        elif isinstance(item, dict) and isinstance(item.get("line"), str) and "header" not in item:
            time, sec = _when(item)
            items.append(
                {
                    "line": item["line"].strip(),
                    "who": _text(item.get("who")),
                    "time": time,
                    "sec": sec,
                }
            )
        else:
            raise KbFileError(
                f"transcript item {number} is neither {{header: …}} nor "
                f"{{line: …, who: …, time: …}}: {str(item)[:80]}"
            )
    return items


def _is_host(who: str, hosts: set[str]) -> bool:
    name = who.casefold()
    return name in hosts or name.split(" ", 1)[0] in hosts


def question_text(line: str) -> str:
    """The question in a host's line, or "" when there is none (see the module)."""
    text = _SPACES.sub(" ", _BRACKETED.sub(" ", line)).strip()
    if "?" not in text:
        return ""
    text = text[: text.rindex("?") + 1].strip()
    return text if len(text) >= MIN_QUESTION_LENGTH else ""


def questions_in(transcript: list[dict], hosts: Iterable[str]) -> list[Question]:
    hosts = {host.casefold() for host in hosts}
    found: list[Question] = []
    section, anchor = "", ""
    for item in transcript:
        if "header" in item:
            section, anchor = item["header"][:300], item["anchor"]
            continue
        if not _is_host(item["who"], hosts):
            continue
        text = question_text(item["line"])
        if text:
            found.append(
                Question(text, categorize(text), section, anchor, item["time"], item["sec"])
            )
    return found


# --- files ------------------------------------------------------------------------------------


def _first_paragraph(body: str) -> str:
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        if paragraph.strip() and not paragraph.lstrip().startswith("#"):
            return _SPACES.sub(" ", paragraph).strip()
    return ""


def parse_episode(text: str, *, hosts: Iterable[str]) -> Episode:
    """The episode in one file's text. Raises `KbFileError`."""
    data, body = _front_matter(text)
    title = _text(data.get("title"))
    if not title:
        raise KbFileError("missing title: the front matter has no `title`")
    description, intro = _text(data.get("description")), _text(data.get("intro"))
    transcript = _transcript(data.get("transcript"))
    return Episode(
        title=title[:300],
        short=_text(data.get("short"))[:200],
        season=_number(data, "season"),
        number=_number(data, "episode"),
        date=_date(data.get("dateadded")),
        summary=description or intro or _first_paragraph(body),
        intro=intro,
        topics=_texts(data.get("topics")),
        links=_links(data.get("links")),
        guest_ids=_texts(data.get("guests")),
        transcript=transcript,
        questions=questions_in(transcript, hosts),
    )


def _url(value: Any, prefix: str = "") -> str:
    """An http(s) URL; a bare handle becomes `prefix` + handle (no prefix: dropped)."""
    text = _text(value)
    if not text:
        return ""
    if text.startswith(("http://", "https://")):
        return text[:500]
    handle = text.lstrip("@").strip("/")
    if prefix and re.fullmatch(r"[\w.-]+", handle):
        return prefix + handle
    if not prefix and re.fullmatch(r"[\w.-]+\.[a-z]{2,}(/\S*)?", text, re.IGNORECASE):
        return "https://" + text
    return ""


def parse_profile(text: str, *, default_id: str) -> Profile:
    """The person in a people-profile file; `default_id` (the file's name) when it names
    none. Raises `KbFileError` only for unreadable YAML."""
    data, body = _front_matter(text)
    kb_id = (_text(data.get("short")) or default_id)[:100]
    return Profile(
        kb_id=kb_id,
        name=(_text(data.get("title")) or kb_id)[:200],
        picture_url=_text(data.get("picture"))[:500],
        x_url=_url(data.get("twitter"), "https://x.com/"),
        linkedin_url=_url(data.get("linkedin"), "https://www.linkedin.com/in/"),
        github_url=_url(data.get("github"), "https://github.com/"),
        website_url=_url(data.get("web")),
        bio=body.strip() or _text(data.get("bio_short")),
    )
