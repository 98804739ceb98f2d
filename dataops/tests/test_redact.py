"""The shared redaction: patterns, and the values of the secret settings whatever they look like."""

import pytest

from dataops.redact import MASK, redact


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "DOCS_WEBHOOK_SECRET", "TELEGRAM_BOT_TOKEN", "ASSISTANT_LLM_API_KEY"]
)
def test_a_configured_secret_is_masked_even_without_a_telltale_shape(settings, name):
    setattr(settings, name, "plainwordsecret42")
    assert redact("server said: plainwordsecret42 is not valid") == (
        f"server said: {MASK} is not valid"
    )


def test_short_setting_values_are_not_masked_everywhere(settings):
    settings.ASSISTANT_LLM_API_KEY = "abc"
    assert redact("abc def") == "abc def"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("https://user:hunter22@example.org/repo.git", "https://[redacted]@example.org/repo.git"),
        ("Authorization: Bearer abcdefghijklmnop", "Authorization: [redacted]"),
        ("https://s3.example/x?X-Amz-Signature=deadbeef&a=1", "?X-Amz-Signature=[redacted]&a=1"),
        ("key sk-abcdefghijklmnopqrstuvwxyz0123", f"key {MASK}"),
    ],
)
def test_secret_shapes_are_masked(text, kept):
    assert kept in redact(text) or redact(text) == kept
    assert "hunter22" not in redact(text)
    assert "deadbeef" not in redact(text)
    assert "sk-abc" not in redact(text)
    assert "abcdefghijklmnop" not in redact(text)
