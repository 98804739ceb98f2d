"""Remove secret-looking values from text before it is stored or shown.

Error messages from git, HTTP clients and bots often echo the URL or header that failed,
credentials included. Everything written to the job-run ledger passes through `redact`.
"""

import re

from django.conf import settings

MASK = "[redacted]"

_PATTERNS = [
    # https://user:password@host → https://[redacted]@host
    (
        re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.I),
        r"\g<scheme>" + MASK + "@",
    ),
    # "Bearer abc…" first: the key pattern below would mask only the word "Bearer"
    (re.compile(r"\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}", re.I), r"\1 " + MASK),
    # token=..., password: ..., api_key="..." and friends
    (
        re.compile(
            r"(?P<key>\b[\w-]*(?:token|secret|password|passwd|api[_-]?key|signature|"
            r"authorization|sig|credential)s?\b[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"'&,;]+)",
            re.I,
        ),
        r"\g<key>" + MASK,
    ),
    # Telegram bot tokens, GitHub / Slack / OpenAI-style keys, AWS access keys
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"), MASK),
    (re.compile(r"\b(?:gh[pousr]|github_pat)_[A-Za-z0-9_]{20,}\b"), MASK),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), MASK),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b"), MASK),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), MASK),
    # Signed URL query parameters (S3, GCS, Trello attachments)
    (
        re.compile(r"([?&](?:X-Amz-Signature|X-Goog-Signature|Signature|sig|key)=)[^&\s]+", re.I),
        r"\1" + MASK,
    ),
]

_SETTING_NAMES = (
    "SECRET_KEY",
    "DOCS_WEBHOOK_SECRET",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "ASSISTANT_LLM_API_KEY",
)


def _configured_secrets() -> list[str]:
    values = (getattr(settings, name, "") for name in _SETTING_NAMES)
    return [value for value in values if isinstance(value, str) and len(value) >= 6]


def redact(text: str) -> str:
    """Return `text` with credentials, tokens and configured secrets masked."""
    if not text:
        return text
    for secret in _configured_secrets():
        text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def looks_secret(text: str) -> bool:
    """True when `text` contains something `redact` would mask."""
    return bool(text) and redact(text) != text
