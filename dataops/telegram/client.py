"""The Bot API client: a few methods over HTTPS, with timeouts, size limits and errors that
say whether trying again can help.

`TelegramError.transient` is true for 429 (with `retry_after`), 5xx, timeouts and connection
failures, false for 400/401/403/404 (a bad request, a revoked token, a bot blocked by the
user). The bot token is part of every URL and never appears in an error message.
"""

from __future__ import annotations

import html
import http.client
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings

from dataops.redact import redact

MESSAGE_LIMIT = 4096
CHUNK = 64 * 1024
ANSWER_LIMIT = 4 * 1024 * 1024  # a JSON answer larger than this is not read


class TelegramError(Exception):
    """A Bot API call that failed. `transient`: worth retrying; `retry_after`: seconds the
    API asked us to wait (429)."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.transient = transient
        self.retry_after = retry_after
        self.status = status


class FileTooLarge(TelegramError):
    """An attachment over the size limit: refused before (or while) downloading it."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"The file is {size:,} bytes; files over {limit:,} bytes are not downloaded.",
            transient=False,
        )
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class RemoteFile:
    file_id: str
    file_path: str
    size: int


def escape_html(text: str) -> str:
    """Text safe inside an HTML-parse-mode message."""
    return html.escape(text or "", quote=False)


def cut(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """`text` within Telegram's message limit; an HTML entity is never cut in half."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head + "…"


def is_configured() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


# --- transport ---------------------------------------------------------------------------


def _connection(timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(settings.TELEGRAM_API_BASE_URL.rstrip("/"))
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise TelegramError("TELEGRAM_API_BASE_URL is not an http(s) URL.", transient=False)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname, port, timeout=timeout), parts.path


def _request(
    method: str, path: str, *, body: bytes | None, timeout: float, limit: int
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP exchange; the body is read up to `limit` bytes (FileTooLarge beyond)."""
    if not settings.TELEGRAM_BOT_TOKEN:
        raise TelegramError("TELEGRAM_BOT_TOKEN is not set.", transient=False)
    connection, prefix = _connection(timeout)
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    deadline = time.monotonic() + timeout
    try:
        connection.request(method, prefix + path, body=body, headers=headers)
        response = connection.getresponse()
        declared = response.getheader("Content-Length") or ""
        if declared.isdigit() and int(declared) > limit:
            raise FileTooLarge(int(declared), limit)
        chunks, total = [], 0
        while chunk := response.read(CHUNK):
            total += len(chunk)
            if total > limit:
                raise FileTooLarge(total, limit)
            if time.monotonic() > deadline:
                raise TimeoutError
            chunks.append(chunk)
        return response.status, dict(response.getheaders()), b"".join(chunks)
    except TimeoutError as exc:
        raise TelegramError(
            f"The Bot API did not answer within {timeout:g} s.", transient=True
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise TelegramError(
            f"The Bot API could not be reached: {type(exc).__name__}", transient=True
        ) from exc
    finally:
        connection.close()


def call(method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
    """Call a Bot API method; returns its `result` or raises `TelegramError`."""
    timeout = timeout or settings.TELEGRAM_TIMEOUT_SECONDS
    token = quote(settings.TELEGRAM_BOT_TOKEN, safe=":")
    body = json.dumps(params or {}).encode()
    status, _, raw = _request(
        "POST", f"/bot{token}/{method}", body=body, timeout=timeout, limit=ANSWER_LIMIT
    )
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if status == 200 and answer.get("ok"):
        return answer.get("result")
    description = str(answer.get("description") or f"HTTP {status}")[:300]
    retry_after = (answer.get("parameters") or {}).get("retry_after")
    if status == 429:
        wait = float(retry_after) if isinstance(retry_after, (int, float)) else None
        raise TelegramError(
            f"{method}: rate limited by the Bot API ({description})",
            transient=True,
            retry_after=wait,
            status=status,
        )
    raise TelegramError(
        f"{method}: the Bot API answered {status}: {description}",
        transient=status >= 500 or status == 0,
        status=status,
    )


# --- methods -----------------------------------------------------------------------------


def send_message(chat_id: str, text: str) -> int:
    """Send `text` (HTML parse mode: escape user text with `escape_html`) to a chat;
    returns the message id. Longer text is cut to Telegram's 4,096 characters."""
    result = call(
        "sendMessage",
        {
            "chat_id": chat_id,
            "text": cut(text),
            "parse_mode": "HTML",
            "disable_web_page_preview": True,
        },
    )
    return int((result or {}).get("message_id") or 0)


def get_file(file_id: str) -> RemoteFile:
    """The file's path and size as the Bot API reports them (no download)."""
    result = call("getFile", {"file_id": file_id}) or {}
    if not result.get("file_path"):
        raise TelegramError("getFile: the Bot API gave no file path.", transient=False)
    return RemoteFile(file_id, str(result["file_path"]), int(result.get("file_size") or 0))


def download_file(remote: RemoteFile, *, max_bytes: int | None = None) -> bytes:
    """The file's bytes, refused (FileTooLarge) past `max_bytes` (TELEGRAM_MAX_FILE_BYTES):
    first by the size the API reported, then by Content-Length, then while reading."""
    limit = max_bytes if max_bytes is not None else settings.TELEGRAM_MAX_FILE_BYTES
    if remote.size > limit:
        raise FileTooLarge(remote.size, limit)
    token = quote(settings.TELEGRAM_BOT_TOKEN, safe=":")
    path = quote(remote.file_path, safe="/")
    status, _, raw = _request(
        "GET",
        f"/file/bot{token}/{path}",
        body=None,
        timeout=settings.TELEGRAM_TIMEOUT_SECONDS,
        limit=limit,
    )
    if status != 200:
        raise TelegramError(
            f"The file download answered HTTP {status}.", transient=status >= 500, status=status
        )
    return raw


def set_webhook(url: str, secret: str) -> None:
    call(
        "setWebhook",
        {
            "url": url,
            "secret_token": secret,
            "allowed_updates": ["message", "edited_message", "channel_post", "callback_query"],
        },
    )


def get_updates(offset: int, *, timeout: int = 25) -> list[dict]:
    """Long polling: updates after `offset`, waiting up to `timeout` seconds for one."""
    result = call("getUpdates", {"offset": offset, "timeout": timeout}, timeout=timeout + 10)
    return [update for update in result or [] if isinstance(update, dict)]
