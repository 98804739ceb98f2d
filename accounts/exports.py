"""Accounts' exported entities (see dataops/portability)."""

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

from accounts.models import Invite
from dataops.portability.entities import Derived, Entity

ENTITIES = [
    # The invite secret lets anyone holding it create an account: a credential.
    Entity(Invite, credentials=("secret",)),
    Entity(EmailAddress),
    # extra_data holds what the identity provider sent at login, tokens included.
    Entity(SocialAccount, exclude=("extra_data",)),
]
DERIVED = [
    Derived(EmailConfirmation, "short-lived confirmation keys; a new one is sent on request"),
    Derived(SocialApp, "identity-provider client credentials: configured per installation"),
    Derived(SocialToken, "OAuth tokens: secrets, renewed at the next sign-in"),
]
