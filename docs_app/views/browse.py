"""Browsing: the docs index, folder pages, doc pages (by path and by id), assets, pins."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from dataops.selectors import paginate
from docs_app import files, selectors, services
from docs_app.forms import DocFilterForm, PinForm
from docs_app.render import step_anchor
from docs_app.repo_paths import MirrorPaths
from docs_app.views.edit_common import can_edit

PER_PAGE = 25
FACETS = (
    ("domain", "domain", "Domain"),
    ("type", "doc_type", "Type"),
    ("tag", "tag", "Tag"),
    ("system", "system", "System"),
)
# A sandbox for SVGs opened directly: no scripts, no external loads.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def facet_groups(request: HttpRequest, facets: dict) -> list[dict]:
    """Each facet with its values, counts and the URL that toggles the value on or off."""
    pairs = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]
    groups = []
    for param, key, label in FACETS:
        others = [(k, v) for k, v in pairs if k != param]
        at = next((i for i, (k, _) in enumerate(pairs) if k == param), len(others))
        values = []
        for facet in facets.get(key, []):
            # The address without the page, and with this filter off, or set to this value
            # where the filter stood (as QueryDict would write it, without copying it).
            chosen = (
                others if facet.selected else [*others[:at], (param, facet.value), *others[at:]]
            )
            values.append({"facet": facet, "url": "?" + urlencode(chosen)})
        groups.append({"param": param, "label": label, "values": values})
    return groups


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = DocFilterForm(request.GET)
    filters = form.doc_filters()
    context = {
        "form": form,
        "filters": filters.active(),
        "page_obj": paginate(selectors.doc_list(filters), form.page_number, PER_PAGE),
        "facet_groups": facet_groups(request, selectors.facet_counts(filters)),
        "tree": selectors.folder_tree(),
    }
    if request.htmx:
        return render(request, "docs_app/index.html#browser", context)
    context |= {
        "pinned": selectors.pinned_docs(request.user),
        "recent": selectors.recent_docs(request.user),
        "sync": selectors.sync_status(with_runs=request.user.is_admin),
    }
    return render(request, "docs_app/index.html", context)


@require_GET
def folder(request: HttpRequest, folder: str) -> HttpResponse:
    folder = folder.strip("/")
    found = selectors.subfolders(folder) if files.is_safe_relative(folder) else None
    if found is None and MirrorPaths().is_folder(folder):
        found = ([], 0)  # a folder of the repository without docs: an empty folder page
    if found is None:
        raise Http404("No documents in this folder.")
    children, direct = found
    below = not direct  # a folder of folders lists everything under it
    context = {
        "folder": folder,
        "name": folder.rsplit("/", 1)[-1],
        "domain": folder.split("/", 1)[0],
        "breadcrumbs": selectors.folder_breadcrumbs(folder)[:-1],
        "can_edit": can_edit(request.user),
        "children": children,
        "below": below,
        "page_obj": paginate(
            selectors.folder_docs(folder, below=below), request.GET.get("page"), PER_PAGE
        ),
    }
    return render(request, "docs_app/folder.html", context)


@require_GET
def doc(request: HttpRequest, path: str) -> HttpResponse:
    page = selectors.doc_page(path, request.user) if files.is_safe_relative(path) else None
    if page is None and path.startswith("id/"):
        # `/docs/id/<old path>.md` matches the doc pattern first: it is a deep link by path.
        return doc_by_id(request, path.removeprefix("id/"))
    if page is None:
        return _moved_or_404(request, path)
    document = page.doc
    services.doc_view_record(user=request.user, doc_id=document.doc_id)
    context = {
        "page": page,
        "doc": document,
        "filename": path.rsplit("/", 1)[-1],
        "from_task": selectors.from_task(request.GET.get("from_task", "")),
        "can_edit": can_edit(request.user),
    }
    return render(request, "docs_app/doc.html", context)


def _moved_or_404(request: HttpRequest, path: str) -> HttpResponse:
    """A doc git saw renamed answers at its old URL with a permanent redirect (bookmarks and
    links elsewhere keep working)."""
    moved = selectors.moved_doc(path) if files.is_safe_relative(path) else None
    if moved is None:
        raise Http404("No document at this path.")
    query = request.META.get("QUERY_STRING", "")
    return redirect(moved.get_absolute_url() + (f"?{query}" if query else ""), permanent=True)


@require_GET
def doc_by_id(request: HttpRequest, doc_id: str) -> HttpResponse:
    """`/docs/id/<id or alias or path>[?step=N]` → the doc's path URL (the stable deep link)."""
    document, problem = selectors.doc_for_ref(doc_id)
    if document is None:
        raise Http404(problem)
    query = (
        urlencode({"from_task": request.GET["from_task"]}) if request.GET.get("from_task") else ""
    )
    step = request.GET.get("step", "")
    url = document.get_absolute_url() + (f"?{query}" if query else "")
    return redirect(url + (f"#{step_anchor(step)}" if step else ""))


@require_GET
def asset(request: HttpRequest, path: str) -> FileResponse:
    """An image of the mirror; anything else, or anything outside the content root, is 404."""
    content_type = files.image_type(path)
    resolved = files.safe_path(path) if content_type else None
    if resolved is None:
        raise Http404("No such image in the docs repository.")
    response = FileResponse(resolved.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if content_type == "image/svg+xml":
        response["Content-Security-Policy"] = SVG_POLICY
    return response


@require_POST
def pin_toggle(request: HttpRequest) -> HttpResponse:
    form = PinForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Which doc?", status=400)
    doc_id = form.cleaned_data["doc_id"]
    pinned = services.pin_toggle(user=request.user, doc_id=doc_id)
    if request.htmx:
        return render(request, "docs_app/doc.html#pin", {"doc_id": doc_id, "pinned": pinned})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "docs:index"
    return redirect(target)
