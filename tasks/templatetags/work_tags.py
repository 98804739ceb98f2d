"""Small template helpers of the work engine's pages."""

from datetime import date, timedelta

from django import template
from django.conf import settings
from django.template import engines
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe

from tasks.models import Stage, Task

register = template.Library()

# What a row may read from the page around it (see tasks/jinja2/tasks/_task_row.html).
ROW_CONTEXT = (
    "ctx",
    "lane",
    "today",
    "request",
    "csrf_token",
    "open",
    "error",
    "values",
    "action",
    "action_url",
    "row_form",
    "oob_toast",
    "toast",
    "undo_task",
    "scope",
    "next_url",
)


@register.simple_tag(takes_context=True)
def task_rows(context, tasks) -> SafeString:
    """`{% task_rows page_obj %}`: the rows of a list, tasks/_task_row.html each, in one
    Jinja2 render (see dataops/jinja.py): a render per row cost a third more."""
    values = {key: context.get(key) for key in ROW_CONTEXT}
    html = engines["jinja2"].env.get_template("tasks/_task_rows.html").render(tasks=tasks, **values)
    # The Jinja2 environment autoescapes (dataops/jinja.py).
    return mark_safe(html)  # nosec B308 B703


@register.filter
def add_days(value: date | None, days: int) -> date | None:
    return value + timedelta(days=int(days)) if value else value


@register.simple_tag
def task_channels() -> list[tuple[str, str]]:
    return Task.Channel.choices


@register.simple_tag
def stages() -> list[tuple[str, str]]:
    return Stage.choices


@register.simple_tag
def greeting() -> str:
    hour = timezone.localtime().hour
    if hour < 5 or hour >= 18:
        return "Good evening"
    return "Good morning" if hour < 12 else "Good afternoon"


@register.filter
def stage_rank(value: str) -> int:
    return Stage.rank(value) if value in Stage.values else -1


@register.simple_tag
def proof_accept() -> str:
    """The file input's accept list: the extensions proof files may have."""
    from tasks.services.proof import ACCEPT_ATTR

    return ACCEPT_ATTR


@register.simple_tag(takes_context=True)
def task_panels(context, task: Task) -> SafeString:
    """Panels other apps add to the task page (settings.TASK_PAGE_PANELS: dotted paths of
    functions (request, task) returning escaped HTML, "" to add nothing). The work engine
    imports none of those apps."""
    request = context.get("request")
    parts = (import_string(path)(request, task) for path in settings.TASK_PAGE_PANELS)
    # Each panel is a rendered (autoescaped) template.
    return mark_safe("".join(parts))  # nosec B308 B703
