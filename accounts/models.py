"""Invites: the only way a new person gets a password account."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from dataops.models import ADMIN_GROUP, OPERATOR_GROUP

ROLE_CHOICES = [(OPERATOR_GROUP, "Operator"), (ADMIN_GROUP, "Admin")]
_TOKEN_SALT = "accounts.Invite.token"


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class Invite(models.Model):
    """An admin's invitation of one email address to one role, claimable once before expiry.

    The link's token is an HMAC of the row's secret under SECRET_KEY: the database alone
    (a backup, a job-run row) never holds a usable link.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        EXPIRED = "expired", "Expired"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    secret = models.CharField(max_length=64, default=_new_secret, editable=False)
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    invited_by = models.ForeignKey(
        "dataops.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        "dataops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="accounts_invite_one_open_per_email",
                violation_error_message="An invite to this address is already pending.",
            )
        ]

    def __str__(self) -> str:
        return f"Invite for {self.email} ({self.role})"

    def token(self) -> str:
        return salted_hmac(_TOKEN_SALT, f"{self.uid}:{self.secret}").hexdigest()

    def token_matches(self, token: str) -> bool:
        return constant_time_compare(self.token(), token)

    def accept_path(self) -> str:
        return reverse("accounts:invite-accept", args=[self.uid, self.token()])

    def state(self, now: datetime | None = None) -> State:
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.PENDING

    def is_open(self, now: datetime | None = None) -> bool:
        return self.state(now) == self.State.PENDING

    def role_label(self) -> str:
        return dict(ROLE_CHOICES).get(self.role, self.role)
