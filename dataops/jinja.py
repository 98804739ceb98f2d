"""The Jinja2 environment, for the few templates drawn dozens of times per page.

Pages are Django templates. A template rendered once per row of a long list (the task row)
is written for Jinja2 instead: Django's engine spends about half a millisecond on each such
row, Jinja2 about a tenth of that, so a page of 50 rows saves some 20 ms. Those templates
live in `<app>/jinja2/`; Django templates reach them through a tag (see `tasks.templatetags.
work_tags.task_row`), views render them like any other template.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from dataops.templatetags.dataops_tags import relday, status_pill


def environment(**options) -> Environment:
    options.pop("autoescape", None)  # always on: rows show people's text
    env = Environment(autoescape=True, **options)
    env.filters["relday"] = relday
    env.globals.update(status_pill=status_pill, include_django=include_django)
    return env


@pass_context
def include_django(context: Context, name: str) -> str:
    """A Django template inside a Jinja2 one, seeing the same variables (the rarely drawn
    parts of a row: the proof prompt, an action form, a toast)."""
    html = render_to_string(name, context.get_all(), request=context.get("request"))
    # Rendered by Django's autoescaping template engine.
    return mark_safe(html)  # nosec B308 B703
