"""Templates between YAML files and the database: load (idempotent by slug) and dump.

A template's content hash is computed from its canonical spec, whichever way it was edited
(YAML or the admin), so the version moves only when something really changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from dataops.errors import ServiceError
from dataops.models import User
from dataops.services import audit_record
from tasks.models import (
    TaskDefinition,
    TemplateLinkSlot,
    TemplatePhase,
    TemplateReference,
    WorkflowTemplate,
)
from tasks.services.schedules import template_schedule_sync
from tasks.template_spec import (
    PhaseSpec,
    ReferenceSpec,
    SpecError,
    TaskSpec,
    TemplateSpec,
    parse_file,
)

SHIPPED_DIR = Path(settings.BASE_DIR) / "tasks" / "seed" / "templates"


@dataclass
class LoadResult:
    slug: str
    outcome: str  # created | updated | unchanged
    version: int
    source: str = ""


@dataclass
class LoadReport:
    results: list[LoadResult]
    # username → slugs of the templates naming them, for people with no active account yet
    missing_people: dict[str, list[str]] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(result.outcome == outcome for result in self.results)


# --- database → spec ------------------------------------------------------------------------


def _task_spec(definition: TaskDefinition) -> TaskSpec:
    return TaskSpec(
        ref=definition.ref,
        title=definition.title,
        offset=definition.offset_days,
        phase=definition.phase.slug,
        description=definition.description,
        milestone=definition.milestone,
        stage=definition.stage_on_complete,
        assignee=definition.assignee,
        doc=definition.instruction_doc,
        step=definition.instruction_step,
        systems=list(definition.systems),
        proof_kind=definition.proof_kind,
        proof_label=definition.proof_label,
        slots=list(definition.required_slots),
        not_applicable=list(definition.na_reasons),
        waiting_hint=definition.waiting_hint,
        risk_hint=definition.risk_hint,
    )


def template_spec(template: WorkflowTemplate) -> TemplateSpec:
    """The canonical spec of a stored template (what `dump_templates` writes)."""
    return TemplateSpec(
        slug=template.slug,
        name=template.name,
        kind=template.kind,
        emoji=template.emoji,
        description=template.description,
        title=template.title_pattern,
        default_assignee=template.default_assignee,
        tags=list(template.tags),
        docs=list(template.docs),
        automatic=template.automatic,
        schedule=template.schedule,
        lead_days=template.lead_days,
        time=template.schedule_time,
        timezone=template.schedule_timezone,
        catch_up=template.catch_up,
        shift=template.shift,
        phases=[PhaseSpec(p.slug, p.title, p.stage) for p in template.phases.all()],
        link_slots=[slot.name for slot in template.link_slots.all()],
        references=[ReferenceSpec(r.title, r.url) for r in template.references.all()],
        tasks=[
            _task_spec(d)
            for d in template.task_definitions.select_related("phase").order_by("position", "id")
        ],
    )


# --- spec → database -------------------------------------------------------------------------


def _head_fields(spec: TemplateSpec) -> dict:
    return {
        "name": spec.name,
        "kind": spec.kind,
        "emoji": spec.emoji,
        "description": spec.description,
        "title_pattern": spec.title,
        "default_assignee": spec.default_assignee,
        "tags": spec.tags,
        "docs": spec.docs,
        "automatic": spec.automatic,
        "schedule": spec.schedule,
        "lead_days": spec.lead_days,
        "schedule_time": spec.time,
        "schedule_timezone": spec.timezone,
        "catch_up": spec.catch_up,
        "shift": spec.shift,
    }


def _definition(
    template: WorkflowTemplate, task: TaskSpec, position: int, phases: dict[str, TemplatePhase]
) -> TaskDefinition:
    return TaskDefinition(
        template=template,
        ref=task.ref,
        title=task.title,
        description=task.description,
        offset_days=task.offset,
        phase=phases[task.phase],
        milestone=task.milestone,
        stage_on_complete=task.stage,
        assignee=task.assignee,
        instruction_doc=task.doc,
        instruction_step=task.step,
        systems=task.systems,
        proof_kind=task.proof_kind,
        proof_label=task.proof_label,
        required_slots=task.slots,
        na_reasons=task.not_applicable,
        waiting_hint=task.waiting_hint,
        risk_hint=task.risk_hint,
        position=position,
    )


def _replace_children(template: WorkflowTemplate, spec: TemplateSpec) -> None:
    """Definitions are plain data (workflows copied what they need), so replace them whole."""
    template.task_definitions.all().delete()
    template.phases.all().delete()
    template.link_slots.all().delete()
    template.references.all().delete()
    phases = TemplatePhase.objects.bulk_create(
        [
            TemplatePhase(template=template, slug=p.slug, title=p.title, stage=p.stage, position=i)
            for i, p in enumerate(spec.phases)
        ]
    )
    by_slug = {phase.slug: phase for phase in phases}
    TemplateLinkSlot.objects.bulk_create(
        [
            TemplateLinkSlot(template=template, name=name, position=i)
            for i, name in enumerate(spec.link_slots)
        ]
    )
    TemplateReference.objects.bulk_create(
        [
            TemplateReference(template=template, title=r.title, url=r.url, position=i)
            for i, r in enumerate(spec.references)
        ]
    )
    TaskDefinition.objects.bulk_create(
        [_definition(template, task, i, by_slug) for i, task in enumerate(spec.tasks)]
    )


def template_save_spec(
    *, spec: TemplateSpec, by: User | None = None, source: str = ""
) -> LoadResult:
    """Create or update the template `spec.slug`; unchanged content is a no-op. An automatic
    template's schedule row is installed or updated either way (see template_schedule_sync)."""
    template = WorkflowTemplate.objects.select_for_update().filter(slug=spec.slug).first()
    new_hash = spec.content_hash()
    if template is not None and template_spec(template).content_hash() == new_hash:
        if template.content_hash != new_hash:
            WorkflowTemplate.objects.filter(pk=template.pk).update(content_hash=new_hash)
        template_schedule_sync(template=template)
        return LoadResult(spec.slug, "unchanged", template.version, source)
    outcome = "created" if template is None else "updated"
    if template is None:
        template = WorkflowTemplate(slug=spec.slug, version=1)
    else:
        template.version += 1
    for name, value in _head_fields(spec).items():
        setattr(template, name, value)
    template.content_hash = new_hash
    template.save()
    _replace_children(template, spec)
    template_schedule_sync(template=template)
    audit_record(
        actor=by,
        action=f"template.{outcome}",
        target=template,
        changes={"version": template.version, "source": source},
    )
    return LoadResult(spec.slug, outcome, template.version, source)


def missing_people(specs: Iterable[TemplateSpec]) -> dict[str, list[str]]:
    """Usernames the templates name that no active user has → the templates naming them.

    Not an error: people are resolved when a workflow starts, so the templates work as
    soon as the account exists; until then those tasks start unassigned.
    """
    specs = list(specs)
    wanted = set().union(*(spec.people() for spec in specs)) if specs else set()
    known = set(
        User.objects.filter(username__in=wanted, is_active=True).values_list("username", flat=True)
    )
    return {
        name: sorted(spec.slug for spec in specs if name in spec.people())
        for name in sorted(wanted - known)
    }


def read_specs(paths: Iterable[Path]) -> list[tuple[TemplateSpec, str]]:
    """Parse every file first; any error anywhere refuses the whole run."""
    specs, problems, seen = [], [], {}
    for path in paths:
        try:
            spec = parse_file(path)
        except SpecError as exc:
            problems.append(str(exc))
            continue
        if spec.slug in seen:
            problems.append(f"{path}: slug: “{spec.slug}” is also used by {seen[spec.slug]}")
        seen[spec.slug] = str(path)
        specs.append((spec, str(path)))
    if problems:
        raise ServiceError("\n".join(problems), code="invalid_template")
    return specs


def template_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, files of folders named, or the shipped templates when none is named."""
    found = []
    for path in [Path(p) for p in paths] or [SHIPPED_DIR]:
        if path.is_dir():
            found += sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
        elif path.exists():
            found.append(path)
        else:
            raise ServiceError(f"{path}: no such file or folder", code="invalid_template")
    return found


@transaction.atomic
def templates_load(*, paths: Iterable[str | Path] = (), by: User | None = None) -> LoadReport:
    """Load YAML templates in one transaction: all of them or, on any error, none."""
    specs = read_specs(template_paths(paths))
    results = [template_save_spec(spec=spec, by=by, source=source) for spec, source in specs]
    return LoadReport(results, missing_people(spec for spec, _ in specs))


@transaction.atomic
def template_record_admin_change(*, template: WorkflowTemplate, by: User | None) -> bool:
    """After an admin edit: bump the version when the content really changed."""
    template = WorkflowTemplate.objects.select_for_update().get(pk=template.pk)
    new_hash = template_spec(template).content_hash()
    if new_hash == template.content_hash:
        return False
    changed_before = bool(template.content_hash)
    template.content_hash = new_hash
    if changed_before:
        template.version += 1
    template.save(update_fields=["content_hash", "version"])
    template_schedule_sync(template=template)
    audit_record(
        actor=by, action="template.edited", target=template, changes={"version": template.version}
    )
    return True
