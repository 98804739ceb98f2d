"""Forms of the docs pages: list filters, search, quick-open, pins."""

from __future__ import annotations

from django import forms

from docs_app.search import MAX_QUERY_LENGTH, Filters
from docs_app.selectors import DocFilters


class DocFilterForm(forms.Form):
    """Filters of the docs list (`?domain=&type=&tag=&system=&page=`). Bad values are ignored."""

    domain = forms.CharField(required=False, max_length=120)
    type = forms.CharField(required=False, max_length=32)
    tag = forms.CharField(required=False, max_length=120)
    system = forms.CharField(required=False, max_length=120)
    page = forms.IntegerField(required=False, min_value=1)

    def value(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name) or ""

    def doc_filters(self) -> DocFilters:
        return DocFilters(
            self.value("domain"), self.value("type"), self.value("tag"), self.value("system")
        )

    def search_filters(self) -> Filters:
        return Filters(
            self.value("domain"), self.value("type"), self.value("tag"), self.value("system")
        )

    @property
    def page_number(self) -> int:
        return self.value("page") or 1


class SearchForm(DocFilterForm):
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH * 5, strip=True)

    @property
    def query(self) -> str:
        return self.value("q")


class PinForm(forms.Form):
    doc_id = forms.CharField(max_length=300)
