"""Search: the results page, the top bar's suggestions as you type, and quick-open."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from docs_app import search, selectors
from docs_app.forms import SearchForm
from docs_app.views.browse import facet_groups

SUGGESTIONS = 6


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results = search.search(form.query, filters=form.search_filters(), page=form.page_number)
    context = {
        "form": form,
        "query": form.query,
        "results": results,
        "facet_groups": facet_groups(request, results.facets),
        "page_obj": results.page,
    }
    if request.htmx:
        return render(request, "docs_app/search.html#results", context)
    return render(request, "docs_app/search.html", context)


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The top ~6 hits for the top bar (an HTML fragment; empty for an empty query)."""
    form = SearchForm(request.GET)
    if not form.query:
        return HttpResponse("")
    results = search.search(
        form.query, per_page=SUGGESTIONS, highlights=False, facets=False, as_you_type=True
    )
    return render(request, "docs_app/_suggestions.html", {"query": form.query, "results": results})


@require_GET
def quickopen(request: HttpRequest) -> HttpResponse:
    """Docs matching title or path (JSON; an HTML fragment for htmx or `?format=html`).

    With no query it offers the user's recently viewed docs.
    """
    query = request.GET.get("q", "").strip()[:200]
    docs = selectors.quickopen(query) if query else selectors.recent_docs(request.user)
    if request.htmx or request.GET.get("format") == "html":
        return render(request, "docs_app/_quickopen.html", {"docs": docs, "query": query})
    return JsonResponse(
        {
            "query": query,
            "results": [
                {
                    "title": d.title,
                    "path": d.path,
                    "doc_id": d.doc_id,
                    "doc_type": d.doc_type,
                    "url": d.get_absolute_url(),
                }
                for d in docs
            ],
        }
    )
