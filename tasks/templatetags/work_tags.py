"""Small template helpers of the work engine's pages."""

from datetime import date, timedelta

from django import template
from django.utils import timezone

from tasks.models import Stage, Task

register = template.Library()


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
