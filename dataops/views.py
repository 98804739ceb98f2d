"""Platform pages: login, health, job runs, failed jobs, notifications, audit log, errors."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from dataops import audit_csv, health, job_kinds, selectors, services
from dataops.demo import DEMO_PASSWORD, demo_logins
from dataops.errors import ServiceError
from dataops.forms import AuditFilterForm, JobFilterForm, LoginForm
from dataops.jobs import enqueue, queue_note
from dataops.models import JobRun
from dataops.roles import ADMIN_SITE_REFUSED, admin_required
from dataops.selectors import SETTLED


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            context["demo_logins"] = demo_logins()
            context["demo_password"] = DEMO_PASSWORD
        return context


@login_not_required
def admin_login_redirect(request: HttpRequest) -> HttpResponse:
    """The Django admin has no login page of its own; ours applies lockout and styling.

    A logged-in user who may not use the admin gets a 403: our login page would send them
    straight back here, for ever."""
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/admin/"
    if request.user.is_authenticated:
        if not admin.site.has_permission(request):
            raise PermissionDenied(ADMIN_SITE_REFUSED)
        return redirect(target)
    return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': target})}")


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Public liveness probe: 200 when the database answers, 503 otherwise. Nothing else."""
    if health.database_reachable():
        return JsonResponse({"status": "ok"})
    return JsonResponse({"status": "fail"}, status=503)


@admin_required
@require_GET
def health_page(request: HttpRequest) -> HttpResponse:
    """The page shell loads at once; the checks (up to ~2 s) arrive as a fragment."""
    context = {"results": None}
    if request.GET.get("inline") or request.htmx:
        results = health.run_all()
        context = {"results": results, "overall": health.overall(results)}
    if request.htmx:
        return render(request, "dataops/health.html#checks", context)
    return render(request, "dataops/health.html", context)


@admin_required
@require_POST
def health_selfcheck(request: HttpRequest) -> HttpResponse:
    from dataops.tasks import selfcheck

    run = enqueue(selfcheck, by=request.user, trigger=JobRun.Trigger.MANUAL)
    messages.info(
        request,
        f"Test job #{run.pk} queued{queue_note(run)}. It turns green here "
        "once a worker has run it.",
    )
    return redirect("job-detail", pk=run.pk)


@admin_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    form = JobFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    runs = selectors.job_runs(kind=filters.get("kind", ""), status=filters.get("status", ""))
    page = selectors.paginate(runs, request.GET.get("page"))
    context = {"form": form, "page_obj": page, "live": selectors.has_unsettled(page)}
    if _is_poll(request):  # the table of a page with runs still moving
        return render(request, "dataops/job_list.html#table", context)
    return render(request, "dataops/job_list.html", context | {"kinds": selectors.job_kinds()})


@admin_required
@require_GET
def failed_jobs(request: HttpRequest) -> HttpResponse:
    page = selectors.paginate(selectors.failed_job_runs(), request.GET.get("page"))
    return render(
        request,
        "dataops/failed_jobs.html",
        {
            "page_obj": page,
            "no_retry": job_kinds.runs_without_retry(page.object_list),
        },
    )


def _is_poll(request: HttpRequest) -> bool:
    """An htmx request of the page's own live part (not a boosted navigation)."""
    return bool(request.htmx) and not request.htmx.boosted


@admin_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The page of one run; while it is not settled its body polls this view (a partial)."""
    run = get_object_or_404(selectors.job_run_detail(), pk=pk)
    context = {"run": run, "no_retry": job_kinds.runs_without_retry([run])}
    if _is_poll(request):
        return _settled_trigger(render(request, "dataops/job_detail.html#run", context), run)
    return render(request, "dataops/job_detail.html", context)


@require_GET
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The live status of one run, for pages that queued it: admins, or whoever queued it."""
    run = get_object_or_404(selectors.job_run_detail(), pk=pk)
    if not (request.user.is_admin or run.triggered_by_id == request.user.pk):
        raise PermissionDenied("Only admins and the person who queued this run can see it.")
    response = render(request, "dataops/_job_status.html", {"run": run})
    return _settled_trigger(response, run) if _is_poll(request) else response


def _settled_trigger(response: HttpResponse, run: JobRun) -> HttpResponse:
    """Tell the page (htmx event `dataops:job-settled`) that the run it watches has ended,
    so other parts of the page that depend on it can refresh themselves."""
    if run.status in SETTLED:
        trigger_client_event(
            response, "dataops:job-settled", {"run": run.pk, "kind": run.kind, "status": run.status}
        )
    return response


def _job_action(request: HttpRequest, pk: int, action, done_text: str) -> HttpResponse:
    run = get_object_or_404(JobRun, pk=pk)
    try:
        result = action(run=run, by=request.user)
    except ServiceError as exc:
        if request.htmx:
            return render(
                request,
                "dataops/failed_jobs.html#row-error",
                {"run": run, "error": str(exc)},
                status=409,
            )
        messages.error(request, str(exc))
        return redirect(_back(request, run))
    if request.htmx:
        new_run = result if result.pk != run.pk else None
        return render(
            request,
            "dataops/failed_jobs.html#row-done",
            {"run": run, "new_run": new_run, "text": done_text.format(new=result.pk)},
        )
    messages.success(request, done_text.format(new=result.pk))
    if result.pk != run.pk:
        return redirect(result)  # the new run's page shows it moving
    return redirect(_back(request, run))


def _back(request: HttpRequest, run: JobRun) -> str:
    """Where a plain form post goes back to: the run's page when it came from there."""
    came_from = request.POST.get("next", "")
    if came_from == run.get_absolute_url():
        return came_from
    return resolve_url("failed-jobs")


@admin_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _job_action(request, pk, services.job_retry, "Retry queued as run #{new}.")


@admin_required
@require_POST
def job_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _job_action(request, pk, services.job_dismiss, "Dismissed.")


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = selectors.paginate(selectors.notifications_for(request.user), request.GET.get("page"))
    return render(request, "dataops/notifications.html", {"page_obj": page})


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; with ``open=1`` go on to what it links to."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("notifications")
    target = notification.link
    if (
        request.POST.get("open")
        and target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(target)
    if request.htmx:
        return render(request, "dataops/notifications.html#item", {"n": notification})
    return redirect("notifications")


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(
        request, f"Marked {count} notification(s) as read." if count else "Nothing unread."
    )
    return redirect("notifications")


@admin_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, filtered by person, kind and dates; `?format=csv` downloads every
    matching event (not just the page)."""
    form = AuditFilterForm(request.GET or None)
    form.is_valid()  # a wrong field is named on the page; the others still filter
    filters = getattr(form, "cleaned_data", {})
    events = selectors.audit_events(
        actor=filters.get("actor", ""),
        kind=filters.get("kind", ""),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    if request.GET.get("format") == "csv" and not form.errors:
        return audit_csv.response(events)
    people, kinds = selectors.audit_filter_choices()
    context = {
        "form": form,
        "page_obj": selectors.paginate(events, request.GET.get("page")),
        "people": people,
        "kinds": kinds,
        "filtered": any(filters.values()),
    }
    return render(request, "dataops/audit_log.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
