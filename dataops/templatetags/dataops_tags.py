"""Template helpers shared by every app: dates in words, durations, status pills."""

from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

register = template.Library()


def _local_today() -> date:
    return timezone.localdate()


@register.filter
def relday(value: date | datetime | None, today: date | None = None) -> str:
    """'today', 'tomorrow', 'yesterday', 'in 3 days', '5 days ago', else a short date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    today = today or _local_today()
    delta = (value - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if 0 < delta <= 13:
        return f"in {delta} days"
    if -13 <= delta < 0:
        return f"{-delta} days ago"
    if value.year == today.year:
        return value.strftime("%-d %b")
    return value.strftime("%-d %b %Y")


@register.filter
def ago(value: datetime | None) -> str:
    """'just now', '5 minutes ago', '2 days, 3 hours ago'."""
    if value is None:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"


@register.filter
def humanize_code(code: str) -> str:
    """A machine code as words: 'task_overdue' → 'Task overdue', 'docs.sync' → 'Docs sync'."""
    words = str(code).replace("_", " ").replace(".", " ").replace("-", " ").split()
    return " ".join(words).capitalize()


@register.filter
def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


_PILL = {
    "ok": "pill-ok",
    "succeeded": "pill-ok",
    "done": "pill-ok",
    "warn": "pill-warn",
    "retrying": "pill-warn",
    "waiting": "pill-warn",
    "queued": "pill-info",
    "running": "pill-info",
    "fail": "pill-fail",
    "failed": "pill-fail",
}


@register.simple_tag
def status_pill(status: str, label: str = "") -> str:
    css = _PILL.get(str(status), "pill-muted")
    return format_html('<span class="pill {}">{}</span>', css, label or status)
