"""The intake inbox, an item's page, triage actions and undo.

Each action is one URL (``intake/<pk>/<action>/``): GET shows its form — inside the row for
htmx (the inbox's keyboard triage), as a page of its own without JavaScript — and POST runs
the service, then re-renders the row in place (htmx) or redirects back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataops.downloads import stored_file_response
from dataops.errors import ServiceError
from dataops.templatetags.dataops_tags import ago
from podcast.guest_form import answered_sections
from podcast.intake import forms as intake_forms
from podcast.intake import messages as texts
from podcast.intake import selectors, services
from podcast.models import IntakeAttachment, IntakeEvent, IntakeItem
from tasks.views.common import add_service_error, member_required, safe_next


def _row_template():
    # Jinja2 keeps the compiled template (see dataops/jinja.py).
    return engines["jinja2"].get_template("podcast/intake/row.html")


def _row_context(**extra) -> dict:
    return {"base": reverse("podcast:intake-inbox"), "ago": ago, **extra}


def render_rows(request: HttpRequest, items) -> SafeString:
    """The inbox's rows, drawn by Jinja2 (a page of fifty in a few milliseconds)."""
    template = engines["jinja2"].get_template("podcast/intake/rows.html")
    html = template.render(_row_context(items=items), request)
    # The Jinja2 environment autoescapes (dataops/jinja.py).
    return mark_safe(html)  # nosec B308 B703


def _options(choices: list[tuple[int, str]], selected: int | None) -> SafeString:
    """A filter select's options in one pass (a select of every guest stays cheap)."""
    html = "".join(
        f'<option value="{pk}"{" selected" if pk == selected else ""}>{escape(label)}</option>'
        for pk, label in choices
    )
    # Every label is escaped above.
    return mark_safe(html)  # nosec B308 B703


def _inbox_context(request: HttpRequest) -> dict:
    form = intake_forms.InboxFilterForm(request.GET or None)
    filters = form.filters() if request.GET else selectors.InboxFilters()
    page = selectors.inbox_page(filters, request.GET.get("page"))
    return {
        "filter_form": form,
        "filters": filters,
        "page_obj": page,
        "rows": render_rows(request, page.object_list),
        "guest_options": _options(selectors.guest_choices(), filters.guest),
        "episode_options": _options(selectors.episode_choices(), filters.episode),
    }


@member_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    context = _inbox_context(request)
    context["create_form"] = intake_forms.ManualItemForm()
    if request.htmx and request.htmx.target == "intake-results":
        return render(request, "podcast/intake/inbox.html#results", context)
    return render(request, "podcast/intake/inbox.html", context)


@member_required
@require_POST
def item_create(request: HttpRequest) -> HttpResponse:
    form = intake_forms.ManualItemForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            item = _create_manual(form, request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, texts.DONE["created"])
            return redirect(reverse("podcast:intake-detail", args=[item.pk]))
    context = _inbox_context(request) | {"create_form": form, "create_open": True}
    return render(request, "podcast/intake/inbox.html", context, status=400)


def _create_manual(form: intake_forms.ManualItemForm, by) -> IntakeItem:
    with transaction.atomic():
        item, _ = services.intake_create(
            source=IntakeItem.Source.MANUAL,
            text=form.cleaned_data["text"],
            from_name=form.cleaned_data["from_name"],
            links=form.link_list(),
            by=by,
        )
        if form.cleaned_data.get("file"):
            services.intake_add_attachment(item=item, upload=form.cleaned_data["file"], by=by)
    return item


@member_required
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_detail(pk)
    if item is None:
        raise Http404("No such intake item.")
    for event in item.events.all():
        event.label = texts.ACTION_LABELS.get(event.action, event.action)
    context = {
        "item": item,
        "undoable": services.UNDOABLE,
        "form_sections": answered_sections(item.fields) if item.source == "form" else [],
    }
    return render(request, "podcast/intake/detail.html", context)


@member_required
@require_GET
def item_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One inbox row as it is (closing an action form without saving)."""
    item = get_object_or_404(IntakeItem, pk=pk)
    return _render_row(request, item)


# --- triage actions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    form: type[forms.Form]
    run: Callable[[IntakeItem, forms.Form, object], object]
    initial: Callable[[IntakeItem, object], forms.Form] | None = None


def _attach(item, form, by):
    d = form.cleaned_data
    return services.intake_attach(item=item, by=by, guest=d["guest"], episode=d["episode"])


def _convert(item, form, by):
    return services.intake_convert_to_task(item=item, by=by, **form.cleaned_data)


def _convert_guest(item, form, by):
    return services.intake_convert_to_guest(item=item, by=by, **form.cleaned_data)


def _duplicate(item, form, by):
    return services.intake_mark_duplicate(item=item, by=by, original=form.original_item())


def _ignore(item, form, by):
    return services.intake_ignore(item=item, by=by, reason=form.cleaned_data["reason"])


def _triage(item, form, by):
    return services.intake_set_priority(
        item=item, by=by, priority=form.cleaned_data["priority"], tags=form.tag_list()
    )


def _triage_initial(item, user):
    return intake_forms.TriageForm(
        initial={"priority": item.priority, "tags": ", ".join(item.tags)}
    )


def _guest_initial(item, user):
    return intake_forms.ConvertGuestForm(
        initial={
            "name": item.from_name,
            "email": item.from_contact if "@" in item.from_contact else "",
        }
    )


ACTIONS = {
    a.key: a
    for a in (
        Action("attached", "Attach", intake_forms.AttachForm, _attach),
        Action(
            "converted_task",
            "Convert to a task",
            intake_forms.ConvertTaskForm,
            _convert,
            intake_forms.ConvertTaskForm.prefilled,
        ),
        Action(
            "converted_guest",
            "Convert to a new guest",
            intake_forms.ConvertGuestForm,
            _convert_guest,
            _guest_initial,
        ),
        Action("duplicate", "Mark duplicate", intake_forms.DuplicateForm, _duplicate),
        Action("ignored", "Ignore", intake_forms.IgnoreForm, _ignore),
        Action("triaged", "Priority and tags", intake_forms.TriageForm, _triage, _triage_initial),
    )
}
URL_ACTIONS = {
    "attach": "attached",
    "convert": "converted_task",
    "convert-guest": "converted_guest",
    "duplicate": "duplicate",
    "ignore": "ignored",
    "triage": "triaged",
}


def _action_context(item: IntakeItem, action: Action, form: forms.Form, slug: str) -> dict:
    form.auto_id = f"i{item.pk}-%s"  # unique ids: several rows may show a form
    context = {"item": item, "action": action, "form": form, "slug": slug}
    if action.key == "duplicate":
        context["choices"] = selectors.duplicate_choices(item)
    if action.key == "converted_task":
        context["guest_form"] = _guest_initial(item, None)
        context["guest_form"].auto_id = f"g{item.pk}-%s"
    return context


def _render_row(request, item: IntakeItem, *, status: int = 200, **extra) -> HttpResponse:
    context = _row_context(**extra, item=selectors.inbox_row(item.pk))
    return HttpResponse(_row_template().render(context, request), status=status)


def _show_form(request, item, action, form, slug, *, status=200) -> HttpResponse:
    context = _action_context(item, action, form, slug)
    if request.htmx:
        context.pop("item")
        return _render_row(request, item, status=status, open_form=True, inline=True, **context)
    return render(request, "podcast/intake/action.html", context, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def item_action(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    if slug not in URL_ACTIONS:
        raise Http404("No such action.")
    action = ACTIONS[URL_ACTIONS[slug]]
    item = get_object_or_404(IntakeItem, pk=pk)
    if request.method == "GET":
        form = action.initial(item, request.user) if action.initial else action.form()
        return _show_form(request, item, action, form, slug)
    form = action.form(request.POST)
    if form.is_valid():
        try:
            action.run(item, form, request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return _done(request, item, texts.DONE[action.key])
    return _show_form(request, item, action, form, slug, status=400)


def _done(request, item: IntakeItem, text: str) -> HttpResponse:
    if request.htmx:
        return _render_row(request, item, flash=text)
    messages.success(request, text)
    return redirect(safe_next(request, reverse("podcast:intake-detail", args=[item.pk])))


@member_required
@require_POST
def event_undo(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(IntakeEvent, pk=pk)
    try:
        undone = services.intake_undo(event=event, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, undone.message)
    return redirect(reverse("podcast:intake-detail", args=[event.item_id]))


@member_required
@require_GET
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    """Attachments never get a public URL: members fetch them through this view."""
    attachment = get_object_or_404(IntakeAttachment, pk=pk)
    return stored_file_response(
        attachment.file, name=attachment.name, content_type=attachment.content_type
    )
