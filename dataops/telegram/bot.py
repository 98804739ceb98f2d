"""What the bot does with one update: who is talking, which command, and the reply.

`handle(update)` reads the stored update and returns a `Handled` (outcome, reason, the chat
to answer and the reply). It never sends anything itself: the worker sends the reply after
the outcome is stored, so a reply that fails is retried without doing the work twice.

Who may talk: a private chat linked to an active user (`/start <token>` links one), and
group chats on the allowlist (`TelegramChat`, with what each may do). Everyone else gets
`GENERIC_REPLY` and nothing else. No command changes a task or publishes anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.urls import reverse

from dataops.errors import ServiceError
from dataops.models import User
from dataops.telegram import client, handlers, linking
from dataops.telegram.client import escape_html
from dataops.telegram.models import TelegramBotState, TelegramChat, TelegramUpdate

Outcome = TelegramUpdate.Outcome
GENERIC_REPLY = "Sorry, this bot only works for its team's linked accounts and chats."
KNOWN_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post", "callback_query")
LINK = re.compile(r"https?://[^\s<>\"']+", re.I)
COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(.*))?$", re.S)
MAX_LINKS = 20
STATUS_INTAKE_ITEMS = 3
TODAY_LIMIT = 8
HELP = (
    "<b>Commands</b>\n"
    "/status — your overdue, today, waiting and follow-up counts, the latest intake\n"
    "/today — your tasks due today\n"
    "/podcast &lt;notes&gt; — capture podcast material as an intake item\n"
    "/whoami — who the bot thinks you are\n"
    "/stop — unlink this chat from your account\n"
    "/help — this list"
)


@dataclass(frozen=True)
class Handled:
    outcome: str
    reason: str = ""
    chat_id: str = ""
    reply: str = ""


@dataclass(frozen=True)
class Incoming:
    """The parts of a message update the bot reads."""

    message: dict
    chat_id: str
    chat_type: str
    chat_title: str
    sender_id: str
    sender_name: str
    sender_contact: str
    text: str
    command: str
    argument: str

    @property
    def private(self) -> bool:
        return self.chat_type == "private"


def update_kind(update: dict) -> str:
    for key in KNOWN_KINDS:
        if key in update:
            return key
    others = [key for key in update if key != "update_id"]
    return (others[0] if others else "empty")[:32]


def summary(update: dict) -> dict[str, str]:
    """Kind, chat and sender of an update, for its row (whatever its kind)."""
    body = next((update[k] for k in KNOWN_KINDS if isinstance(update.get(k), dict)), {})
    chat = body.get("chat") or (body.get("message") or {}).get("chat") or {}
    sender = body.get("from") or {}
    return {
        "kind": update_kind(update),
        "chat_id": str(chat.get("id", ""))[:64],
        "chat_type": str(chat.get("type", ""))[:16],
        "sender": _name(sender)[:200],
    }


def _name(sender: dict) -> str:
    full = " ".join(str(sender.get(k) or "") for k in ("first_name", "last_name")).strip()
    return full or str(sender.get("username") or "")


def _incoming(message: dict) -> Incoming:
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    text = str(message.get("text") or message.get("caption") or "").strip()
    command, argument = "", text
    match = COMMAND.match(text) if "text" in message else None
    if match and (not match.group(2) or _is_this_bot(match.group(2))):
        command, argument = match.group(1).lower(), (match.group(3) or "").strip()
    username = str(sender.get("username") or "")
    return Incoming(
        message=message,
        chat_id=str(chat.get("id", "")),
        chat_type=str(chat.get("type", "")),
        chat_title=str(chat.get("title") or chat.get("username") or ""),
        sender_id=str(sender.get("id", "")),
        sender_name=_name(sender),
        sender_contact=f"@{username}" if username else "",
        text=text,
        command=command,
        argument=argument,
    )


def _is_this_bot(name: str) -> bool:
    return (
        not settings.TELEGRAM_BOT_USERNAME or name.lower() == settings.TELEGRAM_BOT_USERNAME.lower()
    )


# --- dispatch ------------------------------------------------------------------------------


def handle(update: dict) -> Handled:
    kind = update_kind(update)
    if kind != "message" or not isinstance(update.get("message"), dict):
        return Handled(Outcome.IGNORED, f"{kind.replace('_', ' ')} updates are not handled")
    incoming = _incoming(update["message"])
    if not incoming.chat_id:
        return Handled(Outcome.IGNORED, "no chat in the message")
    if incoming.private:
        return _private(incoming)
    return _group(incoming)


def _refused(incoming: Incoming, reason: str) -> Handled:
    return Handled(Outcome.REFUSED, reason, incoming.chat_id, GENERIC_REPLY)


def _private(incoming: Incoming) -> Handled:
    if incoming.command == "start" and incoming.argument:
        result = linking.claim_link(
            incoming.argument, chat_id=incoming.chat_id, chat_label=incoming.sender_contact
        )
        if not result.ok:
            return Handled(
                Outcome.REFUSED, result.message, incoming.chat_id, escape_html(result.message)
            )
        text = f"{result.message} You will get your notifications here. /help lists the commands."
        return Handled(Outcome.PROCESSED, "chat linked", incoming.chat_id, escape_html(text))
    user = linking.user_for_chat(incoming.chat_id)
    if user is None:
        return _refused(incoming, "private chat not linked to an account")
    if incoming.command == "stop":
        linking.unlink(user, by=user, via="telegram /stop")
        text = "This chat is unlinked. Link it again from your profile any time."
        return Handled(Outcome.PROCESSED, "chat unlinked", incoming.chat_id, text)
    if incoming.command == "podcast":
        return _capture(incoming, label=f"private chat of {user.display_name}")
    return _command(incoming, user)


def _group(incoming: Incoming) -> Handled:
    chat = TelegramChat.objects.filter(chat_id=incoming.chat_id).first()
    if chat is None:
        return _refused(incoming, "chat not on the allowlist")
    if incoming.command in ("status", "today", "whoami"):
        if not chat.allow_status:
            return Handled(
                Outcome.REFUSED,
                f"/{incoming.command} is not allowed in this chat",
                incoming.chat_id,
                "Status commands are not enabled for this chat.",
            )
        user = linking.user_for_chat(incoming.sender_id)
        if user is None:
            text = "Link your account from your profile to use this command."
            return Handled(Outcome.REFUSED, "sender not linked", incoming.chat_id, text)
        return _command(incoming, user)
    if incoming.command in ("start", "stop"):
        text = f"Send /{incoming.command} in a private chat with the bot."
        return Handled(Outcome.PROCESSED, f"/{incoming.command} in a group", incoming.chat_id, text)
    if incoming.command == "help":
        return Handled(Outcome.PROCESSED, "help", incoming.chat_id, HELP)
    if incoming.command and incoming.command != "podcast":
        return Handled(Outcome.IGNORED, f"unknown command /{incoming.command}")
    if not chat.allow_intake:
        return Handled(Outcome.REFUSED, "intake is not allowed in this chat")
    if not (incoming.text or _has_file(incoming.message)):
        # stickers, people joining, pinned messages: nothing to capture, nothing to say
        return Handled(Outcome.IGNORED, "message without text, caption or file")
    return _capture(incoming, label=chat.label)


def _command(incoming: Incoming, user: User) -> Handled:
    chat_id = incoming.chat_id
    match incoming.command:
        case "start" | "help":
            return Handled(Outcome.PROCESSED, incoming.command, chat_id, HELP)
        case "whoami":
            text = (
                f"You are <b>{escape_html(user.display_name)}</b> ({escape_html(user.username)})."
            )
            return Handled(Outcome.PROCESSED, "whoami", chat_id, text)
        case "status":
            return Handled(Outcome.PROCESSED, "status", chat_id, status_text(user))
        case "today":
            return Handled(Outcome.PROCESSED, "today", chat_id, today_text(user))
        case "":
            return Handled(
                Outcome.PROCESSED, "plain message", chat_id, "Send /help for the commands."
            )
    return Handled(
        Outcome.IGNORED, f"unknown command /{incoming.command}", chat_id, "Unknown command. /help"
    )


# --- intake --------------------------------------------------------------------------------


def _capture(incoming: Incoming, *, label: str) -> Handled:
    handler = handlers.intake_handler()
    if handler is None:
        return Handled(
            Outcome.REFUSED,
            "no intake handler is installed",
            incoming.chat_id,
            "Intake is not available right now.",
        )
    message = incoming.message
    text = incoming.argument if incoming.command == "podcast" else incoming.text
    if not (text or _has_file(message)):
        reply = "Send /podcast followed by your notes."
        return Handled(Outcome.REFUSED, "/podcast without notes", incoming.chat_id, reply)
    attachments, refused = _attachments(message)
    if not text:
        text = "\n".join(a.name for a in attachments) or "(attachment)"
    try:
        receipt = _store(handler, incoming, label, text, attachments, refused)
    except ServiceError as exc:
        reply = f"Not captured: {escape_html(exc.message)}"
        return Handled(Outcome.REFUSED, f"intake refused: {exc.message}", incoming.chat_id, reply)
    if not receipt.created:
        reply = f"Already captured as intake #{receipt.number}."
        return Handled(
            Outcome.DUPLICATE, f"message already intake #{receipt.number}", incoming.chat_id, reply
        )
    reply = f"Captured as intake #{receipt.number}."
    if receipt.notes:
        reply += "\nNot kept: " + "; ".join(escape_html(note) for note in receipt.notes)
    return Handled(Outcome.PROCESSED, f"intake #{receipt.number}", incoming.chat_id, reply)


def _store(
    handler: handlers.IntakeHandler,
    incoming: Incoming,
    label: str,
    text: str,
    attachments: list[handlers.Attachment],
    refused: list[str],
) -> handlers.IntakeReceipt:
    message = incoming.message
    return handler(
        handlers.IntakeMessage(
            chat_id=incoming.chat_id,
            chat_label=label or incoming.chat_title,
            message_id=int(message.get("message_id") or 0),
            sender_name=incoming.sender_name,
            sender_contact=incoming.sender_contact,
            text=text,
            links=extract_links(message),
            attachments=attachments,
            refused=refused,
        )
    )


def _has_file(message: dict) -> bool:
    return isinstance(message.get("document"), dict) or bool(message.get("photo"))


def extract_links(message: dict) -> list[str]:
    """Links in the text or caption and behind its text links, first seen first."""
    found: list[str] = []
    for key in ("text", "caption"):
        found += LINK.findall(str(message.get(key) or ""))
    for entity in [*(message.get("entities") or []), *(message.get("caption_entities") or [])]:
        if isinstance(entity, dict) and entity.get("type") == "text_link" and entity.get("url"):
            found.append(str(entity["url"]))
    cleaned = [link.rstrip(".,;:!?)") for link in found]
    valid = [link for link in cleaned if link.lower().startswith(("http://", "https://"))]
    return list(dict.fromkeys(link for link in valid if len(link) <= 2000))[:MAX_LINKS]


def _attachments(message: dict) -> tuple[list[handlers.Attachment], list[str]]:
    """Download the message's photo or document through the Bot API file endpoint; a file
    over TELEGRAM_MAX_FILE_BYTES is refused by its reported size, before any download."""
    wanted = []
    if isinstance(message.get("document"), dict):
        document = message["document"]
        name = str(document.get("file_name") or f"document-{message.get('message_id')}")
        wanted.append((document, name[:200], str(document.get("mime_type") or "")))
    if isinstance(message.get("photo"), list) and message["photo"]:
        largest = max(message["photo"], key=lambda p: int(p.get("file_size") or 0))
        wanted.append((largest, f"photo-{message.get('message_id')}.jpg", "image/jpeg"))
    kept, refused = [], []
    limit = settings.TELEGRAM_MAX_FILE_BYTES
    for meta, name, content_type in wanted:
        size = int(meta.get("file_size") or 0)
        if size > limit:
            refused.append(f"{name} ({_mb(size)}, over the {_mb(limit)} limit)")
            continue
        try:
            remote = client.get_file(str(meta.get("file_id") or ""))
            content = client.download_file(remote, max_bytes=limit)
        except client.FileTooLarge as exc:
            refused.append(f"{name} ({_mb(exc.size)}, over the {_mb(limit)} limit)")
            continue
        except client.TelegramError as exc:
            if exc.transient:
                raise
            refused.append(f"{name} (could not be downloaded)")
            continue
        kept.append(handlers.Attachment(name, content, content_type))
    return kept, refused


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# --- read-only answers ---------------------------------------------------------------------


def portal_url(path: str = "/") -> str:
    """An absolute portal address: TELEGRAM_PORTAL_URL, else the registered webhook's site."""
    base = settings.TELEGRAM_PORTAL_URL
    if not base:
        webhook = TelegramBotState.objects.values_list("webhook_url", flat=True).first() or ""
        parts = urlsplit(webhook)
        base = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return urljoin(base.rstrip("/") + "/", path.lstrip("/")) if base else ""


def _link(title: str, path: str) -> str:
    url = portal_url(path)
    if not url:
        return escape_html(title)
    return f'<a href="{escape_html(url)}">{escape_html(title)}</a>'


def status_text(user: User) -> str:
    from dataops import health
    from tasks.home_selectors import home_board
    from tasks.services.common import local_today

    counts = home_board(user=user, today=local_today()).counts
    lines = [
        f"<b>Status for {escape_html(user.display_name)}</b>",
        f"Overdue: {counts.get('overdue', 0)} · Today: {counts.get('today', 0)} · "
        f"Waiting: {counts.get('waiting', 0)} · Follow-ups due: {counts.get('follow_ups', 0)}",
        "",
        "<b>Latest intake</b>",
    ]
    items = handlers.recent_intake(STATUS_INTAKE_ITEMS)
    lines += [
        f"#{item.number} {_link(item.title, item.url) if item.url else escape_html(item.title)}"
        f" — {escape_html(item.state)}"
        for item in items
    ] or ["No intake yet."]
    state = health.overall(health.run_all())
    lines += ["", f"System: {'ok' if state == health.OK else 'degraded'}"]
    home = portal_url(reverse("home"))
    if home:
        lines.append(f'<a href="{escape_html(home)}">Open the portal</a>')
    return "\n".join(lines)


def today_text(user: User) -> str:
    from tasks.home_selectors import home_board
    from tasks.services.common import local_today

    board = home_board(user=user, today=local_today())
    lane = next(lane for lane in board.lanes if lane.key == "today")
    if not lane.count:
        return "Nothing due today."
    lines = [f"<b>Due today ({lane.count})</b>"]
    lines += [
        f"• {_link(task.title, task.get_absolute_url())}" for task in lane.tasks[:TODAY_LIMIT]
    ]
    if lane.count > TODAY_LIMIT:
        lines.append(f"… and {lane.count - TODAY_LIMIT} more")
    return "\n".join(lines)
