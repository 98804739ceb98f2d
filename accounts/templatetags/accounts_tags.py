from django import template

from accounts.sso import configured_providers

register = template.Library()


@register.simple_tag(takes_context=True)
def sso_providers(context) -> list[dict]:
    """The configured single sign-on providers (name, login URL); empty when none."""
    return configured_providers(context["request"])
