"""How form widgets are drawn: Jinja2 first, Django's template engine for the rest.

Django ships every built-in widget template twice, for its own engine and for Jinja2, with
the same HTML. Jinja2 draws them about ten times faster, which matters for the selects of
people and templates on Home, the task list and the task pages. A few contrib widgets (the
admin's password-hash display) exist only as Django templates; those fall back.
"""

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(Jinja2):
    fallback = DjangoTemplates()

    def get_template(self, template_name: str):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
