"""The process-quality report: stored findings plus checks computed at report time.

Stored findings come from the sync (see `docs_app.records` and `docs_app.registry` for what
each category means and how severe it is). Two checks look across apps and are computed
when the report is read, because the work engine changes independently of the docs:

* template tasks whose instruction doc does not resolve (*blocking*, broken-doc-reference);
* missing metadata on docs that template tasks link to (*warning*, missing-metadata): no
  summary, an SOP without owner, a skipped file.

Both read the work engine's `tasks.TaskDefinition` (instruction docs) and
`tasks.WorkflowTemplate` (`docs`, the process docs a template is defined by) through the app
registry; while those models are not installed they return nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from django import forms
from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.urls import NoReverseMatch, reverse

from docs_app.models import Document, Finding
from docs_app.records import BLOCKING, BROKEN_DOC, METADATA, WARNING
from docs_app.sop import DocIndex, resolve

PAGE_SIZE = 50
SEVERITY_ORDER = [choice for choice, _ in Finding.Severity.choices]
LINTED_TYPES = ("sop", "checklist")


class QualityFilterForm(forms.Form):
    severity = forms.ChoiceField(
        required=False, choices=[("", "Any severity"), *Finding.Severity.choices]
    )
    category = forms.ChoiceField(
        required=False, choices=[("", "Any category"), *Finding.Category.choices]
    )
    domain = forms.CharField(required=False, max_length=120)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"severity": "", "category": "", "domain": ""}
        return {
            name: self.cleaned_data.get(name) or "" for name in ("severity", "category", "domain")
        }


@dataclass(frozen=True)
class QualityRow:
    """One line of the report, whatever its source (stored finding or computed check)."""

    severity: str
    category: str
    code: str
    path: str
    doc_id: str
    title: str
    domain: str
    message: str
    next_action: str
    line: int | None = None
    url: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


# --- stored findings ----------------------------------------------------------------------


def _severity_rank():
    return Case(
        *[When(severity=value, then=Value(rank)) for rank, value in enumerate(SEVERITY_ORDER)],
        default=Value(9),
        output_field=IntegerField(),
    )


def findings(*, severity: str = "", category: str = "", domain: str = "") -> QuerySet[Finding]:
    """Stored findings, most severe first, with their documents loaded."""
    queryset = Finding.objects.select_related("document").annotate(rank=_severity_rank())
    return _filtered(queryset, severity=severity, category=category, domain=domain).order_by(
        "rank", "path", "line", "id"
    )


def _filtered(
    queryset: QuerySet[Finding], *, severity: str = "", category: str = "", domain: str = ""
) -> QuerySet[Finding]:
    if severity:
        queryset = queryset.filter(severity=severity)
    if category:
        queryset = queryset.filter(category=category)
    if domain:
        queryset = queryset.filter(document__domain=domain)
    return queryset


def row_of(finding: Finding) -> QualityRow:
    document = finding.document
    return QualityRow(
        severity=finding.severity,
        category=finding.category,
        code=finding.code,
        path=finding.path,
        doc_id=document.doc_id if document else "",
        title=document.title if document else finding.path,
        domain=document.domain if document else "",
        message=finding.message,
        next_action=finding.next_action,
        line=finding.line,
        url=document.get_absolute_url() if document else "",
    )


# --- computed at report time --------------------------------------------------------------


def _tasks_model(name: str):
    """A model of the work engine, or None while it is not installed."""
    try:
        return apps.get_model("tasks", name)
    except LookupError:
        return None


@dataclass(frozen=True)
class DocUse:
    """A workflow template depending on a doc: through a task's instruction doc, or as one
    of the process docs the template is defined by (`task` is then empty)."""

    template_slug: str
    template_name: str
    task: str
    doc: str

    @property
    def label(self) -> str:
        if self.task:
            return f"task “{self.task}” of template “{self.template_name}”"
        return f"template “{self.template_name}” (defined by)"


def template_doc_uses() -> list[DocUse]:
    """Every doc reference of the workflow templates, in two queries."""
    definitions, templates = _tasks_model("TaskDefinition"), _tasks_model("WorkflowTemplate")
    if definitions is None or templates is None:
        return []
    uses = [
        DocUse(slug, name, f"{title} ({ref})", doc)
        for slug, name, title, ref, doc in definitions.objects.exclude(instruction_doc="")
        .order_by("template__name", "position", "id")
        .values_list("template__slug", "template__name", "title", "ref", "instruction_doc")
    ]
    for slug, name, docs in templates.objects.order_by("name").values_list("slug", "name", "docs"):
        uses += [DocUse(slug, name, "", str(doc)) for doc in docs or [] if str(doc).strip()]
    return uses


def _template_url(slug: str) -> str:
    try:
        return reverse("tasks:template-detail", args=[slug])
    except NoReverseMatch:
        return ""


def workflow_rows() -> list[QualityRow]:
    """Template doc references that do not resolve, and docs templates depend on that miss
    metadata. A fixed number of queries whatever the number of templates."""
    uses = template_doc_uses()
    if not uses:
        return []
    documents = {
        doc.path: doc
        for doc in Document.objects.only(
            "path",
            "doc_id",
            "aliases",
            "title",
            "domain",
            "doc_type",
            "summary",
            "frontmatter",
            "skipped_reason",
        )
    }
    index = DocIndex.from_rows((d.path, d.doc_id, d.aliases) for d in documents.values())
    rows: list[QualityRow] = []
    users: dict[str, list[DocUse]] = {}
    for use in uses:
        resolution = resolve(use.doc, "", index)
        if resolution.path:
            users.setdefault(resolution.path, []).append(use)
        else:
            rows.append(_unresolved_row(use, resolution.problem or ""))
    for path, used_by in sorted(users.items()):
        row = _metadata_row(documents[path], used_by)
        if row is not None:
            rows.append(row)
    return rows


def _unresolved_row(use: DocUse, problem: str) -> QualityRow:
    return QualityRow(
        severity=BLOCKING,
        category=BROKEN_DOC,
        code="template-doc-missing",
        path="",
        doc_id=use.doc,
        title=f"Template “{use.template_name}”",
        domain="",
        message=f"The {use.label} links to `{use.doc}`, which does not resolve: {problem}",
        next_action=(
            f"Fix the doc reference in the template (YAML or Django admin), or create "
            f"the doc `{use.doc}`."
        )[:500],
        url=_template_url(use.template_slug),
    )


def _metadata_row(document: Document, used_by: list[DocUse]) -> QualityRow | None:
    missing = []
    if document.skipped_reason:
        missing.append(f"readable content ({document.skipped_reason})")
    if not document.summary:
        missing.append("summary")
    if document.doc_type in LINTED_TYPES and not (document.frontmatter or {}).get("owner"):
        missing.append("owner")
    if not missing:
        return None
    return QualityRow(
        severity=WARNING,
        category=METADATA,
        code="workflow-doc-metadata",
        path=document.path,
        doc_id=document.doc_id,
        title=document.title,
        domain=document.domain,
        message=(
            f"Workflows depend on this doc ({len(used_by)} use(s), e.g. the "
            f"{used_by[0].label}) but it has no {' and no '.join(missing)}."
        ),
        next_action="Add the missing frontmatter (`summary:`, `owner:`) so people opening it "
        "from a task know what it is for and who keeps it current.",
        url=document.get_absolute_url(),
    )


def _matches(row: QualityRow, *, severity: str, category: str, domain: str) -> bool:
    return (
        (not severity or row.severity == severity)
        and (not category or row.category == category)
        and (not domain or row.domain == domain)
    )


# --- the report -----------------------------------------------------------------------------


@dataclass
class Facet:
    value: str
    label: str
    count: int


@dataclass
class Report:
    page_obj: Page
    computed: list[QualityRow]
    severities: list[Facet]
    categories: list[Facet]
    domains: list[Facet]
    total: int


def report(
    *, severity: str = "", category: str = "", domain: str = "", page: str | int | None = None
) -> Report:
    """Everything the quality page shows, in a fixed number of queries."""
    chosen = {"severity": severity, "category": category, "domain": domain}
    extra = workflow_rows()
    shown_extra = [row for row in extra if _matches(row, **chosen)]
    page_obj = Paginator(findings(**chosen), PAGE_SIZE).get_page(page)
    return Report(
        page_obj=page_obj,
        computed=shown_extra,
        severities=_facet("severity", Finding.Severity.choices, chosen, extra),
        categories=_facet("category", Finding.Category.choices, chosen, extra),
        domains=_facet("domain", None, chosen, extra),
        total=page_obj.paginator.count + len(shown_extra),
    )


def _facet(name: str, choices, chosen: dict[str, str], extra: list[QualityRow]) -> list[Facet]:
    """Counts per value of `name`, under the other two filters (so each count is what
    choosing that value would show)."""
    others = {key: value for key, value in chosen.items() if key != name}
    column = "document__domain" if name == "domain" else name
    stored = _filtered(Finding.objects.all(), **others).values(column).annotate(n=Count("id"))
    counts = Counter({row[column] or "": row["n"] for row in stored})
    counts.update(getattr(row, name) for row in extra if _matches(row, **others, **{name: ""}))
    if choices is None:
        choices = [(value, value or "(no domain)") for value in sorted(counts)]
    return [Facet(value, label, counts.get(value, 0)) for value, label in choices]


def all_rows(*, severity: str = "", category: str = "", domain: str = "") -> list[QualityRow]:
    """The whole report as rows (stored findings, then computed ones), for `docs_quality`."""
    chosen = {"severity": severity, "category": category, "domain": domain}
    rows = [row_of(finding) for finding in findings(**chosen).iterator(chunk_size=2000)]
    rows += [row for row in workflow_rows() if _matches(row, **chosen)]
    return sorted(
        rows, key=lambda row: (SEVERITY_ORDER.index(row.severity), row.path, row.line or 0)
    )
