"""A language-model drafter: any server speaking the OpenAI-compatible chat-completions API.

One POST to `{ASSISTANT_LLM_BASE_URL}/chat/completions` with the model and two messages (the
format to answer in, and the facts with the offline draft as a starting point); the answer's
`choices[0].message.content` must be a prep document in `Draft.to_markdown()`'s form.

Guards, each a `DraftError` with its own code: the prompt is measured and refused before
anything is sent (`too_large`); the whole exchange has one deadline (`llm_timeout`); the
body is read in chunks and reading stops past ASSISTANT_LLM_MAX_ANSWER_BYTES (`too_large`),
so a runaway answer never sits in memory; an answer that is not the section structure, or
asks about a topic to avoid, fails (`llm_malformed`). Messages are redacted and never carry
the API key, which is only ever sent in the Authorization header.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.conf import settings

from dataops.redact import redact
from podcast.assistant import similarity
from podcast.assistant.drafters import DraftError
from podcast.assistant.drafters.base import ARC, SECTIONS, Draft, parse_markdown
from podcast.assistant.drafters.offline import OfflineDrafter, plan_from
from podcast.assistant.inputs import DraftInputs

NAME, VERSION = "llm", "1"
CHUNK = 64 * 1024
_FENCE = re.compile(r"^\s*```[\w-]*\n(?P<body>.*?)\n```\s*$", re.S)

SYSTEM_PROMPT = """You write prep documents for a podcast host. Answer with Markdown only, in
exactly this structure (the headings verbatim, in this order):

# Prep document: <episode working title>
## {sections}

Under "Questions": 10 to 14 numbered questions, each followed by two indented lines
"   - Arc: <stage>" and "   - Source: <the intake field or past question it came from>".
The stages, in this order (never go back to an earlier one): {arc}. The last question is
about resources. Under "Live follow-up prompts": 5 to 8 "- " lines (clarify a term,
confirm understanding, compare options, ask for an example, challenge gently). "Notes for
the host" and "Open TODOs" are "- " lines. Use only the facts given: a missing fact is an
open TODO, never an invented detail. Never ask about a topic to avoid."""


@dataclass(frozen=True)
class LlmDrafter:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 60.0
    max_prompt_chars: int = 60_000
    max_answer_bytes: int = 512 * 1024
    name: str = NAME
    version: str = VERSION

    @classmethod
    def from_settings(cls) -> LlmDrafter:
        base_url, model = settings.ASSISTANT_LLM_BASE_URL, settings.ASSISTANT_LLM_MODEL
        if not base_url or not model:
            raise DraftError(
                "llm_not_configured",
                "ASSISTANT_DRAFTER is llm but ASSISTANT_LLM_BASE_URL or ASSISTANT_LLM_MODEL "
                "is not set.",
            )
        return cls(
            base_url=base_url,
            model=model,
            api_key=settings.ASSISTANT_LLM_API_KEY,
            timeout=float(settings.ASSISTANT_LLM_TIMEOUT_SECONDS),
            max_prompt_chars=int(settings.ASSISTANT_LLM_MAX_PROMPT_CHARS),
            max_answer_bytes=int(settings.ASSISTANT_LLM_MAX_ANSWER_BYTES),
        )

    def draft(self, inputs: DraftInputs) -> Draft:
        messages = self.messages(inputs)
        size = sum(len(message["content"]) for message in messages)
        if size > self.max_prompt_chars:
            raise DraftError(
                "too_large",
                f"The prompt is {size:,} characters; the limit is {self.max_prompt_chars:,} "
                "(ASSISTANT_LLM_MAX_PROMPT_CHARS). Nothing was sent.",
            )
        body = self._post({"model": self.model, "messages": messages, "temperature": 0})
        draft = self._read_draft(body, inputs)
        draft.drafter, draft.drafter_version = self.name, self.version
        return draft

    def messages(self, inputs: DraftInputs) -> list[dict[str, str]]:
        system = SYSTEM_PROMPT.format(
            sections="\n## ".join(SECTIONS), arc=" → ".join(label for _, label in ARC)
        )
        facts = asdict(inputs)
        facts["topics_to_avoid"] = list(plan_from(inputs).avoid)
        starting_point = OfflineDrafter().draft(inputs).to_markdown()
        user = (
            "Facts (JSON):\n"
            + json.dumps(facts, ensure_ascii=False, sort_keys=True)
            + "\n\nA first draft to improve (keep its sources honest):\n\n"
            + starting_point
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    # --- HTTP ---------------------------------------------------------------------------------

    def _fail(self, code: str, message: str) -> DraftError:
        if self.api_key:
            message = message.replace(self.api_key, "[redacted]")
        return DraftError(code, redact(message))

    def _connection(self) -> tuple[http.client.HTTPConnection, str]:
        parts = urlsplit(self.base_url.rstrip("/"))
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
            raise self._fail("llm_not_configured", "ASSISTANT_LLM_BASE_URL is not an http(s) URL.")
        kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        return kind(parts.hostname, port, timeout=self.timeout), parts.path

    def _post(self, payload: dict) -> bytes:
        connection, path = self._connection()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        deadline = time.monotonic() + self.timeout
        try:
            connection.request(
                "POST",
                f"{path}/chat/completions",
                body=json.dumps(payload).encode(),
                headers=headers,
            )
            response = connection.getresponse()
            if response.status != 200:
                snippet = response.read(300).decode("utf-8", "replace")
                raise self._fail(
                    "llm_http",
                    f"The language model server answered HTTP {response.status}: {snippet}",
                )
            return self._read_limited(response, deadline)
        except TimeoutError as exc:
            raise self._fail(
                "llm_timeout",
                f"The language model server did not answer within {self.timeout:g} s.",
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise self._fail(
                "llm_unavailable", f"The language model server could not be reached: {exc}"
            ) from exc
        finally:
            connection.close()

    def _read_limited(self, response: http.client.HTTPResponse, deadline: float) -> bytes:
        """The body, read in chunks; refused as soon as it passes the answer limit or the
        deadline (a server dripping bytes slowly still ends in a timeout)."""
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_answer_bytes:
            raise self._too_large()
        chunks, total = [], 0
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read1(CHUNK) if hasattr(response, "read1") else response.read(CHUNK)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > self.max_answer_bytes:
                raise self._too_large()
            chunks.append(chunk)

    def _too_large(self) -> DraftError:
        return self._fail(
            "too_large",
            f"The language model's answer is larger than {self.max_answer_bytes:,} bytes "
            "(ASSISTANT_LLM_MAX_ANSWER_BYTES); it was not read.",
        )

    # --- the answer -------------------------------------------------------------------------

    def _content(self, body: bytes) -> str:
        try:
            content = json.loads(body)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise self._fail(
                "llm_malformed",
                "The language model server's answer is not a chat completion "
                "(no choices[0].message.content).",
            ) from exc
        if not isinstance(content, str) or not content.strip():
            raise self._fail("llm_malformed", "The language model's answer is empty.")
        fenced = _FENCE.match(content)
        return fenced["body"] if fenced else content

    def _read_draft(self, body: bytes, inputs: DraftInputs) -> Draft:
        draft = parse_markdown(self._content(body))
        problems = draft.validate()
        avoid = plan_from(inputs).avoid
        for number, question in enumerate(draft.questions, 1):
            touched = similarity.touches(question.text, avoid)
            if touched:
                problems.append(f"Question {number} asks about a topic to avoid (“{touched}”).")
        if problems:
            shown = " ".join(problems[:5])
            more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
            raise self._fail(
                "llm_malformed",
                f"The language model's answer does not fit the prep document: {shown}{more}",
            )
        if not draft.title:
            draft.title = inputs.working_title
        return draft
