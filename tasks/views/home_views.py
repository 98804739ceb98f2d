"""Operations Home: what needs action today, acted on in place."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tasks import forms as task_forms
from tasks import home_selectors, selectors
from tasks.services.common import local_today
from tasks.views.common import NO_ROLE, everyone_scope, home_url, is_member


def board_context(request: HttpRequest, everyone: bool, *, board: bool = True) -> dict:
    """What the board and its in-place rows need; `board=False` skips the lanes."""
    today = local_today()
    return {
        "board": home_selectors.home_board(user=request.user, today=today, everyone=everyone)
        if board
        else None,
        "today": today,
        "ctx": "home",
        "scope": "everyone" if everyone else "",
        "next_url": home_url(everyone),
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not is_member(request.user):
        return render(request, "tasks/home_no_role.html", {"message": NO_ROLE})
    everyone = everyone_scope(request)
    context = board_context(request, everyone)
    if request.htmx and request.GET.get("partial") == "board":
        return render(request, "tasks/home.html#board-swap", context)
    users = selectors.assignable_users()
    context.update(
        task_form=task_forms.TaskCreateForm(users=users, me=request.user),
        start_templates=selectors.templates_for_start(),
        counters=home_selectors.home_counters(request.user),
        can_see_everyone=request.user.is_admin,
    )
    return render(request, "tasks/home.html", context)
