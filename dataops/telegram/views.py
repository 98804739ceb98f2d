"""The webhook (public, authenticated by its secret header), the admin Telegram page with
the chat allowlist, and the profile's Link Telegram panel."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dataops.roles import admin_required
from dataops.services import audit_record
from dataops.telegram import linking, selectors, updates
from dataops.telegram.forms import TelegramChatForm
from dataops.telegram.models import TelegramChat

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _refuse(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": reason}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Fail closed: nothing is read until the bot is configured and the secret matches."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not (settings.TELEGRAM_BOT_TOKEN and secret):
        return _refuse(503, "The bot is not configured.")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return _refuse(401, "Wrong or missing secret token.")
    limit = settings.TELEGRAM_MAX_UPDATE_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _refuse(413, f"Updates larger than {limit:,} bytes are refused.")
    body = request.read(limit + 1)
    if len(body) > limit:
        return _refuse(413, f"Updates larger than {limit:,} bytes are refused.")
    try:
        update = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _refuse(400, "The body is not JSON.")
    if (
        not isinstance(update, dict)
        or not isinstance(update.get("update_id"), int)
        or isinstance(update.get("update_id"), bool)
        or not 0 <= update["update_id"] < 2**62
    ):
        return _refuse(400, "The body is not a Telegram update (no integer update_id).")
    if b"\\u0000" in body:  # PostgreSQL stores no NUL character in JSON text
        return _refuse(400, "The update holds a NUL character.")
    updates.accept(update)
    return JsonResponse({"ok": True})


# --- admin page ------------------------------------------------------------------------------


@admin_required
@require_GET
def telegram_page(request: HttpRequest) -> HttpResponse:
    return _page(request, TelegramChatForm())


def _page(request: HttpRequest, form: TelegramChatForm, status: int = 200) -> HttpResponse:
    context = {"view": selectors.overview(), "form": form, "now": timezone.now()}
    return render(request, "telegram/page.html", context, status=status)


@admin_required
@require_POST
def chat_add(request: HttpRequest) -> HttpResponse:
    form = TelegramChatForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    chat = form.save(commit=False)
    chat.created_by = request.user
    chat.save()
    audit_record(
        actor=request.user,
        action="telegram.chat_allowed",
        target=chat,
        changes={"intake": chat.allow_intake, "status": chat.allow_status},
    )
    messages.success(request, f"{chat.label} may now talk to the bot.")
    return redirect("telegram:page")


@admin_required
@require_POST
def chat_remove(request: HttpRequest, pk: int) -> HttpResponse:
    chat = get_object_or_404(TelegramChat, pk=pk)
    audit_record(actor=request.user, action="telegram.chat_removed", target=chat)
    chat.delete()
    messages.success(request, f"{chat.label} was removed from the allowlist.")
    return redirect("telegram:page")


# --- the profile's Link Telegram panel ---------------------------------------------------------


def _panel(request: HttpRequest, **context) -> HttpResponse:
    context = {"user": request.user, "ready": selectors.bot_ready_for_linking(), **context}
    if request.htmx:
        return render(request, "telegram/_profile_panel.html", context)
    return render(request, "telegram/link.html", context)


@require_POST
def link_start(request: HttpRequest) -> HttpResponse:
    """A fresh one-time deep link for the logged-in user (10 minutes, single use)."""
    if not selectors.bot_ready_for_linking():
        return _panel(request, error="The Telegram bot is not set up yet; ask an admin.")
    token = linking.create_link_token(request.user)
    return _panel(
        request, deep_link=linking.deep_link(token), minutes=linking.TOKEN_MINUTES, token=token
    )


@require_POST
def unlink(request: HttpRequest) -> HttpResponse:
    if linking.unlink(request.user, by=request.user, via="profile"):
        messages.success(request, "Telegram is unlinked from your account.")
    request.user.refresh_from_db(fields=["telegram_chat_id"])
    if request.htmx:
        return _panel(request)
    return redirect("accounts:profile")
