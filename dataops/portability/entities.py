"""Which models go into an export, and how a row becomes a JSON object and back.

Each app declares its entities beside its models in a module named `exports` with two lists:
`ENTITIES` (exported) and `DERIVED` (rebuilt from elsewhere, with the reason). The modules
are found through the app registry when first asked for, so this package imports no app at
import time.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db import models


@dataclass(frozen=True)
class Entity:
    """An exported model. `credentials` fields are written only with --with-credentials."""

    model: type[models.Model]
    exclude: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.model._meta.label_lower

    def fields(self, *, with_credentials: bool = True) -> list[models.Field]:
        skipped = set(self.exclude) | (set() if with_credentials else set(self.credentials))
        return [f for f in self.model._meta.concrete_fields if f.name not in skipped]

    def references(self) -> list[models.ForeignKey]:
        return [f for f in self.fields() if f.is_relation and not is_natural(f)]


@dataclass(frozen=True)
class Derived:
    """A model not exported: its rows are rebuilt (migrations, git, runtime) — say how."""

    model: type[models.Model]
    reason: str


def _exports_module(app_name: str):
    name = f"{app_name}.exports"
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


@cache
def declarations() -> tuple[tuple[Entity, ...], tuple[Derived, ...]]:
    entities: list[Entity] = []
    derived: list[Derived] = []
    for config in apps.get_app_configs():
        module = _exports_module(config.name)
        if module is not None:
            entities.extend(getattr(module, "ENTITIES", ()))
            derived.extend(getattr(module, "DERIVED", ()))
    return tuple(entities), tuple(derived)


def exported() -> list[Entity]:
    """The exported entities, parents before children (foreign keys), stable otherwise."""
    entities = sorted(declarations()[0], key=lambda e: e.name)
    return _dependency_order(entities)


def by_name() -> dict[str, Entity]:
    return {entity.name: entity for entity in declarations()[0]}


def _dependency_order(entities: list[Entity]) -> list[Entity]:
    # Self references and cycles need no order: the import runs in one transaction and
    # Django creates foreign keys deferred, so a cycle falls back to name order.
    names = {e.model: e.name for e in entities}
    pending = {
        e.name: {names[f.related_model] for f in e.references() if f.related_model in names}
        - {e.name}
        for e in entities
    }
    ordered: list[Entity] = []
    lookup = {e.name: e for e in entities}
    while pending:
        ready = [n for n, deps in pending.items() if not deps] or [min(pending)]
        for name in sorted(ready):
            ordered.append(lookup[name])
            del pending[name]
        for deps in pending.values():
            deps.difference_update(ready)
    return ordered


# --- values ---------------------------------------------------------------------------------


# Rows of these models are created by migrations, with ids that differ between
# installations: references to them travel as natural keys.
@cache
def _natural_models() -> tuple[type[models.Model], ...]:
    return (
        apps.get_model("contenttypes", "ContentType"),
        apps.get_model("auth", "Permission"),
        apps.get_model("auth", "Group"),
    )


def is_natural(field: models.Field) -> bool:
    return field.is_relation and field.related_model in _natural_models()


def column(field: models.Field) -> str:
    """The JSON key of a field: `<name>_id` for a raw foreign key, the field name otherwise."""
    return field.name if is_natural(field) else field.attname


def to_json(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


class NaturalKeys:
    """id ↔ natural key for the migration-created models, loaded once per run."""

    def __init__(self) -> None:
        self._to_key: dict[type, dict[int, list]] = {}
        self._to_id: dict[type, dict[tuple, int]] = {}

    def _load(self, model: type[models.Model]) -> None:
        if model not in self._to_key:
            rows = {obj.pk: list(obj.natural_key()) for obj in model._base_manager.all()}
            self._to_key[model] = rows
            self._to_id[model] = {tuple(key): pk for pk, key in rows.items()}

    def key(self, model: type[models.Model], pk: int | None) -> list | None:
        if pk is None:
            return None
        self._load(model)
        return self._to_key[model][pk]

    def pk(self, model: type[models.Model], key: Iterable[str] | None) -> int | None:
        if key is None:
            return None
        self._load(model)
        return self._to_id[model].get(tuple(key))
