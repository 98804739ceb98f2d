"""The shared core's exported entities, and the decision for every Django and third-party
model the project relies on (see dataops/portability)."""

from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session

from dataops.models import AuditEvent, Heartbeat, JobRun, Notification, User
from dataops.notify.models import ChannelBreaker, NotifyPreference, OutboxMessage
from dataops.portability.entities import Derived, Entity
from dataops.portability.models import BackupRun, ExportArchive, RestoreDrill
from dataops.telegram.models import (
    TelegramBotState,
    TelegramChat,
    TelegramLinkToken,
    TelegramUpdate,
)

_MIGRATE = "created by migrate; references travel as natural keys"
_LOGIN_GUARD = "login throttling state: short-lived, per installation"
_FILES_HERE = "describes archives and dumps on this installation's disk; the run's JobRun travels"

ENTITIES = [
    # A password hash is a credential: copied only when asked for.
    Entity(User, credentials=("password",)),
    # Roles are the groups of migration 0002_roles; membership travels by group name.
    Entity(User.groups.through),
    Entity(User.user_permissions.through),
    Entity(Notification),
    Entity(AuditEvent),
    Entity(JobRun),
    # The allowlisted intake chats (a linked private chat travels with its user).
    Entity(TelegramChat),
    # How each person wants to hear (channels per rule, digest hour, quiet hours).
    Entity(NotifyPreference),
]
DERIVED = [
    Derived(ContentType, _MIGRATE),
    Derived(Permission, _MIGRATE),
    Derived(Group, _MIGRATE + " (the roles of migration 0002_roles)"),
    Derived(Group.permissions.through, "the roles' permissions, set by migration 0002_roles"),
    Derived(Heartbeat, "liveness marks written by the worker and beat every minute"),
    Derived(Session, "logins: everyone signs in again after a restore"),
    Derived(LogEntry, "Django admin's own change log; our audit trail is AuditEvent"),
    Derived(AccessAttempt, _LOGIN_GUARD),
    Derived(AccessAttemptExpiration, _LOGIN_GUARD),
    Derived(AccessFailureLog, _LOGIN_GUARD),
    Derived(AccessLog, _LOGIN_GUARD),
    Derived(ExportArchive, _FILES_HERE),
    Derived(BackupRun, _FILES_HERE),
    Derived(RestoreDrill, _FILES_HERE),
    Derived(TelegramUpdate, "the bot's log of received updates; their intake items travel"),
    Derived(TelegramLinkToken, "one-time link tokens valid for ten minutes"),
    Derived(TelegramBotState, "the webhook and polling offset of this installation's bot"),
    Derived(OutboxMessage, "the delivery log of outbound notifications; the in-app ones travel"),
    Derived(ChannelBreaker, "this installation's Telegram failure count and pause"),
]
