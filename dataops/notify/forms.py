"""The notification settings form: digest hour, quiet hours, time zone, channels per rule."""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms

from dataops.notify.models import Channel


def _zones() -> list[tuple[str, str]]:
    return [("", "Organisation time zone")] + [(z, z) for z in sorted(available_timezones())]


class PreferenceForm(forms.Form):
    digest_hour = forms.TypedChoiceField(
        label="Morning digest at",
        choices=[(h, f"{h:02d}:00") for h in range(24)],
        coerce=int,
        help_text="Overdue tasks come as one message at this hour.",
    )
    quiet_start = forms.TimeField(
        label="Quiet from", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label="Quiet until", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_zone = forms.ChoiceField(label="Time zone", choices=_zones, required=False)

    def clean(self):
        data = super().clean()
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise forms.ValidationError(
                "Give both the start and the end of quiet hours, or neither."
            )
        return data


def channel_pairs(rules) -> list[str]:
    return [f"{rule.key}:{channel}" for rule in rules for channel in Channel.values]
