"""Read a Trello board's JSON export into plain records, redacted, with no Django imports.

Everything the board says passes through `Redactor` while it is read, so nothing later
(the report, the database, a log line) ever sees a token, a signature or a masked address.
Only the fields the import uses are read, each with a default: Trello adds and drops
optional fields over the years, and the order of keys never matters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit, urlunsplit

MASK = "[redacted]"
NOT_JSON = "The file is not valid JSON: {error}."
NOT_A_BOARD = "This is not a Trello board export: it has no {missing}."
NO_CARDS = "The board “{name}” has no cards: there is nothing to import."

# Signature-bearing query parameters of signed URLs (S3, GCS, Azure, Trello's own).
_SIGNED_PARAMS = {
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "signature",
    "sig",
    "token",
    "key",
    "se",
    "expires",
}
_TEXT_PATTERNS = [
    ("trello token", re.compile(r"\bATT[AB][A-Za-z0-9]{40,}\b")),
    ("trello key", re.compile(r"\b(?:[0-9a-f]{64}|[0-9a-f]{32})\b")),
]
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"https?://[^\s<>\"')]+")


class BoardError(ValueError):
    """The file cannot be imported at all; the message says why."""


@dataclass(frozen=True)
class Redaction:
    where: str
    kind: str


@dataclass
class Redactor:
    """Masks secrets in text and signatures in URLs, and remembers what it masked where.

    `secrets` is the product's general secret masker (`dataops.redact.redact`), applied
    after the Trello-specific patterns."""

    keep_emails: bool = False
    secrets: Callable[[str], str] = lambda text: text
    found: list[Redaction] = field(default_factory=list)

    def url(self, url: str, where: str) -> str:
        parts = urlsplit(url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        if not any(name.lower() in _SIGNED_PARAMS for name, _ in params):
            return url
        self.found.append(Redaction(where, "signed url"))
        return urlunsplit(parts._replace(query="", fragment=""))

    def text(self, text: str, where: str) -> str:
        if not text:
            return ""
        text = _URL.sub(lambda match: self.url(match.group(0), where), text)
        for kind, pattern in _TEXT_PATTERNS:
            text = self._sub(pattern, text, kind, where)
        if not self.keep_emails:
            text = self._sub(_EMAIL, text, "email address", where)
        masked = self.secrets(text)
        extra = masked.count(MASK) - text.count(MASK)
        self.found.extend(Redaction(where, "secret") for _ in range(max(extra, 0)))
        return masked

    def _sub(self, pattern: re.Pattern, text: str, kind: str, where: str) -> str:
        def mask(_match: re.Match) -> str:
            self.found.append(Redaction(where, kind))
            return MASK

        return pattern.sub(mask, text)


@dataclass(frozen=True)
class Member:
    trello_id: str
    username: str
    full_name: str
    email: str


@dataclass(frozen=True)
class Item:
    trello_id: str
    name: str
    complete: bool
    due: datetime | None
    member_id: str
    position: float


@dataclass(frozen=True)
class Checklist:
    trello_id: str
    name: str
    position: float
    items: list[Item]


@dataclass(frozen=True)
class Comment:
    trello_id: str
    text: str
    member_id: str
    at: datetime | None


@dataclass(frozen=True)
class Link:
    trello_id: str
    title: str
    url: str


@dataclass
class Card:
    trello_id: str
    name: str
    desc: str
    list_id: str
    closed: bool
    due: datetime | None
    due_complete: bool
    label_ids: list[str]
    member_ids: list[str]
    links: list[Link]
    checklists: list[Checklist] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    created_at: datetime | None = None


@dataclass(frozen=True)
class TrelloList:
    trello_id: str
    name: str
    closed: bool


@dataclass
class Board:
    trello_id: str
    name: str
    lists: dict[str, TrelloList]
    cards: list[Card]
    labels: dict[str, str]
    members: dict[str, Member]
    redactions: list[Redaction]
    other_actions: int = 0
    label_colors: dict[str, str] = field(default_factory=dict)


# --- reading -------------------------------------------------------------------------------


def load_json(raw: bytes | str) -> dict:
    """Parse the file; anything but a JSON object with lists and cards is refused."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BoardError(NOT_JSON.format(error=exc)) from exc
    if not isinstance(data, dict):
        raise BoardError(NOT_A_BOARD.format(missing="board object"))
    missing = [
        key for key in ("id", "lists", "cards") if not isinstance(data.get(key), (str, list))
    ]
    if missing or not isinstance(data["lists"], list) or not isinstance(data["cards"], list):
        raise BoardError(NOT_A_BOARD.format(missing=" or ".join(missing or ["lists and cards"])))
    if not data["cards"]:
        raise BoardError(NO_CARDS.format(name=_str(data, "name") or data["id"]))
    return data


def parse_board(data: dict, redactor: Redactor) -> Board:
    """Plain records of a board from `load_json`'s result, redacted by `redactor`."""
    board_name = redactor.text(_str(data, "name"), "board name")
    cards = [_card(raw, redactor) for raw in _objects(data, "cards")]
    by_id = {card.trello_id: card for card in cards}
    _attach_checklists(by_id, _objects(data, "checklists"), redactor)
    other = _attach_actions(by_id, _objects(data, "actions"), redactor)
    return Board(
        trello_id=_str(data, "id"),
        name=board_name or "Trello board",
        lists={raw["id"]: _list(raw) for raw in _objects(data, "lists") if _str(raw, "id")},
        cards=cards,
        labels={_str(raw, "id"): _str(raw, "name") for raw in _objects(data, "labels")},
        members={_str(raw, "id"): _member(raw) for raw in _objects(data, "members")},
        redactions=redactor.found,
        other_actions=other,
        label_colors={_str(raw, "id"): _str(raw, "color") for raw in _objects(data, "labels")},
    )


def _objects(data: dict, key: str) -> list[dict]:
    value = data.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(data: dict, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _ids(data: dict, key: str) -> list[str]:
    value = data.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _when(value: object) -> datetime | None:
    """Trello's ISO timestamps (2026-12-05T09:00:00.000Z); anything unreadable is no date."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _position(data: dict) -> float:
    value = data.get("pos")
    return float(value) if isinstance(value, (int, float)) else 0.0


def _list(raw: dict) -> TrelloList:
    return TrelloList(trello_id=raw["id"], name=_str(raw, "name"), closed=bool(raw.get("closed")))


def _member(raw: dict) -> Member:
    return Member(
        trello_id=_str(raw, "id"),
        username=_str(raw, "username"),
        full_name=_str(raw, "fullName"),
        email=_str(raw, "email"),
    )


def _card(raw: dict, redactor: Redactor) -> Card:
    name = redactor.text(_str(raw, "name"), "card title") or "Untitled card"
    where = f"card “{name}”"
    links = [
        Link(
            trello_id=_str(att, "id") or f"{_str(raw, 'id')}:{index}",
            title=redactor.text(_str(att, "name"), where)[:200] or "Attachment",
            url=redactor.url(_str(att, "url"), f"{where} attachment"),
        )
        for index, att in enumerate(_objects(raw, "attachments"))
        if _str(att, "url").startswith(("http://", "https://"))
    ]
    if _str(raw, "shortUrl").startswith("https://"):
        links.append(Link(f"{_str(raw, 'id')}:card", "Trello card", _str(raw, "shortUrl")))
    return Card(
        trello_id=_str(raw, "id"),
        name=name,
        desc=redactor.text(_str(raw, "desc"), f"{where} description"),
        list_id=_str(raw, "idList"),
        closed=bool(raw.get("closed")),
        due=_when(raw.get("due")),
        due_complete=raw.get("dueComplete") is True,
        label_ids=_ids(raw, "idLabels"),
        member_ids=_ids(raw, "idMembers"),
        links=links,
    )


def _item(raw: dict, redactor: Redactor, where: str) -> Item:
    return Item(
        trello_id=_str(raw, "id"),
        name=redactor.text(_str(raw, "name"), where) or "Untitled item",
        complete=_str(raw, "state") == "complete",
        due=_when(raw.get("due")),
        member_id=_str(raw, "idMember"),
        position=_position(raw),
    )


def _attach_checklists(cards: dict[str, Card], raws: list[dict], redactor: Redactor) -> None:
    for raw in sorted(raws, key=_position):
        card = cards.get(_str(raw, "idCard"))
        if card is None:
            continue
        where = f"card “{card.name}” checklist"
        items = sorted(
            (_item(item, redactor, where) for item in _objects(raw, "checkItems")),
            key=lambda item: item.position,
        )
        name = redactor.text(_str(raw, "name"), where) or "Checklist"
        card.checklists.append(Checklist(_str(raw, "id"), name, _position(raw), items))


def _attach_actions(cards: dict[str, Card], raws: list[dict], redactor: Redactor) -> int:
    """Creation dates and comments onto their cards; returns how many actions were ignored."""
    ignored = 0
    for raw in raws:
        data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
        card_data = data.get("card") if isinstance(data.get("card"), dict) else {}
        card = cards.get(_str(card_data, "id"))
        kind = _str(raw, "type")
        if card is not None and kind == "createCard":
            card.created_at = _when(raw.get("date"))
        elif card is not None and kind == "commentCard" and _str(data, "text"):
            text = redactor.text(_str(data, "text"), f"comment on “{card.name}”")
            card.comments.append(
                Comment(_str(raw, "id"), text, _str(raw, "idMemberCreator"), _when(raw.get("date")))
            )
        else:
            ignored += 1
    for card in cards.values():
        card.comments.sort(key=lambda c: (c.at is None, c.at or datetime.min, c.trello_id))
    return ignored
