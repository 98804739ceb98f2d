"""The SOP block editor: edit one step, caption, section, group title or TODO in place.

Every form carries the doc's path, the blob sha the page was opened at and the head commit;
each action is one publish through `docs_app.editing` (commit as the user, push, reindex),
made on the version the page showed, so a change elsewhere in the doc meanwhile merges and
one to the same lines is the conflict page. A change that adds blocking lint findings lands
only with an explicit "publish anyway" (recorded in the audit event). The pages are plain
forms (post, then redirect back to the editor); inside the editor htmx boosts them and swaps
the page's main part, and `static/js/doc_editor.js` adds in-place editing, shortcuts, chip
inputs, drag and drop and image paste on top.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import has_role
from dataops.errors import ServiceError
from docs_app.editing import blocks as block_edits
from docs_app.editing.images import AddImage
from docs_app.editing.merge import unified_diff
from docs_app.editing.opening import BLOCKS, doc_for_edit, new_blocking_findings
from docs_app.editing.paths import check_body, check_doc_path, decode_existing
from docs_app.editing.publish import CONFLICT, UNCHANGED, Published, publish
from docs_app.editing.saving import SaveDoc, check_sha, save_edited
from docs_app.mirror import MirrorError
from docs_app.sop import parse
from docs_app.sop.lint import ALLOWED_ACTIONS
from docs_app.sop.tree import Group, Prose, Step, Todo
from docs_app.sync import open_mirror

ACTIONS = sorted(ALLOWED_ACTIONS)
LIST_FIELDS = ("tags", "systems", "related_docs")


def _require_editor(request: HttpRequest) -> None:
    if not has_role(request.user):
        raise PermissionDenied("Only operators and admins can edit docs.")


def raw_editor_url(path: str) -> str | None:
    """The raw Markdown editor of `path`, when that page is installed."""
    try:
        return reverse("docs:edit-raw") + "?" + urlencode({"path": path})
    except NoReverseMatch:
        return None


def editor_url(path: str, anchor: str = "", **query: str) -> str:
    url = reverse("docs:edit-sop") + "?" + urlencode({"path": path, **query})
    return url + (f"#{anchor}" if anchor else "")


# --- the page --------------------------------------------------------------------------------


@dataclass
class StepView:
    step_id: str
    body: str
    attrs: dict[str, str]
    systems: list[str]
    group: int | None
    position: int
    shots: list[dict] = field(default_factory=list)


def _step_view(step: Step, group: int | None, position: int, folder: str, refs: dict) -> StepView:
    shots = []
    for number, shot in enumerate(step.screenshots):
        ref = f"step:{step.id}/shot:{number}"
        image = shot.image
        src = ""
        if image is not None and "://" not in image.src:
            src = reverse(
                "docs:asset", args=[posixpath.normpath(posixpath.join(folder, image.src))]
            )
        shots.append(
            {"src": src, "alt": refs.get(f"{ref}/alt"), "caption": refs.get(f"{ref}/caption")}
        )
    attrs = step.attrs
    systems = [s.strip() for s in attrs.get("systems", "").split(",") if s.strip()]
    return StepView(step.id, step.body, attrs, systems, group, position, shots)


def _outline(path: str, text: str, refs: dict) -> dict:
    """What the template walks: sections, then the procedure's groups, steps, TODOs, prose."""
    document = parse(text)
    items: list[tuple[str, object]] = []
    group_index = -1
    counters = {"todo": 0, "prose": 0}
    positions: dict[int | None, int] = {}
    folder = posixpath.dirname(path)
    for group, part in document.procedure_blocks():
        if isinstance(part, Group):
            group_index += 1
            items.append(
                (
                    "group",
                    {"ref": f"group:{group_index}", "index": group_index, "title": part.title},
                )
            )
        elif isinstance(part, Todo | Prose):
            kind = "todo" if isinstance(part, Todo) else "prose"
            items.append((kind, refs[f"{kind}:{counters[kind]}"]))
            counters[kind] += 1
        elif isinstance(part, Step):
            key = group_index if group is not None else None
            position = positions.get(key, 0)
            positions[key] = position + 1
            items.append(("step", _step_view(part, key, position, folder, refs)))
    systems = document.data.get("systems") or []
    return {
        "sections": [info for info in refs.values() if info.kind == "section"],
        "items": items,
        "grouped": group_index >= 0,
        "has_steps": bool(document.steps()),
        "groups": [item[1] for item in items if item[0] == "group"],
        "frontmatter": document.data,
        "doc_systems": [str(s) for s in systems] if isinstance(systems, list) else [],
    }


@require_GET
def editor(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    path = request.GET.get("path", "")
    try:
        editable = doc_for_edit(path)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("docs:index")
    if editable.mode != BLOCKS:
        return render(
            request,
            "docs/edit/sop_raw_only.html",
            {
                "editable": editable,
                "raw_url": raw_editor_url(editable.path),
            },
        )
    refs = {info.ref: info for info in editable.blocks}
    context = {
        "editable": editable,
        "outline": _outline(editable.path, editable.text, refs),
        "actions": ACTIONS,
        "raw_url": raw_editor_url(editable.path),
        "undo": request.GET.get("undo", ""),
        "doc_url": reverse("docs:doc", args=[editable.path]),
    }
    return render(request, "docs/edit/sop_editor.html", context)


# --- saving ----------------------------------------------------------------------------------


def _publish_change(
    request: HttpRequest,
    change: Callable[[str], str],
    *,
    anchor: str = "",
    message: str = "",
    after: Callable[[Published], dict] | None = None,
) -> HttpResponse:
    """Apply `change` to the version the form started from and publish it (see module doc)."""
    _require_editor(request)
    path = request.POST.get("path", "")
    try:
        path = check_doc_path(path)
        save = save_edited(
            path, request.POST.get("base", ""), change, base_head=request.POST.get("head") or None
        )
        return _publish_save(request, save, anchor=anchor, message=message, after=after)
    except ServiceError as exc:
        return _refused(request, path, exc)


def _publish_save(request, save: SaveDoc, *, anchor="", message="", after=None) -> HttpResponse:
    base_text = _blob_text(save.base_blob, save.path)
    blocking = new_blocking_findings(save.path, base_text, save.text)
    anyway = request.POST.get("publish_anyway") == "1"
    if blocking and not anyway:
        return render(
            request,
            "docs/edit/sop_confirm.html",
            {
                "path": save.path,
                "findings": blocking,
                "diff": unified_diff(
                    base_text, save.text, before_name="before", after_name="after"
                ),
                "fields": [
                    (k, v)
                    for k, values in request.POST.lists()
                    if k not in ("csrfmiddlewaretoken", "publish_anyway")
                    for v in values
                ],
                "action": request.path,
                "editor_url": editor_url(save.path, anchor),
            },
        )
    extra = {"publish_anyway": [f"{v.rule}: {v.message}" for v in blocking]} if blocking else None
    result = publish(save, user=request.user, message=message, audit_extra=extra)
    if result.status == CONFLICT:
        return _conflict_page(request, result)
    level = messages.INFO if result.status == UNCHANGED else messages.SUCCESS
    messages.add_message(request, level, result.message)
    query = after(result) if after and result.commit else {}
    return redirect(editor_url(save.path, anchor, **query))


def _blob_text(blob: str, path: str) -> str:
    mirror = open_mirror()
    try:
        return decode_existing(mirror.read_blob(blob), path)
    finally:
        mirror.close()


def _refused(request: HttpRequest, path: str, exc: ServiceError) -> HttpResponse:
    text = exc.message
    if exc.code == "unparseable" and raw_editor_url(path):
        text += " Open the raw Markdown mode from the editor's toolbar."
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": False, "error": text}, status=400)
    messages.error(request, text)
    try:
        return redirect(editor_url(check_doc_path(path)))
    except ServiceError:
        return redirect("docs:index")


def _conflict_page(request: HttpRequest, result: Published) -> HttpResponse:
    conflict = result.conflict
    return render(
        request,
        "docs/edit/sop_conflict.html",
        {
            "conflict": conflict,
            "message": result.message,
            "editor_url": editor_url(conflict.path),
            "doc_url": reverse("docs:doc", args=[conflict.path]),
        },
        status=200 if request.htmx else 409,  # htmx swaps 2xx answers only
    )


@require_POST
def save_block(request: HttpRequest) -> HttpResponse:
    ref = request.POST.get("ref", "")
    value = request.POST.get("value", "").replace("\r\n", "\n")
    try:
        check_body(value, field="value")
    except ServiceError as exc:
        return _refused(request, request.POST.get("path", ""), exc)
    if not value.endswith("\n") and (
        ref.startswith("step:")
        and "/shot:" not in ref
        or ref.endswith("/caption")
        or ref.startswith(("section:", "prose:"))
    ):
        value += "\n"
    return _publish_change(
        request,
        lambda text: block_edits.block_replace(text, ref, value),
        anchor=_anchor(ref),
        message=request.POST.get("message", ""),
    )


def _anchor(ref: str) -> str:
    return "edit-" + ref.split("/", 1)[0].replace(":", "-")


@require_POST
def add_step(request: HttpRequest) -> HttpResponse:
    after = request.POST.get("after") or None
    body = request.POST.get("body", "").replace("\r\n", "\n").strip() or "New step."
    return _publish_change(
        request,
        lambda text: block_edits.step_add_after(text, after, body),
        anchor=f"edit-step-{int(after) + 1}" if after and after.isdigit() else "",
    )


@require_POST
def delete_step(request: HttpRequest) -> HttpResponse:
    step_id = request.POST.get("step", "")
    base = request.POST.get("base", "")
    return _publish_change(
        request,
        lambda text: block_edits.step_delete(text, step_id),
        after=lambda result: {"undo": base, "undo_step": step_id},
    )


@require_POST
def undo_delete(request: HttpRequest) -> HttpResponse:
    """Undo a step deletion: a new commit restoring the version before it (merged three-way
    with anything changed since)."""
    _require_editor(request)
    path = request.POST.get("path", "")
    try:
        restore = check_sha(request.POST.get("restore", ""), field="restore", what="version")
        path = check_doc_path(path)
        text = _blob_text(restore, path)
        save = SaveDoc(path, text, request.POST.get("base", ""), request.POST.get("head") or None)
        return _publish_save(request, save, message=f"Restore the deleted step of {path}")
    except ServiceError as exc:
        return _refused(request, path, exc)
    except (ValueError, OSError, MirrorError) as exc:
        return _refused(request, path, ServiceError(f"That version cannot be restored ({exc})."))


def _reordered(text: str, step_id: str, delta: int) -> str:
    order = [step.id for step in parse(text).steps()]
    if step_id not in order:
        raise ServiceError(f"The doc has no step {step_id!r} (any more).", code="gone")
    at = order.index(step_id)
    to = at + delta
    if not 0 <= to < len(order):
        raise ServiceError("The step is already at that end of the procedure.", code="bad_value")
    order[at], order[to] = order[to], order[at]
    return block_edits.steps_reorder(text, order)


@require_POST
def move_step(request: HttpRequest) -> HttpResponse:
    step_id = request.POST.get("step", "")
    delta = -1 if request.POST.get("direction") == "up" else 1
    return _publish_change(
        request, lambda text: _reordered(text, step_id, delta), anchor="procedure"
    )


@require_POST
def place_step(request: HttpRequest) -> HttpResponse:
    """Drag and drop: the step goes into `group` (blank: a flat procedure) at `position`."""
    step_id = request.POST.get("step", "")
    group_raw = request.POST.get("group", "")
    position_raw = request.POST.get("position", "0")
    if not position_raw.isdigit() or (group_raw and not group_raw.isdigit()):
        return _refused(
            request,
            request.POST.get("path", ""),
            ServiceError("Where should the step go? Give a group and a position."),
        )
    group = int(group_raw) if group_raw else None
    return _publish_change(
        request,
        lambda text: block_edits.step_move(text, step_id, group=group, position=int(position_raw)),
        anchor="procedure",
    )


@require_POST
def step_attributes(request: HttpRequest) -> HttpResponse:
    step_id = request.POST.get("step", "")
    action = request.POST.get("action", "").strip()
    if action and action not in ALLOWED_ACTIONS:
        return _refused(
            request,
            request.POST.get("path", ""),
            ServiceError(f"{action!r} is not an SOP action; choose one of {', '.join(ACTIONS)}."),
        )
    attrs = {
        "action": action,
        "tool": request.POST.get("tool", ""),
        "systems": ",".join(s.strip() for s in request.POST.getlist("systems") if s.strip()),
    }

    def change(text: str) -> str:
        allowed = parse(text).data.get("systems") or []
        unknown = [s for s in attrs["systems"].split(",") if s and s not in allowed]
        if unknown:
            raise ServiceError(
                f"{', '.join(unknown)} is not one of this doc's systems; add it to the doc's "
                "systems (frontmatter) first.",
                field="systems",
            )
        return block_edits.step_set_attributes(text, step_id, attrs)

    return _publish_change(request, change, anchor=f"edit-step-{step_id}")


def _chips(request: HttpRequest, name: str) -> list[str]:
    values = []
    for value in request.POST.getlist(name):
        for item in value.split(","):
            item = item.strip()
            if item and item not in values:
                values.append(item)
    return values


@require_POST
def frontmatter(request: HttpRequest) -> HttpResponse:
    fields = {
        key: request.POST.get(key, "").strip()
        for key in ("title", "doc_type", "summary", "owner")
        if key in request.POST
    }
    fields |= {key: _chips(request, key) for key in LIST_FIELDS if f"{key}_sent" in request.POST}
    return _publish_change(
        request, lambda text: block_edits.frontmatter_update(text, fields), anchor="frontmatter"
    )


@require_POST
def rename_group(request: HttpRequest) -> HttpResponse:
    ref = request.POST.get("ref", "")
    title = " ".join(request.POST.get("value", "").split())
    if not ref.startswith("group:") or not title:
        return _refused(
            request, request.POST.get("path", ""), ServiceError("Give the group a title.")
        )
    return _publish_change(
        request, lambda text: block_edits.block_replace(text, ref, title), anchor="procedure"
    )


@require_POST
def resolve_conflict(request: HttpRequest) -> HttpResponse:
    """The hand-merged text from the conflict page, saved against the current version."""
    _require_editor(request)
    path = request.POST.get("path", "")
    try:
        save = SaveDoc(
            path,
            request.POST.get("text", "").replace("\r\n", "\n"),
            request.POST.get("base", ""),
            request.POST.get("head") or None,
        )
        return _publish_save(request, save, message=request.POST.get("message", ""))
    except ServiceError as exc:
        return _refused(request, path, exc)


@require_POST
def upload_image(request: HttpRequest) -> HttpResponse:
    """A screenshot for one step: file button, paste or drop. JSON for the script, a
    redirect back to the editor for the plain form."""
    _require_editor(request)
    path = request.POST.get("path", "")
    step_id = request.POST.get("step", "")
    upload = request.FILES.get("image")
    try:
        if upload is None:
            raise ServiceError("Choose an image file to upload.", field="image")
        if upload.size > settings.DOCS_IMAGE_MAX_BYTES:
            raise ServiceError(
                f"The image is {upload.size:,} bytes; images are limited to "
                f"{settings.DOCS_IMAGE_MAX_BYTES:,} bytes.",
                field="image",
                code="too_large",
            )
        operation = AddImage(
            path,
            step_id,
            upload.read(),
            filename=upload.name or "",
            alt=request.POST.get("alt", "") or "Screenshot",
        )
        result = publish(operation, user=request.user)
    except ServiceError as exc:
        return _refused(request, path, exc)
    src = reverse("docs:asset", args=[operation.image_path])
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {
                "ok": True,
                "src": src,
                "message": result.message,
                "blob": result.blob,
                "head": result.commit,
            }
        )
    messages.success(request, result.message)
    return redirect(editor_url(operation.path, f"edit-step-{step_id}"))


@require_POST
def add_group(request: HttpRequest) -> HttpResponse:
    after = request.POST.get("after", "")
    title = request.POST.get("title", "")
    if after and not after.isdigit():
        return _refused(request, request.POST.get("path", ""), ServiceError("Which group?"))
    return _publish_change(
        request,
        lambda text: block_edits.group_add(text, title, after=int(after) if after else None),
        anchor="procedure",
    )


@require_POST
def delete_group(request: HttpRequest) -> HttpResponse:
    index = request.POST.get("group", "")
    if not index.isdigit():
        return _refused(request, request.POST.get("path", ""), ServiceError("Which group?"))
    return _publish_change(
        request, lambda text: block_edits.group_delete(text, int(index)), anchor="procedure"
    )
