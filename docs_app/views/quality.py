"""The process-quality report page (every logged-in user may read it)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from docs_app import quality
from docs_app.models import MirrorState


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    form = quality.QualityFilterForm(request.GET or None)
    filters = form.filters()
    context = {
        "form": form,
        "filters": filters,
        "report": quality.report(**filters, page=request.GET.get("page")),
        "mirror": MirrorState.objects.filter(pk=1).first(),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "docs_app/quality.html#results", context)
    return render(request, "docs_app/quality.html", context)
