from django import forms
from django.contrib.auth.forms import AuthenticationForm

from dataops.models import JobRun

LOGIN_FAILED = "That username and password do not match. Check both and try again."


class LoginForm(AuthenticationForm):
    """The same error for an unknown user and a wrong password: nothing to enumerate."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": LOGIN_FAILED,
        "inactive": LOGIN_FAILED,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autofocus": True, "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class JobFilterForm(forms.Form):
    kind = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *JobRun.Status.choices])


SYSTEM_ACTOR = "system"


class AuditFilterForm(forms.Form):
    """Who (a person, or `system` for changes made by no one), what kind (the part of the
    action before the dot: `recurring`, `user`, `import` …) and between which dates."""

    actor = forms.CharField(required=False)
    kind = forms.CharField(required=False, max_length=64)
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="To")

    def clean_actor(self) -> str:
        actor = self.cleaned_data["actor"].strip()
        if actor and actor != SYSTEM_ACTOR and not actor.isdigit():
            raise forms.ValidationError("Pick a person from the list.")
        return actor

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned
