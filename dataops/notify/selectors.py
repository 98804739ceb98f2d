"""Reads of the notification settings page."""

from __future__ import annotations

from dataclasses import dataclass

from dataops.models import User
from dataops.notify.channels import telegram_chat_of
from dataops.notify.models import Channel, OutboxMessage
from dataops.notify.preferences import channel_on, preference_for
from dataops.notify.rules import RULES, rules_for

PILLS = {"sent": "ok", "pending": "queued", "sending": "running", "failed": "failed"}


@dataclass(frozen=True)
class RuleRow:
    key: str
    label: str
    telegram: bool
    email: bool


def rule_rows(user: User) -> list[RuleRow]:
    pref = preference_for(user)
    return [
        RuleRow(
            rule.key,
            rule.label,
            channel_on(pref, rule.key, Channel.TELEGRAM),
            channel_on(pref, rule.key, Channel.EMAIL),
        )
        for rule in rules_for(user)
    ]


def recent_deliveries(user: User, limit: int = 20) -> list[OutboxMessage]:
    rows = list(OutboxMessage.objects.filter(recipient=user).order_by("-created_at", "-id")[:limit])
    for row in rows:
        row.pill = PILLS.get(row.status, "skipped")
        row.rule_label = RULES[row.rule].label if row.rule in RULES else row.rule
        if row.digest and row.status == OutboxMessage.Status.SENT:
            row.title = "in the morning digest"
    return rows


def where_it_goes(user: User) -> str:
    if telegram_chat_of(user):
        return "Telegram (your linked chat)"
    if user.email:
        return f"email to {user.email}"
    return ""
