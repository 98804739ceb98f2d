"""The KB search page's query and filters."""

from __future__ import annotations

from django import forms

from podcast.kb.models import QuestionCategory
from podcast.kb.search import MAX_QUERY_LENGTH, Filters


class KbSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, strip=True)
    topic = forms.CharField(required=False, max_length=200)
    season = forms.IntegerField(required=False, min_value=0, max_value=32767)
    category = forms.ChoiceField(
        required=False, choices=[("", "Any kind")] + list(QuestionCategory.choices)
    )
    guest = forms.IntegerField(required=False, min_value=1)
    page = forms.IntegerField(required=False, min_value=1)

    def _value(self, name: str):
        return self.cleaned_data.get(name) if self.is_valid() else None

    @property
    def query(self) -> str:
        if self.is_valid():
            return self.cleaned_data["q"]
        return str(self.data.get("q", ""))[:MAX_QUERY_LENGTH].strip()

    def filters(self) -> Filters:
        """The valid filters (an invalid one is left out, and the page says so)."""
        data = getattr(self, "cleaned_data", {})
        values = {
            name: "" if data.get(name) in (None, "") else str(data[name])
            for name in ("topic", "season", "category", "guest")
            if name not in self.errors
        }
        return Filters(**values)

    @property
    def page_number(self) -> int:
        return self._value("page") or 1
