"""Forms of the intake pages: inbox filters, a manual item, and one form per triage action."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Q

from dataops.models import ADMIN_GROUP, OPERATOR_GROUP, User
from podcast.intake import services
from podcast.intake.files import ACCEPT_ATTR
from podcast.intake.selectors import STATUS_CHOICES, TO_TRIAGE, InboxFilters
from podcast.models import Episode, Guest, IntakeItem
from tasks.services.common import local_today


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    source = forms.ChoiceField(
        choices=[("", "Any source"), *IntakeItem.Source.choices], required=False
    )
    guest = forms.IntegerField(required=False, min_value=1)
    episode = forms.IntegerField(required=False, min_value=1)

    def filters(self) -> InboxFilters:
        """What was valid; a bad value falls back to its default (no 500, no empty page)."""
        data = self.cleaned_data if self.is_valid() else {}
        return InboxFilters(
            status=data.get("status") or TO_TRIAGE,
            source=data.get("source") or "",
            guest=data.get("guest"),
            episode=data.get("episode"),
        )


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ManualItemForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=services.TEXT_LIMIT)
    from_name = forms.CharField(max_length=200, required=False, label="From")
    links = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
        help_text="One per line.",
    )
    file = forms.FileField(
        required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR})
    )

    def link_list(self) -> list[str]:
        return _lines(self.cleaned_data.get("links", ""))


class AttachForm(forms.Form):
    guest = forms.ModelChoiceField(
        queryset=Guest.objects.filter(merged_into__isnull=True).order_by("name"),
        required=False,
        empty_label="No guest",
    )
    episode = forms.ModelChoiceField(
        queryset=Episode.objects.order_by("-stream_at", "-pk"),
        required=False,
        empty_label="No episode",
    )

    def clean(self):
        data = super().clean()
        if not data.get("guest") and not data.get("episode"):
            raise forms.ValidationError(services.messages.ATTACH_NEEDS_TARGET)
        return data


def _members():
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=[OPERATOR_GROUP, ADMIN_GROUP]))
        .distinct()
        .order_by("first_name", "username")
    )


class ConvertTaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    assignee = forms.ModelChoiceField(queryset=_members(), required=False, empty_label="Nobody")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=services.TEXT_LIMIT
    )

    @classmethod
    def prefilled(cls, item: IntakeItem, user: User) -> ConvertTaskForm:
        initial = services.prefilled_task(item)
        initial.update(due_date=local_today() + timedelta(days=3), assignee=user.pk)
        return cls(initial=initial)


class ConvertGuestForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    confirmed = forms.BooleanField(
        required=False, label="Create anyway (even if it looks like an existing guest)"
    )


class DuplicateForm(forms.Form):
    original = forms.IntegerField(min_value=1, label="Duplicate of item #")

    def original_item(self) -> IntakeItem | None:
        return IntakeItem.objects.filter(pk=self.cleaned_data["original"]).first()


class IgnoreForm(forms.Form):
    reason = forms.CharField(max_length=services.REASON_LIMIT)


class TriageForm(forms.Form):
    priority = forms.TypedChoiceField(choices=IntakeItem.Priority.choices, coerce=int)
    tags = forms.CharField(max_length=500, required=False, help_text="Comma-separated.")

    def tag_list(self) -> list[str]:
        return [t for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]
