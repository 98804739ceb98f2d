"""`{{ guest|kb_appearances }}`: "appeared in S7E9" for a guest who was on past episodes."""

from django import template

from podcast.kb.selectors import appearances

register = template.Library()


@register.filter
def kb_appearances(guest) -> str:
    found = appearances(guest) if getattr(guest, "pk", None) else []
    return f"appeared in {', '.join(found)}" if found else ""
