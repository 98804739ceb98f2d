"""Pages of the assistant: “Draft prep document” (episode and workflow task), the job page
with its live timeline and the actions its state allows, the edit form, the Markdown
download, the publish click, and the admins' jobs list."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataops.errors import ServiceError
from dataops.roles import admin_required
from dataops.selectors import paginate
from podcast.assistant import selectors, services
from podcast.assistant.models import AssistantJob
from podcast.assistant.states import ACTIVE
from podcast.guest_views import in_podcast
from podcast.models import Episode
from tasks.views.common import member_required

S = AssistantJob.Status
ACTION_DONE = {
    "approve": "Approved: the document is now the proof of “Create podcast document”.",
    "reject": "Rejected.",
    "cancel": "Canceled.",
    "retry": "Queued again.",
}
UNKNOWN_ACTION = "Unknown action."


def publish_available() -> bool:
    """Whether the docs publishing function exists (the button is hidden otherwise)."""
    try:
        from podcast.assistant.publish import publish_document  # noqa: F401
    except ImportError:
        return False
    return True


class StatusFilter(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any state"), *S.choices], label="State"
    )


class EditForm(forms.Form):
    markdown = forms.CharField(widget=forms.Textarea(attrs={"rows": 30}), label="Document")
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=1000, required=False)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _start(request: HttpRequest, episode: Episode, back: str) -> HttpResponse:
    try:
        job = services.job_create(episode=episode, by=request.user)
    except ServiceError as exc:
        running = services.open_job(episode)
        if running is not None:
            link = running.get_absolute_url()
            messages.error(request, format_html('{} <a href="{}">Open it</a>.', str(exc), link))
        else:
            messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, "Drafting the prep document: the timeline below shows its progress.")
    return redirect(job)


@member_required
@require_POST
def episode_draft(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=pk)
    return _start(request, episode, episode.get_absolute_url())


@member_required
@require_POST
def task_draft(request: HttpRequest, task_id: int) -> HttpResponse:
    from tasks.models import Task

    task = get_object_or_404(Task, pk=task_id)
    episode = (
        Episode.objects.filter(workflow_id=task.workflow_id).first() if task.workflow_id else None
    )
    if episode is None:
        messages.error(
            request,
            "This task's workflow belongs to no episode, so there is nothing to draft from.",
        )
        return redirect(task)
    return _start(request, episode, task.get_absolute_url())


@member_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    in_podcast(request)
    page = selectors.job_page(job_id=pk)
    return render(
        request,
        "podcast/assistant/job_detail.html",
        {
            "page": page,
            "job": page.job,
            "reject_form": ReasonForm(),
            "can_publish": publish_available(),
        },
    )


@member_required
@require_GET
def job_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The polling endpoint: the timeline (job + events, two queries). When the job's state
    differs from the one the page shows, the page reloads to show the artifact and actions."""
    job, events = selectors.timeline(pk)
    if request.GET.get("status") != job.status and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request,
        "podcast/assistant/_timeline.html",
        {"job": job, "events": events, "live": job.status in ACTIVE},
    )


@member_required
@require_POST
def job_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    job = get_object_or_404(AssistantJob, pk=pk)
    version = _version(request)
    try:
        if action == "approve":
            url = request.build_absolute_uri(job.get_absolute_url())
            services.job_approve(job=job, by=request.user, document_url=url, version=version)
        elif action == "reject":
            form = ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            if not form.is_valid():
                raise ServiceError("The reason is limited to 1,000 characters.", field="reason")
            services.job_reject(job=job, by=request.user, reason=reason, version=version)
        elif action == "cancel":
            services.job_cancel(job=job, by=request.user, version=version)
        elif action == "retry":
            services.job_retry(job=job, by=request.user, version=version)
        else:
            raise ServiceError(UNKNOWN_ACTION)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect(job)
    messages.success(request, ACTION_DONE[action])
    return redirect(job)


@member_required
@require_http_methods(["GET", "POST"])
def job_edit(request: HttpRequest, pk: int) -> HttpResponse:
    in_podcast(request)
    job = get_object_or_404(AssistantJob.objects.select_related("episode"), pk=pk)
    artifact = services.current_artifact(job)
    if artifact is None or job.status != S.WAITING_APPROVAL:
        messages.error(request, services.EDIT_ONLY_WAITING)
        return redirect(job)
    form = EditForm(
        request.POST or None,
        initial={"markdown": artifact.markdown, "base_revision": artifact.revision},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.artifact_edit(
                job=job,
                by=request.user,
                markdown=form.cleaned_data["markdown"],
                base_revision=form.cleaned_data["base_revision"],
            )
        except ServiceError as exc:
            form.add_error("markdown" if exc.field == "markdown" else None, str(exc))
        else:
            messages.success(request, f"Saved as revision {saved.revision}.")
            return redirect(job)
    status = 400 if form.errors else 200
    return render(
        request,
        "podcast/assistant/job_edit.html",
        {"job": job, "artifact": artifact, "form": form},
        status=status,
    )


@member_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(AssistantJob.objects.select_related("episode"), pk=pk)
    artifact = services.current_artifact(job)
    if artifact is None:
        messages.error(request, services.NO_ARTIFACT)
        return redirect(job)
    name = f"{services.path_hint(job)}-r{artifact.revision}.md"
    response = HttpResponse(artifact.markdown, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@member_required
@require_POST
def job_publish(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(AssistantJob, pk=pk)
    if not publish_available():
        messages.error(request, "Publishing to the docs is not available on this portal.")
        return redirect(job)
    try:
        job = services.job_publish(job=job, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Published to the docs as {job.published_path}.")
    return redirect(job)


@admin_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    in_podcast(request)
    form = StatusFilter(request.GET or None)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    context = {
        "form": form,
        "page_obj": paginate(selectors.job_list(status=status), request.GET.get("page")),
        "filtered": bool(status),
        "bad_filter": bool(request.GET.get("status")) and not form.is_valid(),
    }
    return render(request, "podcast/assistant/job_list.html", context)


# --- the panel other pages include -------------------------------------------------------


def panel_html(request: HttpRequest, *, episode: Episode | None, task=None) -> str:
    """“Draft prep document” with the latest job of the episode (a button and a line)."""
    if episode is None:
        return ""
    latest = selectors.latest_job(episode_id=episode.pk)
    return render_to_string(
        "podcast/assistant/_panel.html",
        {"episode": episode, "latest": latest, "task": task},
        request=request,
    )


def task_panel(request: HttpRequest, task) -> str:
    """The panel on the workflow task “Create podcast document” (settings.TASK_PAGE_PANELS)."""
    if task.template_ref != services.PREP_TASK_REF or not task.workflow_id:
        return ""
    episode = Episode.objects.filter(workflow_id=task.workflow_id).first()
    return panel_html(request, episode=episode, task=task)
