"""Pages of the knowledge base: search, an episode with its transcript, questions like one,
and the "from past episodes" panel of a guest's or an episode's page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from podcast.guest_views import in_podcast
from podcast.kb import selectors
from podcast.kb.forms import KbSearchForm
from podcast.kb.models import KbQuestion
from podcast.models import Episode, Guest
from tasks.views.common import member_required


@member_required
@require_GET
def kb_search(request: HttpRequest) -> HttpResponse:
    in_podcast(request)
    form = KbSearchForm(request.GET)
    form.is_valid()
    filters = form.filters()
    if form.query:
        results = selectors.kb_search(form.query, filters)
    else:
        results = selectors.kb_listing(filters, page=form.page_number)
    context = {
        "form": form,
        "query": form.query,
        "results": results,
        "options": selectors.filter_options(),
        "filtered": bool(filters.active()),
        "page_obj": results.page,
    }
    if request.htmx:
        return render(request, "podcast/kb/search.html#results", context)
    return render(request, "podcast/kb/search.html", context)


@member_required
@require_GET
def kb_episode(request: HttpRequest, pk: int) -> HttpResponse:
    in_podcast(request)
    episode = selectors.episode_page(pk)
    if episode is None:
        raise Http404("No such episode in the knowledge base.")
    return render(request, "podcast/kb/episode.html", {"episode": episode})


@member_required
@require_GET
def kb_similar(request: HttpRequest, pk: int) -> HttpResponse:
    """Questions like one question (a full page, or the list for htmx)."""
    in_podcast(request)
    question = get_object_or_404(KbQuestion.objects.select_related("episode"), pk=pk)
    context = {"question": question, "similar": selectors.similar_questions(question)}
    if request.htmx:
        return render(request, "podcast/kb/similar.html#list", context)
    return render(request, "podcast/kb/similar.html", context)


RELATED_FOR = {
    "guest": (Guest, selectors.related_for_guest),
    "episode": (Episode, selectors.related_for_episode),
}


@member_required
@require_GET
def kb_related(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Past episodes and questions on a guest's or an episode's topic: the panel htmx loads
    into their page, or a page of its own without JavaScript."""
    in_podcast(request)
    if kind not in RELATED_FOR:
        raise Http404("Nothing to relate.")
    model, select = RELATED_FOR[kind]
    subject = get_object_or_404(model, pk=pk)
    context = {"related": select(subject), "subject": subject, "kind": kind}
    if request.htmx:
        return render(request, "podcast/kb/_related_results.html", context)
    return render(request, "podcast/kb/related.html", context)
