"""Workflow templates as YAML: parse, validate, canonicalise and dump. No Django imports.

One file holds one template. Every key below except the marked ones is optional::

    slug: podcast                        # required; lowercase letters, digits, hyphens
    name: Podcast                        # required
    kind: podcast                        # default: the slug
    emoji: "🎙️"
    description: Weekly live-streamed interview.
    title: "Podcast: {anchor} - {topic} - {guest}"   # {anchor}/{date} = anchor date,
                                         # {month} = "August 2026"; others are asked for
    default_assignee: grace              # username; missing people are warned about
    tags: [media]
    docs: [sop.media.podcast.managing-podcast-workflow]   # the docs that define it
    automatic: false                     # true: the template starts its own workflows
    schedule: "0 9 * * 1"                # needed when automatic: a cron (converted to an
                                         # RRULE on load) or an RRULE like
                                         # "FREQ=MONTHLY;BYDAY=-1FR"
    time: "09:00"                        # only with an RRULE schedule (a cron has its own)
    timezone: Europe/Berlin              # default: the organisation's zone (TIME_ZONE)
    catch_up: latest                     # missed occurrences: all, latest (default), none
    shift: none                          # non-working days: none (default), next, previous
    lead_days: 14                        # each occurrence starts a workflow anchored this
                                         # many days later (Newsletter: Monday + 14 days)
    phases:                              # required, in order
      - {slug: guest-intake, title: Guest intake, stage: preparation}
    link_slots: [Guest email, Luma]      # shared proof links of every workflow
    references:
      - {title: Episode list, url: "https://example.org/episodes"}
    tasks:                               # required, in order
      - ref: create-event-luma           # required, unique in the template
        title: Create an event in Luma   # required
        offset: -17                      # required; days from the anchor, -366..366
        phase: event-setup               # required; one of the phases
        description: ""
        milestone: false
        stage: announced                 # stage the workflow moves to when it is done
        assignee: alexey                 # username override
        doc: sop.events.luma.creating-events-webinar-workshop-and-podcast-on-luma
        step: 6                          # step id inside the doc
        systems: [luma]
        proof: {kind: url, label: Luma}  # kind: none, url, file, note, external_status,
                                         # assistant_output; a url label naming a link
                                         # slot makes that slot the proof
        slots: [Meetup]                  # further link slots that must be filled
        not_applicable: [no event this week]   # reasons it may be closed without proof
        waiting_hint: Luma event and YouTube stream link
        risk_hint: missing Luma link

Errors name the file and the field (``podcast.yaml: tasks[3] (create-event-luma).offset:
must be a whole number …``); a file with any error is reported whole, never half-used.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, time
from pathlib import Path

import yaml

from tasks.schedules import ScheduleError, cron_to_rrule, parse_rrule
from tasks.schedules.validate import check_time, check_tz

STAGES = ("preparation", "announced", "after-event", "done")
CATCH_UP = ("all", "latest", "none")
SHIFTS = ("none", "next", "previous")
DEFAULT_SCHEDULE_TIME = "09:00"
# Schedule keys added after templates were first loaded: left out of the content hash while
# they have their default, so existing templates keep their hash (and version).
SCHEDULE_DEFAULTS = {"time": "", "timezone": "", "catch_up": "latest", "shift": "none"}
PROOF_KINDS = ("none", "url", "file", "note", "external_status", "assistant_output")
MAX_OFFSET = 366
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
TOP_KEYS = {
    "slug",
    "name",
    "kind",
    "emoji",
    "description",
    "title",
    "default_assignee",
    "tags",
    "docs",
    "automatic",
    "schedule",
    "lead_days",
    "phases",
    "link_slots",
    "references",
    "tasks",
    "time",
    "timezone",
    "catch_up",
    "shift",
}
TASK_KEYS = {
    "ref",
    "title",
    "offset",
    "phase",
    "description",
    "milestone",
    "stage",
    "assignee",
    "doc",
    "step",
    "systems",
    "proof",
    "slots",
    "not_applicable",
    "waiting_hint",
    "risk_hint",
}


class SpecError(Exception):
    """Every problem of one file, each line naming the file and the field."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


@dataclass
class PhaseSpec:
    slug: str
    title: str
    stage: str = "preparation"


@dataclass
class ReferenceSpec:
    title: str
    url: str


@dataclass
class TaskSpec:
    ref: str
    title: str
    offset: int
    phase: str
    description: str = ""
    milestone: bool = False
    stage: str = ""
    assignee: str = ""
    doc: str = ""
    step: str = ""
    systems: list[str] = field(default_factory=list)
    proof_kind: str = "none"
    proof_label: str = ""
    slots: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    waiting_hint: str = ""
    risk_hint: str = ""


@dataclass
class TemplateSpec:
    slug: str
    name: str
    kind: str = ""
    emoji: str = ""
    description: str = ""
    title: str = ""
    default_assignee: str = ""
    tags: list[str] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    automatic: bool = False
    schedule: str = ""
    lead_days: int = 0
    time: str = ""
    timezone: str = ""
    catch_up: str = "latest"
    shift: str = "none"
    phases: list[PhaseSpec] = field(default_factory=list)
    link_slots: list[str] = field(default_factory=list)
    references: list[ReferenceSpec] = field(default_factory=list)
    tasks: list[TaskSpec] = field(default_factory=list)

    def canonical(self) -> dict:
        data = asdict(self)
        for key, default in SCHEDULE_DEFAULTS.items():
            if data[key] == default:
                del data[key]
        return data

    def content_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def people(self) -> set[str]:
        return {name for name in [self.default_assignee, *(t.assignee for t in self.tasks)] if name}


# --- reading ----------------------------------------------------------------------------


class _Reader:
    """Pulls typed values out of plain YAML data, recording a problem per bad field."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, data: dict, key: str, where: str, *, required=False, limit=200) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"{where}{key}", "is required")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(f"{where}{key}", f"must be text, got {type(value).__name__}")
            return ""
        value = str(value).strip()
        if len(value) > limit:
            self.fail(f"{where}{key}", f"is longer than {limit} characters")
        return value

    def slug(self, data: dict, key: str, where: str, *, required=True, limit=80) -> str:
        value = self.text(data, key, where, required=required, limit=limit)
        if value and not SLUG.match(value):
            self.fail(f"{where}{key}", f"“{value}” must use lowercase letters, digits and hyphens")
        return value

    def strings(self, data: dict, key: str, where: str) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{where}{key}", "must be a list of non-empty texts")
            return []
        return [v.strip() for v in value]

    def flag(self, data: dict, key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{where}{key}", "must be true or false")
            return False
        return value

    def integer(
        self, data: dict, key: str, where: str, low: int, high: int, *, required=False, unit=""
    ) -> int:
        value = data.get(key)
        if value is None and not required:
            return 0
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(
                f"{where}{key}",
                f"must be a whole number{unit} between {low} and {high}, got {value!r}",
            )
            return 0
        return value

    def choice(self, value: str, choices: tuple[str, ...], where: str) -> str:
        if value and value not in choices:
            self.fail(where, f"“{value}” is not one of {', '.join(choices)}")
            return ""
        return value

    def unknown_keys(self, data: dict, allowed: set[str], where: str) -> None:
        for key in sorted(set(data) - allowed, key=str):
            self.fail(f"{where}{key}", "is not a known field")


def _mapping_list(reader: _Reader, data: dict, key: str, *, required: bool) -> list[dict]:
    value = data.get(key)
    if value is None or value == []:
        if required:
            reader.fail(key, "is required (a non-empty list)")
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        reader.fail(key, "must be a list of mappings")
        return []
    return value


def _read_phases(reader: _Reader, data: dict) -> list[PhaseSpec]:
    phases, seen = [], set()
    for index, item in enumerate(_mapping_list(reader, data, "phases", required=True)):
        where = f"phases[{index}]."
        reader.unknown_keys(item, {"slug", "title", "stage"}, where)
        slug = reader.slug(item, "slug", where, limit=60)
        if slug in seen:
            reader.fail(f"{where}slug", f"duplicate phase “{slug}”")
        seen.add(slug)
        title = reader.text(item, "title", where, limit=120) or slug.replace("-", " ").capitalize()
        stage = reader.choice(
            reader.text(item, "stage", where) or "preparation", STAGES, f"{where}stage"
        )
        phases.append(PhaseSpec(slug=slug, title=title, stage=stage or "preparation"))
    return phases


def _read_slots(reader: _Reader, data: dict) -> list[str]:
    slots = reader.strings(data, "link_slots", "")
    for name in {s for s in slots if slots.count(s) > 1}:
        reader.fail("link_slots", f"duplicate slot “{name}”")
    for name in slots:
        if len(name) > 80:
            reader.fail("link_slots", f"“{name[:20]}…” is longer than 80 characters")
    return slots


def _read_references(reader: _Reader, data: dict) -> list[ReferenceSpec]:
    refs = []
    for index, item in enumerate(_mapping_list(reader, data, "references", required=False)):
        where = f"references[{index}]."
        reader.unknown_keys(item, {"title", "url"}, where)
        title = reader.text(item, "title", where, required=True)
        url = reader.text(item, "url", where, required=True, limit=1000)
        if url and not url.startswith(("http://", "https://")):
            reader.fail(f"{where}url", "must start with http:// or https://")
        refs.append(ReferenceSpec(title=title, url=url))
    return refs


def _read_proof(reader: _Reader, item: dict, where: str) -> tuple[str, str]:
    proof = item.get("proof")
    if proof is None:
        return "none", ""
    if isinstance(proof, str):
        proof = {"kind": proof}
    if not isinstance(proof, dict):
        reader.fail(f"{where}proof", "must be a mapping like {kind: url, label: Luma}")
        return "none", ""
    reader.unknown_keys(proof, {"kind", "label"}, f"{where}proof.")
    kind = (
        reader.choice(
            reader.text(proof, "kind", f"{where}proof.", required=True),
            PROOF_KINDS,
            f"{where}proof.kind",
        )
        or "none"
    )
    label = reader.text(proof, "label", f"{where}proof.")
    if kind == "url" and not label:
        reader.fail(f"{where}proof.label", "is required for a url proof (name the link)")
    return kind, label


def _read_task(
    reader: _Reader, item: dict, where: str, phases: set[str], slots: list[str]
) -> TaskSpec:
    reader.unknown_keys(item, TASK_KEYS, where)
    task = TaskSpec(
        ref=reader.slug(item, "ref", where),
        title=reader.text(item, "title", where, required=True, limit=300),
        offset=reader.integer(
            item, "offset", where, -MAX_OFFSET, MAX_OFFSET, required=True, unit=" of days"
        ),
        phase=reader.slug(item, "phase", where, limit=60),
        description=reader.text(item, "description", where, limit=5000),
        milestone=reader.flag(item, "milestone", where),
        stage=reader.choice(reader.text(item, "stage", where), STAGES, f"{where}stage"),
        assignee=reader.text(item, "assignee", where, limit=150),
        doc=reader.text(item, "doc", where),
        step=reader.text(item, "step", where, limit=20),
        systems=reader.strings(item, "systems", where),
        slots=reader.strings(item, "slots", where),
        not_applicable=reader.strings(item, "not_applicable", where),
        waiting_hint=reader.text(item, "waiting_hint", where),
        risk_hint=reader.text(item, "risk_hint", where),
    )
    task.proof_kind, task.proof_label = _read_proof(reader, item, where)
    if task.phase and task.phase not in phases:
        reader.fail(
            f"{where}phase",
            f"unknown phase “{task.phase}” (phases: {', '.join(sorted(phases)) or 'none'})",
        )
    for name in task.slots:
        if name not in slots:
            reader.fail(f"{where}slots", f"unknown link slot “{name}”")
    return task


def _read_tasks(
    reader: _Reader, data: dict, phases: list[PhaseSpec], slots: list[str]
) -> list[TaskSpec]:
    tasks, seen = [], set()
    phase_slugs = {p.slug for p in phases}
    for index, item in enumerate(_mapping_list(reader, data, "tasks", required=True)):
        ref = item.get("ref")
        where = f"tasks[{index}] ({ref})." if isinstance(ref, str) and ref else f"tasks[{index}]."
        task = _read_task(reader, item, where, phase_slugs, slots)
        if task.ref and task.ref in seen:
            reader.fail(f"{where}ref", f"duplicate ref “{task.ref}”")
        seen.add(task.ref)
        tasks.append(task)
    return tasks


def schedule_rule(schedule: str, time_text: str = "") -> tuple[str, time]:
    """(canonical RRULE, time of day) of a template's schedule, or ScheduleError.

    A cron (`0 9 * * 1`) is converted and carries its own time; an RRULE takes `time_text`
    (default 09:00)."""
    text = schedule.strip()
    if "FREQ" not in text.upper():
        return cron_to_rrule(text)
    at = check_time(time_text or DEFAULT_SCHEDULE_TIME)
    # The real start is the day the template is loaded; any day checks the rule's shape.
    return parse_rrule(text, start=date(2000, 1, 1), time=at, tz="UTC", today=None).rrule, at


TIME_WITH_CRON = "a cron schedule carries its own time: use `time` only with an RRULE"


def schedule_problems(
    *, automatic: bool, schedule: str, time: str = "", timezone: str = ""
) -> dict[str, str]:
    """Field → problem for a template's schedule keys (shared by YAML and the admin)."""
    problems = {}
    is_rrule = "FREQ" in schedule.upper()
    if automatic and not schedule:
        problems["schedule"] = "is required when automatic is true"
    if time:
        try:
            check_time(time)
        except ScheduleError as exc:
            problems["time"] = str(exc)
        if schedule and not is_rrule:
            problems["time"] = TIME_WITH_CRON
    if schedule and not is_rrule and not _looks_like_cron(schedule):
        problems["schedule"] = (
            f"“{schedule}” is not a cron expression (5 fields) or an RRULE (FREQ=…)"
        )
    elif schedule:
        try:
            schedule_rule(schedule, "" if "time" in problems else time)
        except ScheduleError as exc:
            problems["schedule"] = str(exc)
    if timezone:
        try:
            check_tz(timezone)
        except ScheduleError as exc:
            problems["timezone"] = str(exc)
    return problems


def _looks_like_cron(text: str) -> bool:
    return text.startswith("@") or len(text.split()) in (5, 6, 7)


def _read_schedule(reader: _Reader, data: dict, automatic: bool) -> dict:
    values = {
        "schedule": reader.text(data, "schedule", "", limit=300),
        "time": reader.text(data, "time", "", limit=5),
        "timezone": reader.text(data, "timezone", "", limit=64),
        "catch_up": reader.choice(reader.text(data, "catch_up", ""), CATCH_UP, "catch_up")
        or "latest",
        "shift": reader.choice(reader.text(data, "shift", ""), SHIFTS, "shift") or "none",
    }
    problems = schedule_problems(
        automatic=automatic,
        schedule=values["schedule"],
        time=values["time"],
        timezone=values["timezone"],
    )
    for key, problem in problems.items():
        reader.fail(key, problem)
    return values


def spec_from_data(data: object, source: str) -> TemplateSpec:
    """Validate parsed YAML data; raise `SpecError` listing every problem found."""
    if not isinstance(data, dict):
        raise SpecError(source, ["the file must hold one mapping (slug, name, phases, tasks …)"])
    reader = _Reader()
    reader.unknown_keys(data, TOP_KEYS, "")
    slug = reader.slug(data, "slug", "")
    automatic = reader.flag(data, "automatic", "")
    phases = _read_phases(reader, data)
    slots = _read_slots(reader, data)
    spec = TemplateSpec(
        slug=slug,
        name=reader.text(data, "name", "", required=True, limit=120),
        kind=reader.slug(data, "kind", "", required=False, limit=40) or slug,
        emoji=reader.text(data, "emoji", "", limit=8),
        description=reader.text(data, "description", "", limit=5000),
        title=reader.text(data, "title", ""),
        default_assignee=reader.text(data, "default_assignee", "", limit=150),
        tags=reader.strings(data, "tags", ""),
        docs=reader.strings(data, "docs", ""),
        automatic=automatic,
        **_read_schedule(reader, data, automatic),
        lead_days=reader.integer(data, "lead_days", "", 0, 365, unit=" of days"),
        phases=phases,
        link_slots=slots,
        references=_read_references(reader, data),
        tasks=_read_tasks(reader, data, phases, slots),
    )
    if reader.problems:
        raise SpecError(source, reader.problems)
    return spec


def parse_text(text: str, source: str) -> TemplateSpec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise SpecError(
            source, [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from exc
    return spec_from_data(data, source)


def parse_file(path: Path) -> TemplateSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(str(path), [f"cannot be read ({exc})"]) from exc
    return parse_text(text, str(path))


# --- writing ------------------------------------------------------------------------------


class _Flow(dict):
    """A small mapping written on one line: ``{kind: url, label: Luma}``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow,
    lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True),
)


def _task_data(task: TaskSpec) -> dict:
    data: dict = {"ref": task.ref, "title": task.title, "offset": task.offset, "phase": task.phase}
    optional = {
        "description": task.description,
        "milestone": task.milestone,
        "stage": task.stage,
        "assignee": task.assignee,
        "doc": task.doc,
        "step": task.step,
        "systems": task.systems,
        "proof": _proof_data(task),
        "slots": task.slots,
        "not_applicable": task.not_applicable,
        "waiting_hint": task.waiting_hint,
        "risk_hint": task.risk_hint,
    }
    data.update({key: value for key, value in optional.items() if value})
    return data


def _proof_data(task: TaskSpec) -> dict | None:
    if task.proof_kind == "none":
        return None
    label = {"label": task.proof_label} if task.proof_label else {}
    return _Flow(kind=task.proof_kind, **label)


def spec_to_data(spec: TemplateSpec) -> dict:
    """The YAML-ready mapping: defaults left out so files stay short."""
    head = {
        "slug": spec.slug,
        "name": spec.name,
        "kind": spec.kind,
        "emoji": spec.emoji,
        "description": spec.description,
        "title": spec.title,
        "default_assignee": spec.default_assignee,
        "tags": spec.tags,
        "docs": spec.docs,
        "automatic": spec.automatic,
        "schedule": spec.schedule,
        "time": spec.time,
        "timezone": spec.timezone,
        "lead_days": spec.lead_days,
        "catch_up": spec.catch_up,
        "shift": spec.shift,
    }
    head = {key: value for key, value in head.items() if SCHEDULE_DEFAULTS.get(key) != value}
    data = {key: value for key, value in head.items() if value or key in ("slug", "name")}
    data["phases"] = [_Flow(asdict(phase)) for phase in spec.phases]
    if spec.link_slots:
        data["link_slots"] = spec.link_slots
    if spec.references:
        data["references"] = [_Flow(asdict(ref)) for ref in spec.references]
    data["tasks"] = [_task_data(task) for task in spec.tasks]
    return data


def dump_text(spec: TemplateSpec) -> str:
    header = f"# Workflow template “{spec.name}”. Format: tasks/template_spec.py.\n"
    body = yaml.dump(
        spec_to_data(spec), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return header + body


# --- titles ---------------------------------------------------------------------------------

DATE_FIELDS = ("anchor", "date", "month")
_GAP = "\x00"
_EMPTY_PART = re.compile(r"\s*[-–—:|·]?\s*\x00")


def title_fields(pattern: str) -> list[str]:
    """Placeholders a person fills in (everything except the date ones)."""
    names = dict.fromkeys(PLACEHOLDER.findall(pattern))
    return [name for name in names if name not in DATE_FIELDS]


def render_title(pattern: str, *, anchor: date, name: str, values: dict | None = None) -> str:
    """Fill the title convention; placeholders left empty vanish with their separator.

    ``Podcast: {anchor} - {topic} - {guest}`` with only a topic gives
    ``Podcast: 2026-08-17 - Data contracts``.
    """
    if not pattern:
        return f"{name}: {anchor.isoformat()}"
    filled = {
        "anchor": anchor.isoformat(),
        "date": anchor.isoformat(),
        "month": anchor.strftime("%B %Y"),
    }
    filled.update({k: str(v).strip() for k, v in (values or {}).items() if str(v).strip()})
    text = PLACEHOLDER.sub(lambda m: filled.get(m.group(1), _GAP), pattern)
    text = _EMPTY_PART.sub("", text).replace(_GAP, "")
    return text.strip(" -–—:|·") or name
