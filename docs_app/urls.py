from django.urls import path, re_path

from docs_app.views import browse, downloads, edit_blocks, quality, search, sync

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
    path("edit/sop/", edit_blocks.editor, name="edit-sop"),
    path("edit/sop/block/", edit_blocks.save_block, name="edit-sop-block"),
    path("edit/sop/step/add/", edit_blocks.add_step, name="edit-sop-add"),
    path("edit/sop/step/delete/", edit_blocks.delete_step, name="edit-sop-delete"),
    path("edit/sop/step/undo/", edit_blocks.undo_delete, name="edit-sop-undo"),
    path("edit/sop/step/move/", edit_blocks.move_step, name="edit-sop-move"),
    path("edit/sop/step/place/", edit_blocks.place_step, name="edit-sop-place"),
    path("edit/sop/step/attributes/", edit_blocks.step_attributes, name="edit-sop-attrs"),
    path("edit/sop/group/", edit_blocks.rename_group, name="edit-sop-group"),
    path("edit/sop/frontmatter/", edit_blocks.frontmatter, name="edit-sop-frontmatter"),
    path("edit/sop/image/", edit_blocks.upload_image, name="edit-sop-image"),
    path("edit/sop/resolve/", edit_blocks.resolve_conflict, name="edit-sop-resolve"),
]
