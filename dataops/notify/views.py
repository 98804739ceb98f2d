"""The notification settings page: channels per rule, digest and quiet hours, a test
message, the last 20 deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dataops.errors import ServiceError
from dataops.notify import selectors, services
from dataops.notify.forms import PreferenceForm, channel_pairs
from dataops.notify.models import OutboxMessage
from dataops.notify.preferences import preference_for
from dataops.notify.rules import rules_for

SAVED = "Notification settings saved."


def notify_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    pref = preference_for(user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            on = set(request.POST.getlist("on"))
            known = channel_pairs(rules_for(user))
            try:
                services.preferences_save(
                    user=user,
                    disabled=[pair for pair in known if pair not in on],
                    **form.cleaned_data,
                )
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, SAVED)
                return redirect("notify-settings")
        return _page(request, form, status=400)
    form = PreferenceForm(
        initial={
            "digest_hour": pref.digest_hour,
            "quiet_start": pref.quiet_start,
            "quiet_end": pref.quiet_end,
            "time_zone": pref.time_zone,
        }
    )
    return _page(request, form)


def _page(request: HttpRequest, form: PreferenceForm, status: int = 200) -> HttpResponse:
    user = request.user
    return render(
        request,
        "notify/settings.html",
        {
            "form": form,
            "rules": selectors.rule_rows(user),
            "deliveries": selectors.recent_deliveries(user),
            "destination": selectors.where_it_goes(user),
        },
        status=status,
    )


@require_POST
def notify_test(request: HttpRequest) -> HttpResponse:
    """Send a test message now and show how it went."""
    try:
        row = services.send_test(user=request.user)
    except ServiceError as exc:
        result, ok = str(exc), False
    else:
        result, ok = _outcome(row)
    if request.htmx:
        return render(request, "notify/_test_result.html", {"result": result, "ok": ok})
    (messages.success if ok else messages.error)(request, result)
    return redirect("notify-settings")


def _outcome(row: OutboxMessage) -> tuple[str, bool]:
    channel = row.get_channel_display()
    if row.status == OutboxMessage.Status.SENT:
        return f"Test notification sent by {channel}.", True
    if row.status == OutboxMessage.Status.PENDING:
        return f"Not sent yet by {channel}: {row.error} It will be tried again.", False
    return f"The test notification could not be sent by {channel}: {row.error}", False
