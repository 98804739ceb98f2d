"""What other apps plug into the bot, so the bot never imports them.

* `register_intake_handler(fn)`: `fn(message: IntakeMessage) -> IntakeReceipt` turns an
  allowlisted chat's message into one intake item (idempotent on chat and message id).
* `register_recent_intake(fn)`: `fn(limit: int) -> list[IntakeSummary]`, the latest intake
  items with their state, for `/status`.

The podcast app registers both when it is ready (`podcast/telegram.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    content_type: str = ""


@dataclass(frozen=True)
class IntakeMessage:
    chat_id: str
    chat_label: str
    message_id: int
    sender_name: str
    sender_contact: str
    text: str
    links: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    # Attachments not kept, each with the reason ("photo.jpg: larger than 5 MB").
    refused: list[str] = field(default_factory=list)

    @property
    def external_id(self) -> str:
        return f"{self.chat_id}:{self.message_id}"


@dataclass(frozen=True)
class IntakeReceipt:
    number: int
    created: bool
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IntakeSummary:
    number: int
    title: str
    state: str
    url: str = ""  # the item's page, relative to the portal


IntakeHandler = Callable[[IntakeMessage], IntakeReceipt]
RecentIntake = Callable[[int], list[IntakeSummary]]

_intake_handlers: list[IntakeHandler] = []
_recent_intake: list[RecentIntake] = []


def register_intake_handler(handler: IntakeHandler) -> None:
    """Register the function that stores intake messages (the last one registered wins)."""
    if handler not in _intake_handlers:
        _intake_handlers.append(handler)


def register_recent_intake(reader: RecentIntake) -> None:
    if reader not in _recent_intake:
        _recent_intake.append(reader)


def intake_handler() -> IntakeHandler | None:
    return _intake_handlers[-1] if _intake_handlers else None


def recent_intake(limit: int) -> list[IntakeSummary]:
    return _recent_intake[-1](limit) if _recent_intake else []
