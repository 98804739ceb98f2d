"""Notification rules: which in-app events also go out by Telegram or email, and how.

Each rule is a small function of the event giving who hears, the title, the text, the
subject key (one delivery per subject, recipient and channel) and the cooldown key; the
decorator gives its cooldown, counted from the last successful delivery with the same
cooldown key. Rules are keyed by the in-app notification kind, so the apps keep calling
`dataops.services.notify` and nothing here imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from dataops.models import User


@dataclass(frozen=True)
class Event:
    """An in-app notification as created: its kind, text, link, dedup key, recipients."""

    kind: str
    text: str
    link: str
    dedup_key: str
    recipients: list[User] = field(default_factory=list)


@dataclass(frozen=True)
class Outbound:
    recipients: list[User]
    title: str
    text: str
    subject_key: str
    cooldown_key: str = ""


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    cooldown: timedelta
    compose: Callable[[Event], Outbound]
    digest: bool = False
    admins_only: bool = False


RULES: dict[str, Rule] = {}


def rule(key: str, label: str, *, cooldown: timedelta = timedelta(0), **options):
    def register(compose: Callable[[Event], Outbound]) -> Callable[[Event], Outbound]:
        RULES[key] = Rule(key=key, label=label, cooldown=cooldown, compose=compose, **options)
        return compose

    return register


def _part(key: str, index: int) -> str:
    """One colon-separated part of a dedup key ("job-failed:<kind>:…" → the kind)."""
    parts = key.split(":")
    return parts[index] if len(parts) > index else key


@rule("task_overdue", "Overdue tasks (one morning digest)", digest=True)
def task_overdue(event: Event) -> Outbound:
    return Outbound(event.recipients, "Overdue tasks", event.text, event.dedup_key)


@rule("follow_up_due", "Follow-up due", cooldown=timedelta(hours=12))
def follow_up_due(event: Event) -> Outbound:
    task = _part(event.dedup_key, 1)
    return Outbound(event.recipients, "Follow-up due", event.text, event.dedup_key, f"task:{task}")


@rule("task_waiting_long", "Waiting too long for an answer", cooldown=timedelta(days=2))
def task_waiting_long(event: Event) -> Outbound:
    task = _part(event.dedup_key, 1)
    return Outbound(event.recipients, "No answer yet", event.text, event.dedup_key, f"task:{task}")


@rule("workflow_auto_started", "Workflow started by its schedule")
def workflow_auto_started(event: Event) -> Outbound:
    return Outbound(event.recipients, "Workflow started", event.text, event.dedup_key)


@rule("assistant_waiting", "Draft waiting for your approval", cooldown=timedelta(hours=1))
def assistant_waiting(event: Event) -> Outbound:
    job = _part(event.dedup_key, 1)
    return Outbound(
        event.recipients, "Draft waiting for approval", event.text, event.dedup_key, f"job:{job}"
    )


@rule("intake_captured", "Intake item captured for your episode", cooldown=timedelta(minutes=10))
def intake_captured(event: Event) -> Outbound:
    # Several items for one episode within minutes (a burst of forwarded messages) → one.
    episode = _part(event.dedup_key, 2)
    return Outbound(
        event.recipients, "New intake item", event.text, event.dedup_key, f"episode:{episode}"
    )


@rule("job_failed", "Background job failed", cooldown=timedelta(hours=1), admins_only=True)
def job_failed(event: Event) -> Outbound:
    kind = _part(event.dedup_key, 1)
    return Outbound(event.recipients, "Job failed", event.text, event.dedup_key, f"job:{kind}")


@rule("health_degraded", "Health degraded", cooldown=timedelta(hours=6), admins_only=True)
def health_degraded(event: Event) -> Outbound:
    check = _part(event.dedup_key, 1)
    return Outbound(
        event.recipients, "Health degraded", event.text, event.dedup_key, f"check:{check}"
    )


@rule("docs_sync_stopped", "Docs sync stopped", cooldown=timedelta(hours=6), admins_only=True)
def docs_sync_stopped(event: Event) -> Outbound:
    return Outbound(event.recipients, "Docs sync stopped", event.text, event.dedup_key, "docs")


@rule("notify_test", "Test notification")
def notify_test(event: Event) -> Outbound:
    return Outbound(event.recipients, "Test notification", event.text, event.dedup_key)


def rules_for(user: User) -> list[Rule]:
    """The rules a person can hear from (admin rules for admins only), test excluded."""
    return [
        r for r in RULES.values() if r.key != "notify_test" and (user.is_admin or not r.admins_only)
    ]
