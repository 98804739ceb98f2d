"""The Jinja2 environment, for the templates drawn on nearly every request.

Pages are Django templates. What is drawn dozens of times per page (the task row), what every
page draws around its blocks (the top bar) and the busiest parts of the busiest pages (Home's
lanes, a workflow's board) are written for Jinja2 instead: Django's engine spends about half
a millisecond on a task row, Jinja2 about a tenth of that. Those templates live in
`<app>/jinja2/`; Django templates reach them through tags (`{% task_rows %}`, `{% chrome %}`,
`{% jinja_part %}`), views render them like any other template.
"""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import capfirst, pluralize, truncatechars
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape, json_script
from django.utils.safestring import mark_safe
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from dataops.templatetags.dataops_tags import relday, status_pill


def environment(**options) -> Environment:
    options.pop("autoescape", None)  # always on: rows show people's text
    env = Environment(autoescape=True, **options)
    env.filters.update(
        relday=relday,
        capfirst=capfirst,
        pluralize=pluralize,
        truncatechars=truncatechars,
        django_text=django_text,
    )
    env.globals.update(
        status_pill=status_pill,
        include_django=include_django,
        url=url,
        url_or_none=url_or_none,
        static=static,
        json_script=json_script,
    )
    return env


def django_text(value) -> str:
    """`value` printed as a Django template prints it: made text, then escaped unless it is
    marked safe (a message built with format_html keeps its link)."""
    return conditional_escape(str(value))


_plain_urls: dict[tuple[str, str, str], str] = {}


def url(name: str, *args) -> str:
    """`reverse(name, args)`; the URL of a page without arguments is looked up once per
    URL configuration and script prefix (the top bar draws a dozen on every page)."""
    if args:
        return reverse(name, args=args)
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name)
    found = _plain_urls.get(key)
    if found is None:
        found = _plain_urls[key] = reverse(name)
    return found


def url_or_none(name: str, *args) -> str | None:
    """The URL, or None where the project has no such page."""
    try:
        return url(name, *args)
    except NoReverseMatch:
        return None


@pass_context
def include_django(context: Context, name: str, **values) -> str:
    """A Django template inside a Jinja2 one, seeing the same variables and `values` (the
    rarely drawn parts: a row's proof prompt, an action form, a toast, an empty state)."""
    html = render_to_string(name, {**context.get_all(), **values}, request=context.get("request"))
    # Rendered by Django's autoescaping template engine.
    return mark_safe(html)  # nosec B308 B703
