"""Template helpers of the podcast pages."""

from django import template

register = template.Library()

_GUEST_PILLS = {
    "idea": "pill-muted",
    "contacted": "pill-info",
    "confirmed": "pill-ok",
    "recorded": "pill-ok",
    "published": "pill-ok",
    "declined": "pill-fail",
    "on_hold": "pill-warn",
}
_EPISODE_PILLS = {
    "planning": "pill-muted",
    "scheduled": "pill-info",
    "recorded": "pill-ok",
    "published": "pill-ok",
    "canceled": "pill-fail",
}


@register.filter
def guest_pill(status: str) -> str:
    return _GUEST_PILLS.get(status, "pill-muted")


@register.filter
def episode_pill(status: str) -> str:
    return _EPISODE_PILLS.get(status, "pill-muted")


@register.filter
def initials(name: str) -> str:
    parts = [p for p in (name or "").split() if p[:1].isalnum()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def shift_days(shift) -> int:
    return (shift.new_due - shift.old_due).days
