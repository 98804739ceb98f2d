"""Episodes: list (upcoming first), page (stream time on every clock, the Podcast workflow's
progress, risk, next task and links), create, edit, start the workflow, re-date it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dataops.errors import ServiceError
from dataops.selectors import paginate
from podcast import forms, selectors
from podcast import messages as texts
from podcast.guest_views import in_podcast
from podcast.models import Episode
from podcast.services import episodes as episode_services
from tasks.selectors import assignable_users
from tasks.services.common import local_today
from tasks.services.workflows import workflow_shift_preview
from tasks.views.common import add_service_error, member_required


@member_required
@require_GET
def episode_list(request: HttpRequest) -> HttpResponse:
    in_podcast(request)
    form = forms.EpisodeFilterForm(request.GET or None)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    context = {
        "form": form,
        "page_obj": paginate(selectors.episode_list(status=status), request.GET.get("page")),
        "filtered": bool(status),
        "today": local_today(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "podcast/episode_list.html#results", context)
    return render(request, "podcast/episode_list.html", context)


def _form(request: HttpRequest, episode: Episode | None = None) -> forms.EpisodeForm:
    return forms.EpisodeForm(
        request.POST or None,
        instance=episode,
        initial={} if episode else {"guests": request.GET.getlist("guest")[:10]},
        users=assignable_users(),
    )


@member_required
@require_http_methods(["GET", "POST"])
def episode_create(request: HttpRequest) -> HttpResponse:
    in_podcast(request)
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            episode = episode_services.episode_create(
                data=form.service_data(),
                guests=list(form.cleaned_data["guests"]),
                by=request.user,
                notes=form.cleaned_data.get("notes") or "",
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Episode “{episode.working_title}” added.")
            return redirect(episode)
    status = 422 if request.method == "POST" else 200
    return render(request, "podcast/episode_form.html", {"form": form}, status=status)


@member_required
@require_http_methods(["GET", "POST"])
def episode_edit(request: HttpRequest, pk: int) -> HttpResponse:
    in_podcast(request)
    episode = get_object_or_404(Episode, pk=pk)
    form = _form(request, episode)
    if request.method == "POST" and form.is_valid():
        try:
            moved = episode_services.episode_update(
                episode=episode,
                data=form.service_data(),
                guests=list(form.cleaned_data["guests"]),
                by=request.user,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Episode saved.")
            return redirect("podcast:episode-redate", pk) if moved else redirect(episode)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "episode": episode}
    return render(request, "podcast/episode_form.html", context, status=status)


@member_required
@require_GET
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    in_podcast(request)
    page = selectors.episode_page(episode_id=pk, today=local_today())
    anchor = selectors.stream_date(page.episode)
    workflow = page.workflow.workflow if page.workflow else None
    context = {
        "page": page,
        "episode": page.episode,
        "stream_day": anchor,
        "anchor_differs": bool(
            workflow and not workflow.is_archived and anchor and anchor != workflow.anchor_date
        ),
    }
    return render(request, "podcast/episode_detail.html", context)


@member_required
@require_POST
def episode_start_workflow(request: HttpRequest, pk: int) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=pk)
    try:
        workflow = episode_services.episode_start_workflow(episode=episode, by=request.user)
    except ServiceError as exc:
        if exc.code == "has_workflow":
            episode.refresh_from_db()
            link = episode.workflow.get_absolute_url() if episode.workflow else ""
            messages.error(request, format_html('{} <a href="{}">Open it</a>.', str(exc), link))
        else:
            messages.error(request, str(exc))
        return redirect(episode)
    messages.success(request, f"Started “{workflow.title}” with {workflow.tasks.count()} tasks.")
    return redirect(episode)


@member_required
@require_http_methods(["GET", "POST"])
def episode_redate(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the open tasks' dates before and after; POST: move them (and the anchor)."""
    in_podcast(request)
    episode = get_object_or_404(Episode.objects.select_related("workflow"), pk=pk)
    anchor = selectors.stream_date(episode)
    if request.method == "POST":
        try:
            shifts = episode_services.episode_redate_workflow(episode=episode, by=request.user)
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _moved(len(shifts)))
        return redirect(episode)
    if not episode.workflow or anchor is None:
        messages.error(
            request, texts.NO_WORKFLOW if not episode.workflow else texts.EPISODE_NEEDS_STREAM_DATE
        )
        return redirect(episode)
    workflow = episode.workflow
    differs = anchor != workflow.anchor_date
    shifts = workflow_shift_preview(workflow=workflow, new_anchor=anchor) if differs else []
    context = {
        "episode": episode,
        "workflow": workflow,
        "new_anchor": anchor,
        "differs": differs,
        "shifts": shifts,
        "closed": workflow.tasks.count() - len(shifts),
    }
    return render(request, "podcast/episode_redate.html", context)


def _moved(count: int) -> str:
    if not count:
        return "Moved the workflow's anchor date; no task was open."
    return f"Moved {count} open task{'s' if count != 1 else ''} and the anchor date."
