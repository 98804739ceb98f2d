"""Template filters for pages that show job runs while they move."""

from django import template

from dataops.selectors import SETTLED

register = template.Library()


@register.filter
def is_unsettled(status: str) -> bool:
    """True while a run can still change (queued, running, retrying): the page polls it."""
    return status not in SETTLED


@register.filter
def nonzero(counts: dict | None) -> dict:
    """The counts worth showing in a one-line summary (a sync reports many zeros)."""
    return {key: value for key, value in (counts or {}).items() if value}
