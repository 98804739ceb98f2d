"""Recurring work: the list (rules and automatic templates), a rule's page, the editor with
its live preview, and the controls (pause, resume, generate now, delete).

Controls are plain POST forms that also work as htmx requests: htmx gets the row back in
place with a toast; without JavaScript the browser is redirected back with a message.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataops.errors import ServiceError
from dataops.jobs import QUEUE_UNAVAILABLE_TEXT
from tasks import messages as texts
from tasks import permissions, services
from tasks import recurring_selectors as selectors
from tasks.models import RecurringRule, Schedule, TemplateSchedule
from tasks.recurring_forms import (
    Preview,
    RecurringRuleForm,
    schedule_preview,
    timezone_names,
)
from tasks.schedules import ScheduleError
from tasks.selectors import assignable_users
from tasks.services.common import local_today
from tasks.services.recurring import working_calendar
from tasks.services.schedules import schedule_title
from tasks.views.common import add_service_error, member_required, safe_next


def _in_recurring(request: HttpRequest) -> None:
    request.nav_section = "recurring"


@member_required
@require_GET
def recurring_list(request: HttpRequest) -> HttpResponse:
    _in_recurring(request)
    listing = selectors.recurring_list(today=local_today(), page_number=request.GET.get("page"))
    return render(
        request, "tasks/recurring_list.html", {"listing": listing, "page_obj": listing.page}
    )


@member_required
@require_GET
def recurring_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _in_recurring(request)
    page = selectors.rule_page(rule_id=pk, page_number=request.GET.get("page"))
    return render(
        request,
        "tasks/recurring_detail.html",
        {"page": page, "rule": page.rule, "page_obj": page.tasks},
    )


# --- the editor -------------------------------------------------------------------------------


def _editor(request: HttpRequest, rule: RecurringRule | None) -> HttpResponse:
    """GET shows the form; POST with `preview` re-renders it with the dates (no JavaScript
    needed); any other POST saves through the service."""
    _in_recurring(request)
    users = assignable_users()
    data = request.POST if request.method == "POST" else None
    prefill = {"title": request.GET.get("title", "")[:300]} if rule is None else {}
    form = RecurringRuleForm(data, users=users, rule=rule, initial=prefill)
    if data is not None and "preview" not in data and form.is_valid():
        try:
            saved = _save(request, form, rule)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            upcoming = saved.upcoming_due(saved.local_today(), 1, working_calendar())
            messages.success(
                request,
                texts.RULE_SAVED.format(
                    title=saved.title, next=f"{upcoming[0].due_date:%a %-d %b %Y}"
                )
                if upcoming
                else texts.RULE_SAVED_NO_NEXT.format(title=saved.title),
            )
            return redirect(saved)
    status = 422 if data is not None and "preview" not in data else 200
    return render(
        request,
        "tasks/recurring_form.html",
        {"form": form, "rule": rule, "preview": _preview_of(form), "timezones": timezone_names()},
        status=status,
    )


def _save(request: HttpRequest, form: RecurringRuleForm, rule: RecurringRule | None):
    if rule is None:
        return services.recurring_rule_create(data=form.rule_input(), by=request.user)
    return services.recurring_rule_edit(rule=rule, data=form.rule_input(), by=request.user)


def _preview_of(form: RecurringRuleForm) -> Preview | None:
    """A posted form previews what was typed; an edit opens with the stored rule's dates."""
    if form.is_bound:
        return form.preview()
    rule = form.rule
    if rule is None:
        return None
    try:
        parsed = rule.parsed()
    except ScheduleError:
        return None
    return schedule_preview(
        parsed, shift=rule.shift, checkpoint=rule.generated_through, window=None
    )


@member_required
@require_http_methods(["GET", "POST"])
def recurring_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@member_required
@require_http_methods(["GET", "POST"])
def recurring_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RecurringRule, pk=pk)
    permissions.check_manage_rule(request.user, rule)  # the form too, not only the save
    return _editor(request, rule)


@member_required
@require_GET
def recurring_preview(request: HttpRequest) -> HttpResponse:
    """The live preview (htmx, debounced): the editor's fields in, the sentence and the next
    six dates out. `rule` names the rule being edited, whose checkpoint the dates respect."""
    rule_id = request.GET.get("rule", "")
    rule = RecurringRule.objects.filter(pk=rule_id).first() if rule_id.isdigit() else None
    form = RecurringRuleForm(request.GET, users=[], rule=rule)  # people play no part here
    form.is_valid()
    return render(
        request, "tasks/_recurring_preview.html", {"form": form, "preview": form.preview()}
    )


# --- controls ---------------------------------------------------------------------------------


def _pause(schedule: Schedule, request: HttpRequest) -> str:
    services.schedule_pause(schedule=schedule, by=request.user)
    return texts.PAUSED.format(title=schedule_title(schedule))


def _resume(schedule: Schedule, request: HttpRequest) -> str:
    return services.schedule_resume(schedule=schedule, by=request.user).message


def _generate(schedule: Schedule, request: HttpRequest) -> str:
    queued = services.schedule_generate_now(schedule=schedule, by=request.user)
    if request.user.is_admin or queued.run.triggered_by_id == request.user.pk:
        request.queued_run = queued.run  # the row then follows the run live
    if queued.run.awaits_queue:
        text = texts.GENERATE_AWAITS_QUEUE
    else:
        text = texts.GENERATE_JOINED if queued.joined else texts.GENERATE_QUEUED
    return text.format(title=schedule_title(schedule), queue=QUEUE_UNAVAILABLE_TEXT)


CONTROLS: dict[str, Callable[[Schedule, HttpRequest], str]] = {
    "pause": _pause,
    "resume": _resume,
    "generate": _generate,
}


def _control(request: HttpRequest, schedule: Schedule, action: str, row: Callable) -> HttpResponse:
    try:
        message, ok = CONTROLS[action](schedule, request), True
    except ServiceError as exc:
        message, ok = str(exc), False
    if request.htmx:
        template = (
            "tasks/recurring_list.html#rule-row"
            if isinstance(schedule, RecurringRule)
            else "tasks/recurring_list.html#auto-row"
        )
        context = {"item": row(), "toast": message, "ok": ok, "oob_toast": True}
        context["queued_run"] = getattr(request, "queued_run", None)
        return render(request, template, context)
    (messages.success if ok else messages.error)(request, message)
    return redirect(safe_next(request, reverse("tasks:recurring-list")))


@member_required
@require_POST
def rule_control(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    rule = get_object_or_404(RecurringRule, pk=pk)
    return _control(request, rule, action, lambda: selectors.rule_row(rule_id=pk))


@member_required
@require_POST
def template_control(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    schedule = get_object_or_404(TemplateSchedule.objects.select_related("template"), pk=pk)
    return _control(
        request, schedule, action, lambda: selectors.template_schedule_row(schedule_id=pk)
    )


@member_required
@require_POST
def recurring_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RecurringRule, pk=pk)
    try:
        services.recurring_rule_delete(rule=rule, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect(rule)
    messages.success(request, texts.RULE_DELETED.format(title=rule.title))
    return redirect("tasks:recurring-list")
