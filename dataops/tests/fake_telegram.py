"""A fake Telegram Bot API on 127.0.0.1 for tests: no test reaches the internet.

Use the `fake_bot_api` fixture (import it into a test module, or into a conftest)::

    from dataops.tests.fake_telegram import fake_bot_api  # noqa: F401

    def test_x(fake_bot_api):
        ...
        assert fake_bot_api.sent_texts("4242") == ["Captured as intake #1."]

The fixture starts a `FakeBotApi` and points the settings at it: TELEGRAM_API_BASE_URL,
TELEGRAM_BOT_TOKEN (`FakeBotApi.TOKEN`), TELEGRAM_WEBHOOK_SECRET (`FakeBotApi.SECRET`),
TELEGRAM_BOT_USERNAME (`FakeBotApi.USERNAME`) and a short TELEGRAM_TIMEOUT_SECONDS (1 s).

`FakeBotApi` (a threaded HTTP server, also usable on its own as a context manager):

* `base_url` — give it to TELEGRAM_API_BASE_URL.
* `requests` — every call as `Call(method, params, path, token)`; `calls(method)` filters
  them; `sent(chat_id=None)` the sendMessage params; `sent_texts(chat_id=None)` their texts.
* Answers: sendMessage → `{"message_id": n}` (n counts up); getFile → the file registered
  with `add_file(file_id, content, reported_size=None)`; `GET /file/bot<token>/<path>`
  serves its bytes; setWebhook, deleteWebhook → true; getUpdates → the updates queued with
  `queue_update(update)` (then emptied); any other method → true.
* Failures: `fail(method, status=429, retry_after=3, times=1)` answers the next `times`
  calls of `method` with that HTTP status (429 carries `parameters.retry_after`); `hang(method,
  seconds, times=1)` makes the next calls wait `seconds` before answering (a timeout for a
  client with a shorter one). A wrong token answers 401 like the real API.
* `webhook_update(client, update, secret=SECRET)` posts an update to our webhook with the
  secret header, as Telegram would (Django's test client); `post_update(base_url, update)`
  does the same over HTTP (a `live_server`, for browser tests).
* `private_message(update_id, chat_id, text)`, `group_message(update_id, chat_id, text)`
  build updates; `private_message(n, chat, f"/start {token}")` links a chat with the token of
  the profile's deep link (`deep_link_token(url)` takes it out of the link).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Call:
    method: str
    params: dict
    path: str
    token: str


@dataclass
class _Failure:
    status: int
    retry_after: float | None
    hang: float = 0.0


class FakeBotApi:
    TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmnop"
    SECRET = "webhook-secret-for-tests"
    USERNAME = "dataops_test_bot"

    def __init__(self) -> None:
        self.requests: list[Call] = []
        self.files: dict[str, tuple[str, bytes, int]] = {}
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._updates: list[dict] = []
        self._next_message_id = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- arranging ---------------------------------------------------------------------

    def add_file(
        self, file_id: str, content: bytes, *, reported_size: int | None = None, name: str = ""
    ) -> None:
        path = f"documents/{name or file_id}"
        size = len(content) if reported_size is None else reported_size
        self.files[file_id] = (path, content, size)

    def fail(
        self, method: str, *, status: int = 500, retry_after: float | None = None, times: int = 1
    ) -> None:
        for _ in range(times):
            self._failures[method].append(_Failure(status, retry_after))

    def hang(self, method: str, seconds: float, *, times: int = 1) -> None:
        for _ in range(times):
            self._failures[method].append(_Failure(0, None, hang=seconds))

    def queue_update(self, update: dict) -> None:
        self._updates.append(update)

    # --- reading -----------------------------------------------------------------------

    def calls(self, method: str) -> list[Call]:
        return [call for call in list(self.requests) if call.method == method]

    def sent(self, chat_id: str | None = None) -> list[dict]:
        return [
            call.params
            for call in self.calls("sendMessage")
            if chat_id is None or str(call.params.get("chat_id")) == str(chat_id)
        ]

    def sent_texts(self, chat_id: str | None = None) -> list[str]:
        return [params.get("text", "") for params in self.sent(chat_id)]

    # --- serving -----------------------------------------------------------------------

    def _answer(self, method: str, params: dict) -> tuple[int, dict]:
        with self._lock:
            failure = self._failures[method].popleft() if self._failures[method] else None
        if failure and failure.hang:
            time.sleep(failure.hang)
        elif failure:
            body: dict[str, Any] = {"ok": False, "error_code": failure.status}
            body["description"] = "Too Many Requests" if failure.status == 429 else "Failure"
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, body
        if method == "sendMessage":
            with self._lock:
                self._next_message_id += 1
                message_id = self._next_message_id
            return 200, {"ok": True, "result": {"message_id": message_id}}
        if method == "getFile":
            found = self.files.get(str(params.get("file_id")))
            if found is None:
                return 400, {"ok": False, "description": "Bad Request: invalid file_id"}
            path, _, size = found
            result = {"file_id": params["file_id"], "file_path": path, "file_size": size}
            return 200, {"ok": True, "result": result}
        if method == "getUpdates":
            with self._lock:
                batch, self._updates = self._updates, []
            return 200, {"ok": True, "result": batch}
        return 200, {"ok": True, "result": True}

    def _file(self, path: str) -> bytes | None:
        for file_path, content, _ in self.files.values():
            if file_path == path:
                return content
        return None

    def _handler_class(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (a timeout test)
                    self.wfile.write(body)

            def _route(self) -> tuple[str, str, str]:
                parts = self.path.lstrip("/").split("/", 2)
                if parts[0] == "file" and len(parts) == 3:
                    return "file", parts[1].removeprefix("bot"), parts[2]
                return "api", parts[0].removeprefix("bot"), parts[1] if len(parts) > 1 else ""

            def do_GET(self) -> None:
                kind, token, rest = self._route()
                api.requests.append(Call("GET " + rest, {}, self.path, token))
                content = api._file(rest) if kind == "file" else None
                if token != api.TOKEN or content is None:
                    self._send(404, b'{"ok": false, "description": "Not Found"}')
                    return
                self._send(200, content, "application/octet-stream")

            def do_POST(self) -> None:
                _, token, method = self._route()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    params = json.loads(raw or b"{}")
                except ValueError:
                    params = {}
                api.requests.append(Call(method, params, self.path, token))
                if token != api.TOKEN:
                    status, body = 401, {"ok": False, "description": "Unauthorized"}
                else:
                    status, body = api._answer(method, params)
                self._send(status, json.dumps(body).encode())

        return Handler


def webhook_update(client, update: dict, *, secret: str = FakeBotApi.SECRET):
    """POST `update` to /telegram/webhook/ the way Telegram does (Django test client)."""
    return client.post(
        "/telegram/webhook/",
        data=json.dumps(update),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )


def post_update(base_url: str, update: dict, *, secret: str = FakeBotApi.SECRET) -> int:
    """POST `update` to a running server's webhook; returns the HTTP status."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        base_url.rstrip("/") + "/telegram/webhook/",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310 - a test's live server
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def deep_link_token(url: str) -> str:
    """The token of a deep link `https://t.me/<bot>?start=<token>`."""
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)["start"][0]


def private_message(update_id: int, chat_id: int, text: str, **extra) -> dict:
    """An update with a message in a private chat (the sender's id is the chat id)."""
    sender = {"id": chat_id, "is_bot": False, "first_name": "Ada", "username": "ada"}
    message = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Ada"},
        "from": sender,
        "text": text,
        **extra,
    }
    return {"update_id": update_id, "message": message}


def group_message(
    update_id: int, chat_id: int, text: str | None = None, *, sender_id: int = 777, **extra
) -> dict:
    """An update with a message in a group chat (text, or `caption=` with `document=`)."""
    message = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "supergroup", "title": "Podcast intake"},
        "from": {"id": sender_id, "is_bot": False, "first_name": "Grace", "username": "grace"},
        **extra,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, "message": message}


@pytest.fixture
def fake_bot_api(settings):
    """A running FakeBotApi with the Telegram settings pointed at it."""
    with FakeBotApi() as api:
        settings.TELEGRAM_API_BASE_URL = api.base_url
        settings.TELEGRAM_BOT_TOKEN = api.TOKEN
        settings.TELEGRAM_WEBHOOK_SECRET = api.SECRET
        settings.TELEGRAM_BOT_USERNAME = api.USERNAME
        settings.TELEGRAM_TIMEOUT_SECONDS = 1.0
        yield api
