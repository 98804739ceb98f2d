"""The language-model drafter against a fake chat-completions server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from podcast.assistant.drafters import DraftError, get_drafter
from podcast.assistant.drafters.llm import LlmDrafter
from podcast.assistant.drafters.offline import OfflineDrafter
from podcast.assistant.tests.drafting import full_inputs

API_KEY = "sk-test-abcdefghijklmnopqrstuvwxyz0123"
MB = 1024 * 1024


class FakeServer:
    """One behaviour at a time (`reply`), and what it received (`requests`)."""

    def __init__(self):
        self.reply = lambda handler: None
        self.requests: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                owner.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                # The client may stop reading early, as it should.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    owner.reply(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def send(handler, status: int, body: bytes, content_type: str = "application/json"):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def completion(content: str) -> bytes:
    return json.dumps(
        {"choices": [{"message": {"role": "assistant", "content": content}}]}
    ).encode()


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.close()


def drafter(url: str, **changes) -> LlmDrafter:
    values = dict(
        base_url=url,
        model="tiny-model",
        api_key=API_KEY,
        timeout=2.0,
        max_prompt_chars=200_000,
        max_answer_bytes=256 * 1024,
    )
    values.update(changes)
    return LlmDrafter(**values)


def good_answer() -> str:
    return OfflineDrafter().draft(full_inputs()).to_markdown()


def test_a_fitting_answer_becomes_the_draft(fake):
    fake.reply = lambda h: send(h, 200, completion(good_answer()))
    draft = drafter(fake.url).draft(full_inputs())
    assert draft.drafter == "llm"
    assert draft.validate() == []
    assert 10 <= len(draft.questions) <= 14
    assert all(question.source for question in draft.questions)
    sent = fake.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["body"]["model"] == "tiny-model"
    assert [m["role"] for m in sent["body"]["messages"]] == ["system", "user"]
    assert sent["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert "Dana Reyes" in sent["body"]["messages"][1]["content"]


def test_an_answer_in_a_code_fence_is_read(fake):
    fake.reply = lambda h: send(h, 200, completion("```markdown\n" + good_answer() + "\n```"))
    assert len(drafter(fake.url).draft(full_inputs()).questions) >= 10


def test_a_server_that_does_not_answer_in_time_fails_with_llm_timeout(fake):
    def slow(handler):
        time.sleep(1.5)
        send(handler, 200, completion(good_answer()))

    fake.reply = slow
    started = time.monotonic()
    with pytest.raises(DraftError) as failed:
        drafter(fake.url, timeout=0.3).draft(full_inputs())
    assert failed.value.code == "llm_timeout"
    assert time.monotonic() - started < 1.4


def test_a_server_dripping_bytes_hits_the_deadline(fake):
    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        for _ in range(40):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.1)

    fake.reply = drip
    with pytest.raises(DraftError) as failed:
        drafter(fake.url, timeout=0.5).draft(full_inputs())
    assert failed.value.code == "llm_timeout"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        json.dumps({"choices": []}).encode(),
        completion(""),
        completion("Sure! Here are some questions:\n1. What do you do?"),
    ],
    ids=["html", "no-choices", "empty", "not-the-structure"],
)
def test_garbage_fails_with_llm_malformed(fake, body):
    fake.reply = lambda h: send(h, 200, body)
    with pytest.raises(DraftError) as failed:
        drafter(fake.url).draft(full_inputs())
    assert failed.value.code == "llm_malformed"


def test_a_structured_answer_with_too_few_questions_says_what_is_wrong(fake):
    document = OfflineDrafter().draft(full_inputs())
    answer = dataclasses.replace(document, questions=document.questions[:9]).to_markdown()
    fake.reply = lambda h: send(h, 200, completion(answer))
    with pytest.raises(DraftError) as failed:
        drafter(fake.url).draft(full_inputs())
    assert failed.value.code == "llm_malformed"
    assert "9 questions; a draft has 10–14" in str(failed.value)


def test_an_answer_asking_about_a_topic_to_avoid_is_refused(fake):
    answer = good_answer().replace(
        "1. ", "1. How did the layoffs at your previous employer change you? ", 1
    )
    fake.reply = lambda h: send(h, 200, completion(answer))
    with pytest.raises(DraftError) as failed:
        drafter(fake.url).draft(full_inputs())
    assert failed.value.code == "llm_malformed"
    assert "topic to avoid" in str(failed.value)


def test_a_50_mb_answer_is_not_read_into_memory(fake):
    def huge(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()  # no length: the client finds out by reading
        chunk = b"x" * MB
        for _ in range(50):
            handler.wfile.write(chunk)

    fake.reply = huge
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(DraftError) as failed:
            drafter(fake.url, timeout=20).draft(full_inputs())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert failed.value.code == "too_large"
    assert "262,144 bytes" in str(failed.value)
    assert peak < 8 * MB  # the server's 1 MB chunk and a few of ours, never 50 MB
    assert time.monotonic() - started < 10


def test_a_declared_50_mb_answer_is_refused_by_its_length(fake):
    def declared(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(50 * MB))
        handler.end_headers()
        handler.wfile.write(b"x" * MB)

    fake.reply = declared
    with pytest.raises(DraftError) as failed:
        drafter(fake.url).draft(full_inputs())
    assert failed.value.code == "too_large"


def test_http_500_fails_with_the_status_and_no_api_key(fake):
    fake.reply = lambda h: send(h, 500, f"internal error, key={API_KEY}".encode(), "text/plain")
    with pytest.raises(DraftError) as failed:
        drafter(fake.url).draft(full_inputs())
    assert failed.value.code == "llm_http"
    assert "HTTP 500" in str(failed.value)
    assert API_KEY not in str(failed.value)


def test_a_prompt_over_the_limit_is_refused_before_sending(fake):
    with pytest.raises(DraftError) as failed:
        drafter(fake.url, max_prompt_chars=500).draft(full_inputs())
    assert failed.value.code == "too_large"
    assert "Nothing was sent" in str(failed.value)
    assert fake.requests == []


def test_an_unreachable_server_fails_with_llm_unavailable(fake):
    url = fake.url
    fake.close()
    with pytest.raises(DraftError) as failed:
        drafter(url).draft(full_inputs())
    assert failed.value.code == "llm_unavailable"
    fake.close = lambda: None


def test_the_setting_chooses_the_drafter(settings, fake):
    assert get_drafter().name == "offline"
    settings.ASSISTANT_DRAFTER = "llm"
    settings.ASSISTANT_LLM_BASE_URL = fake.url
    settings.ASSISTANT_LLM_MODEL = "tiny-model"
    settings.ASSISTANT_LLM_API_KEY = API_KEY
    chosen = get_drafter()
    assert (chosen.name, chosen.model, chosen.api_key) == ("llm", "tiny-model", API_KEY)
    settings.ASSISTANT_LLM_MODEL = ""
    with pytest.raises(DraftError) as failed:
        get_drafter()
    assert failed.value.code == "llm_not_configured"
    settings.ASSISTANT_DRAFTER = "magic"
    with pytest.raises(DraftError) as failed:
        get_drafter()
    assert failed.value.code == "bad_drafter"


def test_the_api_key_is_never_logged(fake, caplog):
    fake.reply = lambda h: send(h, 502, b"bad gateway", "text/plain")
    with caplog.at_level("DEBUG"), pytest.raises(DraftError):
        drafter(fake.url).draft(full_inputs())
    assert API_KEY not in caplog.text


def test_an_error_page_of_any_size_fails_with_its_status(fake):
    fake.reply = lambda h: send(h, 503, b"<html>" + b"x" * (2 * MB), "text/html")
    with pytest.raises(DraftError) as failed:
        drafter(fake.url).draft(full_inputs())
    assert failed.value.code == "llm_http"
    assert "HTTP 503" in str(failed.value)
    assert len(str(failed.value)) < 500


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/v1", "http://127.0.0.1:notaport/v1", "v1"])
def test_a_base_url_that_is_not_http_is_a_configuration_error(url):
    with pytest.raises(DraftError) as failed:
        drafter(url).draft(full_inputs())
    assert failed.value.code == "llm_not_configured"


def test_a_draft_error_never_carries_the_configured_api_key(settings):
    settings.ASSISTANT_LLM_API_KEY = "plain-key-without-a-known-shape-42"
    error = DraftError("llm_http", "Rejected key plain-key-without-a-known-shape-42 for model")
    assert "plain-key" not in str(error)
    assert error.message == "Rejected key [redacted] for model"
