"""`{% assistant_panel episode %}`: “Draft prep document” and the episode's latest job."""

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def assistant_panel(context, episode) -> SafeString:
    from podcast.assistant.views import panel_html

    # A rendered (autoescaped) template.
    return mark_safe(panel_html(context.get("request"), episode=episode))  # nosec B308 B703
