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

from dataops import health, selectors, services
from dataops.demo import DEMO_PASSWORD, demo_logins
from dataops.errors import ServiceError
from dataops.forms import JobFilterForm, LoginForm
from dataops.jobs import enqueue
from dataops.models import JobRun
from dataops.roles import ADMIN_SITE_REFUSED, admin_required


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
    messages.info(request, f"Test job #{run.pk} queued. It turns green in Job runs once a "
                           "worker has taken it.")
    return redirect("job-detail", pk=run.pk)


@admin_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    form = JobFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    runs = selectors.job_runs(kind=filters.get("kind", ""), status=filters.get("status", ""))
    return render(request, "dataops/job_list.html", {
        "form": form,
        "page_obj": selectors.paginate(runs, request.GET.get("page")),
        "kinds": selectors.job_kinds(),
    })


@admin_required
@require_GET
def failed_jobs(request: HttpRequest) -> HttpResponse:
    page = selectors.paginate(selectors.failed_job_runs(), request.GET.get("page"))
    return render(request, "dataops/failed_jobs.html", {"page_obj": page})


@admin_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(
        JobRun.objects.select_related("triggered_by", "dismissed_by", "retried_as"), pk=pk
    )
    return render(request, "dataops/job_detail.html", {"run": run})


def _job_action(request: HttpRequest, pk: int, action, done_text: str) -> HttpResponse:
    run = get_object_or_404(JobRun, pk=pk)
    try:
        result = action(run=run, by=request.user)
    except ServiceError as exc:
        if request.htmx:
            return render(request, "dataops/failed_jobs.html#row-error",
                          {"run": run, "error": str(exc)}, status=409)
        messages.error(request, str(exc))
        return redirect("failed-jobs")
    if request.htmx:
        return render(request, "dataops/failed_jobs.html#row-done",
                      {"run": run, "text": done_text.format(new=result.pk)})
    messages.success(request, done_text.format(new=result.pk))
    return redirect("failed-jobs")


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
    if request.POST.get("open") and target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if request.htmx:
        return render(request, "dataops/notifications.html#item", {"n": notification})
    return redirect("notifications")


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification(s) as read." if count
                     else "Nothing unread.")
    return redirect("notifications")


@admin_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    page = selectors.paginate(selectors.audit_events(), request.GET.get("page"))
    return render(request, "dataops/audit_log.html", {"page_obj": page})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
