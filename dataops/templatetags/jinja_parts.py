"""Parts of Django-template pages drawn by Jinja2 (see dataops/jinja.py).

`{% chrome "top" %}`: what `base.html` draws around every page's blocks — the top bar, the
messages, the shortcuts dialog — from `dataops/jinja2/chrome/`, with the few values they
read. `{% jinja_part "tasks/home/_lanes.html" %}`: a busy part of a page (Home's lanes, a
workflow's board, search results) drawn with every variable of the page (and any given).
The page stays a Django template, so its blocks, partials and the views that render them do
not change.
"""

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CHROME = ("head", "top", "messages", "end")


def _render(name: str, values: dict) -> SafeString:
    html = engines["jinja2"].env.get_template(name).render(values)
    # The Jinja2 environment autoescapes (dataops/jinja.py).
    return mark_safe(html)  # nosec B308 B703


@register.simple_tag(takes_context=True)
def chrome(context, part: str) -> SafeString:
    if part not in CHROME:
        raise template.TemplateSyntaxError(f"chrome: unknown part {part!r}")
    values = {
        "user": context.get("user"),
        "portal": context.get("portal") or {},
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token", ""),
        "messages": context.get("messages"),
    }
    return _render(f"chrome/{part}.html", values)


@register.simple_tag(takes_context=True)
def jinja_part(context, name: str, **values) -> SafeString:
    """The part `name` with the page's variables and `values`."""
    return _render(name, {**context.flatten(), **values})
