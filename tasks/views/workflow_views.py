"""Workflows: list, page (phases, link slots inline, stage, archive), start; templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataops.errors import ServiceError
from dataops.selectors import paginate
from tasks import forms as task_forms
from tasks import messages as texts
from tasks import selectors, services
from tasks.models import Workflow, WorkflowLinkSlot, WorkflowTemplate
from tasks.services.common import ANCHOR_RANGE_YEARS, date_range, local_today
from tasks.services.workflows import Started, same_anchor_workflows, workflow_start_once
from tasks.views.common import add_service_error, first_error, member_required


def _in_workflows(request: HttpRequest) -> None:
    request.nav_section = "workflows"


@member_required
@require_GET
def workflow_list(request: HttpRequest) -> HttpResponse:
    _in_workflows(request)
    templates = list(WorkflowTemplate.objects.order_by("name"))
    form = task_forms.WorkflowFilterForm(request.GET or None, templates=templates)
    filters = form.cleaned_data if form.is_valid() else {}
    today = local_today()
    workflows, risks = selectors.workflow_list(
        template=filters.get("template", ""),
        stage=filters.get("stage", ""),
        status=filters.get("status") or "active",
        risk=filters.get("risk", ""),
        today=today,
    )
    page = paginate(workflows, request.GET.get("page"))
    selectors.attach_progress(list(page))  # the page keeps these same objects
    for workflow in page:
        workflow.risk = risks.get(workflow.pk)
    context = {
        "form": form,
        "page_obj": page,
        "today": today,
        "filtered": any(v for k, v in filters.items() if k != "status"),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "tasks/workflow_list.html#results", context)
    return render(request, "tasks/workflow_list.html", context)


def workflow_board_context(request: HttpRequest, workflow_id: int) -> dict:
    today = local_today()
    page = selectors.workflow_page(workflow_id=workflow_id, today=today)
    return {
        "page": page,
        "workflow": page.workflow,
        "today": today,
        "ctx": "workflow",
        "lane": "wf",
        "next_url": page.workflow.get_absolute_url(),
    }


@member_required
@require_GET
def workflow_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _in_workflows(request)
    context = workflow_board_context(request, pk)
    context["stage_form"] = task_forms.StageForm(initial={"stage": context["workflow"].stage})
    return render(request, "tasks/workflow_detail.html", context)


@member_required
@require_http_methods(["GET", "POST"])
def workflow_slot(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    """One link slot: inline editor (htmx) or a page of its own; POST saves it."""
    _in_workflows(request)
    slot = get_object_or_404(
        WorkflowLinkSlot.objects.select_related("workflow"), pk=slot_pk, workflow_id=pk
    )
    editing = request.method == "GET" and request.GET.get("edit")
    form = task_forms.SlotForm(request.POST or None, initial={"url": slot.url})
    if request.method == "POST" and form.is_valid():
        try:
            slot = services.workflow_set_link_slot(
                workflow=slot.workflow,
                name=slot.name,
                url=form.cleaned_data["url"],
                by=request.user,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return _slot_saved(request, slot)
    status = 422 if request.method == "POST" else 200
    if request.htmx:
        partial = "slot-form" if editing or request.method == "POST" else "slot"
        return render(
            request,
            f"tasks/workflow_detail.html#{partial}",
            {"slot": slot, "workflow": slot.workflow, "form": form, "error": first_error(form)},
            status=status,
        )
    return render(request, "tasks/slot_edit.html", {"slot": slot, "form": form}, status=status)


def _slot_saved(request: HttpRequest, slot: WorkflowLinkSlot) -> HttpResponse:
    if request.htmx:
        context = workflow_board_context(request, slot.workflow_id)
        return render(
            request,
            "tasks/workflow_detail.html#slot-saved",
            {**context, "slot": slot, "toast": f"“{slot.name}” saved."},
        )
    messages.success(request, f"“{slot.name}” saved.")
    return redirect(slot.workflow)


@member_required
@require_POST
def workflow_stage(request: HttpRequest, pk: int) -> HttpResponse:
    workflow = get_object_or_404(Workflow, pk=pk)
    form = task_forms.StageForm(request.POST)
    if form.is_valid():
        try:
            services.workflow_change_stage(
                workflow=workflow,
                by=request.user,
                stage=form.cleaned_data["stage"],
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Stage changed.")
            return redirect(workflow)
    messages.error(request, first_error(form))
    return redirect(workflow)


@member_required
@require_POST
def workflow_archive(request: HttpRequest, pk: int) -> HttpResponse:
    workflow = get_object_or_404(Workflow, pk=pk)
    form = task_forms.ArchiveForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.workflow_archive(workflow=workflow, by=request.user, note=note)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"“{workflow.title}” archived with its open tasks.")
    return redirect(workflow)


@member_required
@require_http_methods(["GET", "POST"])
def workflow_start(request: HttpRequest) -> HttpResponse:
    """Template, anchor date, title from the convention, pre-filled link slots.

    htmx refreshes a part of the form as it changes (`partial`): the template-specific
    fields when the template changes, the preview when the anchor date or title parts do."""
    _in_workflows(request)
    templates = selectors.templates_for_start()
    data = request.POST if request.method == "POST" else None
    # GET parameters pre-fill the form (links from Home and templates, htmx refreshes).
    initial = {key: value for key, value in request.GET.items() if key != "partial" and value}
    form = task_forms.StartWorkflowForm(data, initial=initial, templates=templates)
    same_anchor = []
    if request.method == "POST" and form.is_valid():
        try:
            started = _start(request, form)
        except ServiceError as exc:
            if exc.code == "same_anchor":
                same_anchor = _same_anchor(form)
            else:
                add_service_error(form, exc)
        else:
            return _started(request, started)
    context = {
        "form": form,
        "templates": templates,
        "preview": _preview(form),
        "same_anchor": same_anchor,
    }
    partial = request.GET.get("partial") if request.htmx else None
    if partial in ("fields", "preview"):
        return render(request, f"tasks/workflow_start.html#{partial}", context)
    status = (409 if same_anchor else 422) if request.method == "POST" else 200
    return render(request, "tasks/workflow_start.html", context, status=status)


def _start(request: HttpRequest, form: task_forms.StartWorkflowForm) -> Started:
    data = form.cleaned_data
    return workflow_start_once(
        start_key=data["start_key"],
        allow_same_anchor=data["start_anyway"],
        template=data["template"],
        anchor_date=data["anchor_date"],
        by=request.user,
        title=data["title"],
        title_values=form.title_values(),
        slot_urls=form.slot_urls(),
        notes=data["notes"],
    )


def _same_anchor(form: task_forms.StartWorkflowForm) -> list[Workflow]:
    data = form.cleaned_data
    return same_anchor_workflows(data["template"], data["anchor_date"])


def _started(request: HttpRequest, started: Started) -> HttpResponse:
    workflow = started.workflow
    if started.created:
        messages.success(
            request, f"Started “{workflow.title}” with {workflow.tasks.count()} tasks."
        )
    else:
        messages.info(request, texts.START_RESUBMITTED.format(title=workflow.title))
    return redirect(workflow)


def _preview(form: task_forms.StartWorkflowForm) -> dict | None:
    """The title suggestion and the date span, shown before starting."""
    template = form.chosen
    values = form.data or form.initial
    anchor = values.get("anchor_date")
    try:
        anchor_date = form.fields["anchor_date"].clean(anchor)
    except ValidationError:  # a half-typed date simply shows no preview yet
        return None
    low, high = date_range(ANCHOR_RANGE_YEARS)
    if template is None or anchor_date is None or not low <= anchor_date <= high:
        return None
    preview = selectors.start_preview(
        template=template,
        anchor_date=anchor_date,
        values={k.removeprefix("title_"): values.get(k, "") for k in form.title_field_names},
    )
    typed = (values.get("title") or "").strip()
    if preview and typed:
        preview["title"] = typed[:300]
    return preview


@member_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    _in_workflows(request)
    return render(request, "tasks/template_list.html", {"templates": selectors.template_list()})


@member_required
@require_GET
def template_detail(request: HttpRequest, slug: str) -> HttpResponse:
    _in_workflows(request)
    return render(
        request, "tasks/template_detail.html", {"template": selectors.template_page(slug=slug)}
    )
