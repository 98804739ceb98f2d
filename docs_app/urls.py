from django.urls import path, re_path

from docs_app.views import browse, downloads, quality, search, sync

app_name = "docs"

urlpatterns = [
    # A repository path ending in .md is always a document, whatever its folders are called.
    re_path(r"^(?P<path>.+\.md)$", browse.doc, name="doc"),
    path("", browse.index, name="index"),
    path("browse/<path:folder>/", browse.folder, name="folder"),
    path("id/<path:doc_id>", browse.doc_by_id, name="doc-by-id"),
    path("assets/<path:path>", browse.asset, name="asset"),
    path("files/<path:path>", downloads.download, name="download"),
    path("pins/", browse.pin_toggle, name="pin-toggle"),
    path("search/", search.search_page, name="search"),
    path("search/suggest/", search.suggest, name="suggest"),
    path("quick-open/", search.quickopen, name="quickopen"),
    path("quality/", quality.report, name="quality"),
    path("sync/", sync.sync_now, name="sync-now"),
    path("sync/state/", sync.sync_state, name="sync-state"),
    path("reclone/", sync.reclone, name="reclone"),
    path("webhook/", sync.webhook, name="webhook"),
]
