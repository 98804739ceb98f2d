"""Forms of the podcast pages: they parse and validate input; the services decide."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from dataops.models import User
from podcast.models import Episode, Guest
from podcast.selectors import org_zone, stream_date
from podcast.services.guests import EDITABLE_FIELDS, clean_tags

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MAX_OTHER_LINKS = 10
_http_url = URLValidator(schemes=["http", "https"])


def _formfield(field, **kwargs):
    """Links typed without a scheme get https (Django's default is still http)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class GuestForm(forms.ModelForm):
    tags = forms.CharField(
        required=False,
        max_length=500,
        help_text="Comma-separated, e.g. mlops, data engineering.",
    )
    other_links = forms.CharField(
        label="Other links",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: a label, a bar and the link (Blog | https://…).",
    )
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Suggestions for the time zone field; any IANA name is accepted.
    common_zones = (
        "Europe/Berlin",
        "Europe/London",
        "Europe/Amsterdam",
        "Europe/Paris",
        "Europe/Madrid",
        "Europe/Warsaw",
        "Europe/Kyiv",
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Sao_Paulo",
        "Asia/Kolkata",
        "Asia/Singapore",
        "Asia/Tokyo",
        "Australia/Sydney",
        "UTC",
    )

    class Meta:
        model = Guest
        formfield_callback = _formfield
        fields = EDITABLE_FIELDS
        labels = {
            "linkedin_url": "LinkedIn",
            "x_url": "X (Twitter)",
            "github_url": "GitHub",
            "website_url": "Website",
            "picture_url": "Picture URL",
            "first_contact_on": "First contact",
            "timezone": "Time zone",
        }
        widgets = {
            "first_contact_on": DATE_WIDGET,
            "bio": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "timezone": forms.TextInput(attrs={"placeholder": "Europe/Berlin", "list": "zones"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("linkedin_url", "x_url", "github_url", "website_url"):
            self.fields[name].widget.attrs["placeholder"] = "https://…"
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(self.instance.tags or [])
            self.initial["other_links"] = "\n".join(
                f"{link.get('label', '')} | {link.get('url', '')}"
                for link in self.instance.other_links or []
                if isinstance(link, dict)
            )

    def clean_tags(self) -> list[str]:
        return clean_tags(self.cleaned_data.get("tags") or "")

    def clean_picture_url(self) -> str:
        value = (self.cleaned_data.get("picture_url") or "").strip()
        if value:
            try:
                _http_url(value)
            except ValidationError as exc:
                raise ValidationError("Enter a picture link starting with https://.") from exc
        return value

    def clean_other_links(self) -> list[dict[str, str]]:
        links = []
        for number, line in enumerate((self.cleaned_data.get("other_links") or "").splitlines(), 1):
            if not line.strip():
                continue
            label, _, url = line.rpartition("|") if "|" in line else ("", "", line)
            url = url.strip()
            try:
                _http_url(url)
            except ValidationError as exc:
                raise ValidationError(
                    f"Line {number}: “{url[:80]}” is not an http(s) link."
                ) from exc
            links.append({"label": label.strip()[:80] or url, "url": url})
        if len(links) > MAX_OTHER_LINKS:
            raise ValidationError(f"At most {MAX_OTHER_LINKS} other links.")
        return links


class GuestStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Guest.Status.choices)
    reason = forms.CharField(
        required=False,
        max_length=300,
        help_text="Needed for declined and on hold.",
    )


class GuestFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Guest.Status.choices]
    )
    tag = forms.ChoiceField(label="Tag", required=False)

    def __init__(self, *args, tags: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "Any tag"), *((t, t) for t in tags)]

    def clean_q(self) -> str:
        return " ".join((self.cleaned_data.get("q") or "").split())


class GuestMergeForm(forms.Form):
    other = forms.ModelChoiceField(
        label="Guest to merge into this one",
        queryset=Guest.objects.none(),
        help_text="Its episodes, intake, form links and history move here; it stays as a pointer.",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = candidates


# --- episodes -----------------------------------------------------------------------------


class EpisodeForm(forms.ModelForm):
    stream_date = forms.DateField(
        label="Stream date",
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": "Enter a real date (YYYY-MM-DD)."},
    )
    stream_time = forms.TimeField(
        label="Time",
        required=False,
        widget=TIME_WIDGET,
        error_messages={"invalid": "Enter a time like 18:30."},
    )
    guests = forms.ModelMultipleChoiceField(
        queryset=Guest.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Hold Ctrl (⌘ on a Mac) to choose several.",
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody yet",
        help_text="Hears when the guest sends the form.",
    )

    class Meta:
        model = Episode
        fields = ("working_title", "topic", "status", "season", "number", "owner", "notes")
        labels = {"number": "Episode number"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, users: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guests"].queryset = Guest.objects.filter(merged_into__isnull=True).order_by(
            "name"
        )
        self.fields["owner"].queryset = User.objects.filter(pk__in=[u.pk for u in users])
        self.fields["owner"].label_from_instance = lambda u: u.display_name
        self.fields["stream_date"].help_text = f"Organisation time ({org_zone()})."
        if self.instance.pk and not self.is_bound:
            self.initial["guests"] = list(self.instance.guests.values_list("pk", flat=True))
            if self.instance.stream_at:
                local = self.instance.stream_at.astimezone(org_zone())
                self.initial["stream_date"] = stream_date(self.instance)
                self.initial["stream_time"] = local.time().replace(second=0, microsecond=0)

    def clean(self):
        data = super().clean()
        day, at = data.get("stream_date"), data.get("stream_time")
        if at and not day:
            self.add_error("stream_date", "Pick the day of the stream too.")
        data["stream_at"] = (
            datetime.combine(day, at or time(0, 0), tzinfo=org_zone()) if day else None
        )
        return data

    def service_data(self) -> dict:
        keys = ("working_title", "topic", "status", "season", "number", "owner", "notes")
        return {
            **{k: self.cleaned_data.get(k) for k in keys},
            "stream_at": self.cleaned_data["stream_at"],
        }


class EpisodeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Episode.Status.choices]
    )
