"""Task pages and task actions.

Every action is one URL (``tasks/<pk>/<action>/``): GET shows it as a page of its own (so
everything works without JavaScript), POST runs the service. An htmx POST re-renders what
the place it came from needs (Home's lanes, the workflow's phases, a list row); a refusal
re-renders just that row with the message and the form open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from dataops.downloads import stored_file_response
from dataops.errors import ServiceError
from dataops.selectors import paginate
from tasks import forms as task_forms
from tasks import messages as texts
from tasks import selectors, services
from tasks.links import url_for
from tasks.models import ProofFile, Task, Workflow
from tasks.services.common import local_today
from tasks.views.common import (
    action_context,
    add_service_error,
    everyone_scope,
    first_error,
    home_url,
    lane_of,
    member_required,
    safe_next,
)


def _proof_input(form: task_forms.CompleteForm) -> services.ProofInput:
    return services.ProofInput(**form.proof())


def _complete(task, form, by):
    return services.task_complete(
        task=task, by=by, version=form.cleaned_data["version"], proof=_proof_input(form)
    )


def _resolve(task, form, by):
    return services.task_resolve_waiting(
        task=task, by=by, proof=_proof_input(form), version=form.cleaned_data["version"]
    )


def _wait(task, form, by):
    d = form.cleaned_data
    return services.task_mark_waiting(
        task=task,
        by=by,
        waiting_for=d["waiting_for"],
        follow_up_date=d["follow_up_date"],
        channel=d["channel"],
        note=d["note"],
        version=d["version"],
    )


def _follow_up(task, form, by):
    d = form.cleaned_data
    return services.task_follow_up_sent(
        task=task, by=by, next_follow_up=d["next_follow_up"], note=d["note"], version=d["version"]
    )


def _response(task, form, by):
    d = form.cleaned_data
    return services.task_response_received(task=task, by=by, note=d["note"], version=d["version"])


def _snooze(task, form, by):
    d = form.cleaned_data
    return services.task_snooze(
        task=task, by=by, until=d["until"], reason=d["reason"], version=d["version"]
    )


def _reassign(task, form, by):
    return services.task_reassign(
        task=task, by=by, assignee=form.person(), version=form.cleaned_data["version"]
    )


def _not_applicable(task, form, by):
    d = form.cleaned_data
    return services.task_close_not_applicable(
        task=task, by=by, reason=d["reason"], version=d["version"]
    )


def _reopen(task, form, by):
    d = form.cleaned_data
    return services.task_reopen(task=task, by=by, note=d["note"], version=d["version"])


def _proof(task, form, by):
    d = form.cleaned_data
    return services.task_add_proof(
        task=task, by=by, url=d["url"], note=d["note"], status=d["status"], version=d["version"]
    )


def _proof_file(task, form, by):
    return services.task_attach_proof_file(task=task, by=by, upload=form.cleaned_data["file"])


def _comment(task, form, by):
    return services.task_add_comment(task=task, by=by, text=form.cleaned_data["text"])


def _edit(task, form, by):
    d = form.cleaned_data
    return services.task_edit(
        task=task,
        by=by,
        version=d["version"],
        title=d["title"],
        description=d["description"],
        due_date=d["due_date"],
        instruction_doc=d["instruction_doc"],
        instruction_step=d["instruction_step"],
    )


@dataclass(frozen=True)
class TaskAction:
    name: str
    title: str
    form: type[forms.Form]
    run: Callable
    done: str
    intro: str = ""
    undo: bool = False
    multipart: bool = False


ACTIONS = {
    a.name: a
    for a in [
        TaskAction(
            "complete",
            "Complete",
            task_forms.CompleteForm,
            _complete,
            "Done: “{title}”.",
            "Add what the task needs as proof, then complete it.",
            undo=True,
            multipart=True,
        ),
        TaskAction(
            "resolve",
            "Resolve as done",
            task_forms.CompleteForm,
            _resolve,
            "Resolved: “{title}” is done.",
            "The wait ended with the work done.",
            undo=True,
            multipart=True,
        ),
        TaskAction(
            "wait",
            "Mark waiting",
            task_forms.WaitForm,
            _wait,
            "“{title}” is waiting.",
            "Park the task on someone and pick when to nudge.",
        ),
        TaskAction(
            "follow-up",
            "Follow-up sent",
            task_forms.FollowUpForm,
            _follow_up,
            "Follow-up recorded for “{title}”.",
            "You nudged them; when do you check again?",
        ),
        TaskAction(
            "response",
            "Response received",
            task_forms.NoteForm,
            _response,
            "“{title}” is back on your list.",
            "The wait is over; the task is back to do.",
        ),
        TaskAction(
            "snooze",
            "Snooze",
            task_forms.SnoozeForm,
            _snooze,
            "“{title}” snoozed.",
            "Move the due date, saying why.",
        ),
        TaskAction(
            "reassign", "Reassign", task_forms.ReassignForm, _reassign, "“{title}” reassigned."
        ),
        TaskAction(
            "not-applicable",
            "Close as not applicable",
            task_forms.NotApplicableForm,
            _not_applicable,
            "“{title}” closed as not applicable.",
            "Close it without proof, with one of the reasons its template allows.",
            undo=True,
        ),
        TaskAction("reopen", "Reopen", task_forms.NoteForm, _reopen, "“{title}” reopened."),
        TaskAction(
            "proof",
            "Save proof",
            task_forms.ProofForm,
            _proof,
            "Proof saved.",
            "Save a link, note or status now; complete the task later.",
        ),
        TaskAction(
            "proof-file",
            "Attach a file",
            task_forms.ProofFileForm,
            _proof_file,
            "File attached.",
            multipart=True,
        ),
        TaskAction("comment", "Comment", task_forms.CommentForm, _comment, "Comment added."),
        TaskAction("edit", "Edit task", task_forms.TaskEditForm, _edit, "Saved."),
    ]
}


def _form_kwargs(action: TaskAction, task: Task) -> dict:
    kwargs = {"task": task}
    if action.form is task_forms.ReassignForm:
        kwargs["users"] = selectors.assignable_users()
    return kwargs


@member_required
@require_http_methods(["GET", "POST"])
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS[action]
    task = get_object_or_404(Task.objects.select_related("workflow"), pk=pk)
    kwargs = _form_kwargs(spec, task)
    if request.method == "GET":
        form = (
            spec.form(initial={"version": task.version}, **kwargs)
            if "version" in spec.form.base_fields
            else spec.form(**kwargs)
        )
        if request.htmx and action_context(request) in ("home", "workflow", "list"):
            return _row_form(request, task, spec, form)
        return _action_page(request, task, spec, form)
    form = spec.form(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        try:
            result = spec.run(task, form, request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return _done(request, task, spec, result)
    return _refused(request, task, spec, form)


def _action_page(request, task, spec, form, status=200) -> HttpResponse:
    fallback = task.get_absolute_url()
    return render(
        request,
        "tasks/task_action.html",
        {
            "task": task,
            "action": spec,
            "form": form,
            "cancel_url": safe_next(request, fallback),
            "next": safe_next(request, fallback),
            "ctx": action_context(request),
        },
        status=status,
    )


def _row_form(request, task, spec, form) -> HttpResponse:
    """A small action form that opens inside its row (htmx)."""
    ctx = action_context(request)
    return render(
        request,
        "tasks/_row_form.html",
        {
            **row_context(request, ctx, lane_of(request)),
            "task": task,
            "action": spec,
            "row_form": form,
            "action_url": url_for(f"tasks:task-{spec.name}", task.pk),
        },
    )


def _done(request: HttpRequest, task: Task, spec: TaskAction, result) -> HttpResponse:
    """`result` is what the service returned: for undoable actions, the task as it is now
    (its new version goes into the toast's Undo form)."""
    text = spec.done.format(title=task.title)
    warning = (
        past_due_warning(result)
        if spec.name == "edit" and (result.due_date != task.due_date)
        else ""
    )
    ctx = action_context(request)
    if request.htmx and ctx in ("home", "workflow", "list"):
        return render_in_place(
            request,
            ctx,
            task_id=task.pk,
            message=f"{text} {warning}".strip(),
            undo_task=result if spec.undo else None,
        )
    messages.success(request, text)
    if warning:
        messages.warning(request, warning)
    return redirect(safe_next(request, task.get_absolute_url()))


def past_due_warning(task: Task) -> str:
    """A due date already past is allowed (work recorded late), but said: the task lands
    straight in Overdue."""
    if task.due_date >= local_today():
        return ""
    return texts.DUE_IN_PAST.format(title=task.title, date=f"{task.due_date:%a %-d %b %Y}")


def _refused(request, task, spec, form) -> HttpResponse:
    ctx = action_context(request)
    if request.htmx and ctx in ("home", "workflow", "list"):
        lane = lane_of(request)
        response = render(
            request,
            "tasks/_task_row.html",
            {
                **row_context(request, ctx, lane),
                "task": selectors.row_task(task_id=task.pk),
                "open": spec.name,
                "error": first_error(form),
                "values": request.POST,
                "action": spec,
                "row_form": form,
                "action_url": url_for(f"tasks:task-{spec.name}", task.pk),
            },
            status=422,
        )
        return reswap(retarget(response, f"#row-{lane}-{task.pk}"), "outerHTML")
    return _action_page(request, task, spec, form, status=422)


def row_context(request: HttpRequest, ctx: str, lane: str) -> dict:
    everyone = everyone_scope(request)
    return {
        "ctx": ctx,
        "lane": lane,
        "today": local_today(),
        "scope": "everyone" if everyone else "",
        "next_url": safe_next(request, home_url(everyone)),
    }


def render_in_place(
    request: HttpRequest, ctx: str, *, task_id: int, message: str, undo_task: Task | None = None
) -> HttpResponse:
    """After an htmx action: the region of the page it came from, plus a toast."""
    from tasks.views.home_views import board_context
    from tasks.views.workflow_views import workflow_board_context

    toast = {"toast": message, "undo_task": undo_task}
    if ctx == "home":
        everyone = everyone_scope(request)
        return render(
            request, "tasks/home.html#board-swap", {**board_context(request, everyone), **toast}
        )
    task = selectors.row_task(task_id=task_id)
    if ctx == "workflow" and task.workflow_id:
        return render(
            request,
            "tasks/workflow_detail.html#board-swap",
            {**workflow_board_context(request, task.workflow_id), **toast},
        )
    return render(
        request,
        "tasks/_task_row.html",
        {**row_context(request, "list", "list"), "task": task, **toast, "oob_toast": True},
    )


# --- pages -----------------------------------------------------------------------------------


@member_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    request.nav_section = "tasks"
    users = selectors.assignable_users()
    # Without any filter in the address the list opens on what is still to do; "Any status"
    # (an explicit empty status) shows closed work too.
    defaulted = not set(request.GET) - {"page"}
    params = request.GET.copy()
    if defaulted:
        params["status"] = "open"
    form = task_forms.TaskFilterForm(params, users=users)
    filters = form.cleaned_data if form.is_valid() else {}
    today = local_today()
    page = paginate(
        selectors.task_list(filters=filters, user=request.user, today=today),
        request.GET.get("page"),
    )
    page.object_list = selectors.decorate(list(page.object_list))
    workflow = (
        Workflow.objects.filter(pk=filters["workflow"]).first() if filters.get("workflow") else None
    )
    context = {
        "form": form,
        "page_obj": page,
        "today": today,
        "workflow": workflow,
        "filtered": not defaulted and any(filters.values()),
        "all_closed": defaulted and not page.object_list and Task.objects.exists(),
        **row_context(request, "list", "list"),
        "next_url": request.get_full_path(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "tasks/task_list.html#results", context)
    return render(request, "tasks/task_list.html", context)


@member_required
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.task_page(task_id=pk)
    task = page.task
    users = selectors.assignable_users()
    initial = {"version": task.version}
    return render(
        request,
        "tasks/task_detail.html",
        {
            "page": page,
            "task": task,
            "today": local_today(),
            "users": users,
            "complete_form": task_forms.CompleteForm(task=task, initial=initial),
            "wait_form": task_forms.WaitForm(task=task, initial=dict(initial)),
            "follow_up_form": task_forms.FollowUpForm(task=task, initial=dict(initial)),
            "snooze_form": task_forms.SnoozeForm(task=task, initial=dict(initial)),
            "reassign_form": task_forms.ReassignForm(
                task=task, users=users, initial={**initial, "assignee": str(task.assignee_id or "")}
            ),
            "na_form": task_forms.NotApplicableForm(task=task, initial=initial)
            if task.na_reasons
            else None,
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest) -> HttpResponse:
    """Quick create: a title, a due date and who does it. From Home it lands in a lane."""
    users = selectors.assignable_users()
    form = task_forms.TaskCreateForm(request.POST or None, users=users, me=request.user)
    ctx = action_context(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_create(
                title=data["title"],
                due_date=data["due_date"],
                assignee=form.person(),
                by=request.user,
                description=data["description"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return _created(request, task, ctx)
    status = 422 if request.method == "POST" else 200
    if request.htmx and ctx == "home" and request.method == "POST":
        from tasks.views.home_views import board_context

        response = render(
            request,
            "tasks/home.html#quick-task",
            {**board_context(request, everyone_scope(request), board=False), "task_form": form},
            status=status,
        )
        return reswap(retarget(response, "#quick-task"), "outerHTML")
    return render(request, "tasks/task_create.html", {"form": form}, status=status)


def _created(request: HttpRequest, task: Task, ctx: str) -> HttpResponse:
    text, warning = f"Added “{task.title}”.", past_due_warning(task)
    if request.htmx and ctx == "home":
        return render_in_place(
            request, "home", task_id=task.pk, message=f"{text} {warning}".strip()
        )
    messages.success(request, text)
    if warning:
        messages.warning(request, warning)
    if ctx == "home":
        return redirect(home_url(everyone_scope(request)))
    return redirect(task.get_absolute_url())


@member_required
@require_GET
def proof_file(request: HttpRequest, pk: int) -> FileResponse:
    """Proof files never get a public URL: members fetch them through this view."""
    proof = get_object_or_404(ProofFile, pk=pk)
    return stored_file_response(
        proof.file, name=proof.original_name, content_type=proof.content_type
    )
