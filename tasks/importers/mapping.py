"""How a Trello board maps onto the work engine, read from a small YAML file.

    lists: [Backlog, This week]          # lists to import (default: every open list)
    targets: {Podcast episodes: podcast, Backlog: standalone}  # list → template slug
    labels: {urgent: urgent, marketing: mkt}                   # label name or id → tag
    members: {samstranger: operator}                           # Trello username → username
    done: default                        # default | dueComplete | checklist | list:NAME
    keep_emails: false                   # keep addresses in descriptions unmasked

A list without a target follows the default: cards with checklists become workflows,
cards without become standalone tasks. The target "workflow" makes every card of the list a
workflow without a template. An empty tag drops the label; an empty username leaves the
member without a user (no matching by name or email). No Django imports: the template
slugs are checked by the importer, which can read the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

STANDALONE = "standalone"
# Every card of the list becomes a workflow of the board's own template (no tasks of a plan).
WORKFLOW = "workflow"
DONE_RULES = ("default", "dueComplete", "checklist")
MAPPING_UNREADABLE = "The mapping is not valid YAML: {error}."
MAPPING_NOT_A_MAPPING = (
    "The mapping must be a YAML mapping of lists, targets, labels, members, done."
)
MAPPING_UNKNOWN_KEYS = "The mapping has unknown keys: {keys}."
MAPPING_BAD_FIELD = "The mapping's “{key}” must be {shape}."
MAPPING_BAD_DONE = "The mapping's “done” must be one of default, dueComplete, checklist, list:NAME."


class MappingError(ValueError):
    """The mapping file cannot be used; the message says why."""


@dataclass(frozen=True)
class Mapping:
    lists: frozenset[str] | None = None
    targets: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)
    done: str = "default"
    keep_emails: bool = False

    @property
    def done_list(self) -> str:
        """The list whose cards count as done under a `list:NAME` rule, else empty."""
        return self.done.removeprefix("list:") if self.done.startswith("list:") else ""

    def imports_list(self, name: str, list_id: str) -> bool:
        return self.lists is None or name in self.lists or list_id in self.lists

    def target(self, list_name: str) -> str:
        """A template slug, "standalone", or empty for the default by checklists."""
        return self.targets.get(list_name, "")

    def template_slugs(self) -> set[str]:
        return {slug for slug in self.targets.values() if slug not in (STANDALONE, WORKFLOW)}

    def as_data(self) -> dict:
        """The mapping as plain data; `mapping_from_data` reads it back."""
        return {
            "lists": sorted(self.lists) if self.lists is not None else None,
            "targets": dict(self.targets),
            "labels": dict(self.labels),
            "members": dict(self.members),
            "done": self.done,
            "keep_emails": self.keep_emails,
        }


def _texts(data: dict, key: str) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise MappingError(MAPPING_BAD_FIELD.format(key=key, shape="a mapping of names to names"))
    return {str(name): target.strip() for name, target in value.items()}


def _lists(data: dict) -> frozenset[str] | None:
    value = data.get("lists")
    if value is None:
        return None
    if not isinstance(value, list):
        raise MappingError(MAPPING_BAD_FIELD.format(key="lists", shape="a list of list names"))
    return frozenset(str(name) for name in value)


def _done(data: dict) -> str:
    value = data.get("done", "default")
    if not isinstance(value, str):
        raise MappingError(MAPPING_BAD_DONE)
    if value in DONE_RULES or (value.startswith("list:") and value.removeprefix("list:")):
        return value
    raise MappingError(MAPPING_BAD_DONE)


def parse_mapping(text: str) -> Mapping:
    """A `Mapping` from YAML text; an empty file is the default mapping."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(MAPPING_UNREADABLE.format(error=exc)) from exc
    return mapping_from_data(data)


def mapping_from_data(data: object) -> Mapping:
    """A `Mapping` from parsed YAML or `Mapping.as_data()`; None is the default mapping."""
    if data is None:
        return Mapping()
    if not isinstance(data, dict):
        raise MappingError(MAPPING_NOT_A_MAPPING)
    unknown = set(data) - {"lists", "targets", "labels", "members", "done", "keep_emails"}
    if unknown:
        raise MappingError(MAPPING_UNKNOWN_KEYS.format(keys=", ".join(sorted(map(str, unknown)))))
    return Mapping(
        lists=_lists(data),
        targets=_texts(data, "targets"),
        labels=_texts(data, "labels"),
        members=_texts(data, "members"),
        done=_done(data),
        keep_emails=data.get("keep_emails") is True,
    )
