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
