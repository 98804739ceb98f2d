"""Drafters of the prep document behind one interface, chosen by `ASSISTANT_DRAFTER`."""

from __future__ import annotations

from django.conf import settings

from dataops.redact import redact
from podcast.assistant.drafters.base import Draft, Drafter, Question, parse_markdown

__all__ = ["Draft", "DraftError", "Drafter", "Question", "get_drafter", "parse_markdown"]

OFFLINE, LLM = "offline", "llm"


class DraftError(Exception):
    """A run that produced no draft: `code` is a short slug (`llm_timeout`, `llm_malformed`,
    `too_large`, …) and the message is redacted, safe to store and show."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = _without_api_key(redact(message))
        super().__init__(self.message)


def _without_api_key(text: str) -> str:
    # The shared redaction does not know this setting; an echoed key never leaves here.
    key = getattr(settings, "ASSISTANT_LLM_API_KEY", "") or ""
    return text.replace(key, "[redacted]") if len(key) >= 6 else text


def get_drafter() -> Drafter:
    """The configured drafter: the offline one unless `ASSISTANT_DRAFTER` says "llm"."""
    name = (getattr(settings, "ASSISTANT_DRAFTER", OFFLINE) or OFFLINE).strip().casefold()
    if name == LLM:
        from podcast.assistant.drafters.llm import LlmDrafter

        return LlmDrafter.from_settings()
    if name != OFFLINE:
        raise DraftError("bad_drafter", f"ASSISTANT_DRAFTER is “{name}”; use offline or llm.")
    from podcast.assistant.drafters.offline import OfflineDrafter

    return OfflineDrafter()
