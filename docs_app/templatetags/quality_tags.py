"""Template filters of the process-quality report."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


@register.filter
def codespans(text: str) -> SafeString:
    """Escape `text` and show its `backticked` parts as code (finding messages use them)."""
    escaped = escape(text or "")
    # Escaped first; only the backtick pairs become markup.
    return mark_safe(_CODE_SPAN.sub(r"<code>\1</code>", escaped))  # nosec B308 B703
