from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts import messages
from accounts.models import ROLE_CHOICES
from dataops.models import User

# The rules of AUTH_PASSWORD_VALIDATORS, in one sentence.
PASSWORD_HELP = "At least 8 characters; not a common password, not only digits, not like your name."


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.org"}),
    )
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        initial=ROLE_CHOICES[0][0],
        help_text="Operators do the work; admins also set things up.",
    )


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=ROLE_CHOICES[0][0])


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name"]


class InviteAcceptForm(forms.Form):
    """Name, username and password of the account an invite creates."""

    first_name = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "autofocus": True}),
    )
    last_name = forms.CharField(
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    username = forms.RegexField(
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        help_text="You log in with it. Letters, digits and . @ + - _ only.",
        error_messages={"invalid": "Use letters, digits and . @ + - _ only."},
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        if not self.is_bound:
            self.initial.setdefault("username", email.split("@")[0].lower())

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(messages.INVITE_USERNAME_TAKEN)
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            candidate = User(
                username=cleaned.get("username", ""),
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                validate_password(first, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
