"""The organisation's recurring chores as a YAML file, loaded idempotently.

Format (`tasks/seed/recurring.yaml` is the shipped file)::

    assignee: grace                  # default assignee (username) of every rule
    rules:
      - key: create-slack-dump       # required, unique: a rule is created once per key
        title: Create Slack dump     # required
        schedule: FREQ=MONTHLY;BYMONTHDAY=1   # required: an RRULE, or a cron ("0 9 1 * *")
        time: "09:00"                # RRULE only (a cron carries its own); default 09:00
        timezone: Europe/Berlin      # default: the organisation's zone
        catch_up: latest             # all | latest (default) | none
        shift: none                  # none (default) | next | previous working day
        assignee: grace              # overrides the default
        description: ""
        doc: sop.internal-admin.slack.create-a-slack-dump
        step: "3"
        systems: [slack]
        tags: [admin]
        proof: {kind: url, label: Slack dump}

Decisions:

* **Created once, then the portal owns it.** A key already loaded is left alone (edits made
  in the portal survive every `make run`), except that a rule still without an assignee
  gets the named person once that account exists (accounts made after a first load, for
  example; `make run` creates the demo users before it loads the seed).
* **No backlog on a fresh install.** A new rule starts today in its zone, so its first task
  is today's occurrence (or the next one); nothing from before the install is generated.
* **All or nothing.** Every entry is validated before anything is saved; any problem refuses
  the whole file, naming the entry and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from dataops.errors import ServiceError
from dataops.models import User
from dataops.services import audit_record
from tasks.models import RecurringRule
from tasks.schedules import ScheduleError
from tasks.schedules.validate import check_tz
from tasks.services.schedules import RuleInput, recurring_rule_create, zone_today
from tasks.services.workflows import users_by_username
from tasks.template_spec import PROOF_KINDS, SLUG, schedule_rule

SEED_FILE = Path(settings.BASE_DIR) / "tasks" / "seed" / "recurring.yaml"
RULE_KEYS = {
    "key",
    "title",
    "schedule",
    "time",
    "timezone",
    "catch_up",
    "shift",
    "assignee",
    "description",
    "doc",
    "step",
    "systems",
    "tags",
    "proof",
}


@dataclass
class SeedEntry:
    key: str
    data: RuleInput
    assignee: str


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    assigned: list[str] = field(default_factory=list)
    missing_people: set[str] = field(default_factory=set)


def read_seed(path: Path) -> list[SeedEntry]:
    """Parse and validate the whole file; raise ServiceError listing every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ServiceError(f"{path}: cannot be read ({exc})", code="invalid_seed") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ServiceError(
            f"{path}: the file must hold `rules:`, a list of rules", code="invalid_seed"
        )
    default_assignee = str(data.get("assignee") or "")
    entries, problems, seen = [], [], set()
    for index, item in enumerate(data["rules"]):
        try:
            entry = _entry(item, default_assignee)
        except ValueError as exc:
            key = item.get("key") if isinstance(item, dict) else None
            problems.append(f"{path.name}: rules[{index}]{f' ({key})' if key else ''}.{exc}")
            continue
        if entry.key in seen:
            problems.append(f"{path.name}: rules[{index}].key: duplicate key “{entry.key}”")
        seen.add(entry.key)
        entries.append(entry)
    if problems:
        raise ServiceError("\n".join(problems), code="invalid_seed")
    return entries


def _entry(item: object, default_assignee: str) -> SeedEntry:
    if not isinstance(item, dict):
        raise ValueError("rule: must be a mapping (key, title, schedule …)")
    unknown = sorted(set(item) - RULE_KEYS, key=str)
    if unknown:
        raise ValueError(f"{unknown[0]}: is not a known field")
    key, title = _text(item, "key"), _text(item, "title")
    if not SLUG.match(key):
        raise ValueError(f"key: “{key}” must use lowercase letters, digits and hyphens")
    try:
        rrule, at = schedule_rule(_text(item, "schedule"), str(item.get("time") or ""))
    except ScheduleError as exc:
        raise ValueError(f"schedule: {exc}") from exc
    proof = item.get("proof") or {}
    if not isinstance(proof, dict) or proof.get("kind", "none") not in PROOF_KINDS:
        raise ValueError(f"proof: use {{kind: {' | '.join(PROOF_KINDS)}, label: …}}")
    data = RuleInput(
        title=title,
        rrule=rrule,
        start_date=zone_today(_zone(item)),
        time_of_day=at,
        timezone=_zone(item),
        catch_up=str(item.get("catch_up") or "latest"),
        shift=str(item.get("shift") or "none"),
        description=str(item.get("description") or ""),
        instruction_doc=str(item.get("doc") or ""),
        instruction_step=str(item.get("step") or ""),
        systems=_list(item, "systems"),
        tags=_list(item, "tags"),
        proof_kind=proof.get("kind", "none"),
        proof_label=str(proof.get("label") or ""),
    )
    return SeedEntry(key, data, str(item.get("assignee") or default_assignee))


def _text(item: dict, name: str) -> str:
    value = item.get(name)
    if not isinstance(value, str | int) or not str(value).strip():
        raise ValueError(f"{name}: is required")
    return str(value).strip()


def _zone(item: dict) -> str:
    try:
        return check_tz(str(item.get("timezone") or settings.TIME_ZONE))
    except ScheduleError as exc:
        raise ValueError(f"timezone: {exc}") from exc


def _list(item: dict, name: str) -> list[str]:
    value = item.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name}: must be a list of texts")
    return value


@transaction.atomic
def recurring_seed_load(*, path: Path | str | None = None, by: User | None = None) -> SeedReport:
    """Create the rules of the seed file that do not exist yet (by key), in one transaction."""
    entries = read_seed(Path(path) if path else SEED_FILE)
    people = users_by_username({entry.assignee for entry in entries})
    existing = {
        rule.seed_key: rule
        for rule in RecurringRule.objects.select_for_update().filter(
            seed_key__in=[entry.key for entry in entries]
        )
    }
    report = SeedReport()
    for entry in entries:
        person = people.get(entry.assignee)
        if entry.assignee and person is None:
            report.missing_people.add(entry.assignee)
        rule = existing.get(entry.key)
        if rule is None:
            data = RuleInput(**{**entry.data.__dict__, "assignee": person})
            try:
                recurring_rule_create(data=data, by=by, seed_key=entry.key)
            except ServiceError as exc:
                raise ServiceError(f"{entry.key}: {exc}", code="invalid_seed") from exc
            report.created.append(entry.key)
        elif rule.assignee_id is None and person is not None:
            rule.assignee = person
            rule.save(update_fields=["assignee"])
            audit_record(
                actor=by,
                action="recurring.edited",
                target=rule,
                changes={"assignee": [None, person.username]},
            )
            report.assigned.append(entry.key)
        else:
            report.unchanged.append(entry.key)
    return report
