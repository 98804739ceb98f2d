"""Django admin: templates are edited here (with inlines); work records are read-only here,
because every change to a workflow or task goes through the services (and their history)."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count

from tasks.models import (
    ClosureDay,
    HistoryEvent,
    ProofFile,
    RecurringRule,
    Task,
    TaskDefinition,
    TemplateLinkSlot,
    TemplatePhase,
    TemplateReference,
    TemplateSchedule,
    Workflow,
    WorkflowTemplate,
)
from tasks.services import closure_day_delete, closure_day_save, template_record_admin_change


class PhaseInline(admin.TabularInline):
    model = TemplatePhase
    fields = ("position", "slug", "title", "stage")
    extra = 0


class LinkSlotInline(admin.TabularInline):
    model = TemplateLinkSlot
    fields = ("position", "name")
    extra = 0


class ReferenceInline(admin.TabularInline):
    model = TemplateReference
    fields = ("position", "title", "url")
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class TaskDefinitionInline(admin.TabularInline):
    """The ordered plan at a glance; the pencil opens a definition with all its fields."""

    model = TaskDefinition
    fields = (
        "position",
        "ref",
        "title",
        "offset_days",
        "phase",
        "milestone",
        "stage_on_complete",
        "assignee",
        "proof_kind",
        "proof_label",
        "instruction_doc",
        "instruction_step",
    )
    extra = 0
    show_change_link = True
    ordering = ("position", "id")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "phase":
            template_id = (request.resolver_match.kwargs or {}).get("object_id")
            kwargs["queryset"] = TemplatePhase.objects.filter(template_id=template_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(WorkflowTemplate)
class WorkflowTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "version", "automatic", "task_count", "updated_at")
    list_filter = ("kind", "automatic")
    search_fields = ("name", "slug", "description")
    readonly_fields = ("version", "updated_at")
    inlines = [PhaseInline, LinkSlotInline, ReferenceInline, TaskDefinitionInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "emoji", "description", "tags")}),
        ("Workflows started from it", {"fields": ("title_pattern", "default_assignee", "docs")}),
        (
            "Automatic start",
            {
                "fields": (
                    "automatic",
                    "schedule",
                    "schedule_time",
                    "schedule_timezone",
                    "catch_up",
                    "shift",
                    "lead_days",
                )
            },
        ),
        ("Version", {"fields": ("version", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tasks=Count("task_definitions"))

    @admin.display(ordering="tasks", description="tasks")
    def task_count(self, template) -> int:
        return template.tasks

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if template_record_admin_change(template=form.instance, by=request.user) and change:
            messages.info(
                request,
                f"“{form.instance}” is now version {form.instance.version}; "
                "workflows started earlier keep their version.",
            )


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(admin.ModelAdmin):
    list_display = ("ref", "title", "template", "offset_days", "phase", "proof_kind")
    list_filter = ("template",)
    search_fields = ("ref", "title", "instruction_doc")
    list_select_related = ("template", "phase")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        template_record_admin_change(template=obj.template, by=request.user)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Work records change through the pages (services write their history), not here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Workflow)
class WorkflowAdmin(ReadOnlyAdmin):
    list_display = ("title", "template", "template_version", "anchor_date", "stage", "status")
    list_filter = ("status", "stage", "template")
    search_fields = ("title",)
    date_hierarchy = "anchor_date"
    list_select_related = ("template",)


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "due_date", "assignee", "source", "workflow")
    list_filter = ("status", "source")
    search_fields = ("title", "template_ref")
    date_hierarchy = "due_date"
    list_select_related = ("assignee", "workflow")
    raw_id_fields = ("workflow", "assignee")


@admin.register(HistoryEvent)
class HistoryEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "task", "workflow")
    list_filter = ("action",)
    list_select_related = ("actor", "task", "workflow")
    raw_id_fields = ("task", "workflow")


@admin.register(ProofFile)
class ProofFileAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "task", "size", "sha256", "uploaded_by", "uploaded_at")
    list_select_related = ("task", "uploaded_by")


@admin.register(RecurringRule)
class RecurringRuleAdmin(ReadOnlyAdmin):
    """Rules are edited on the Recurring pages (validated, previewed and audited)."""

    list_display = (
        "title",
        "rrule",
        "enabled",
        "catch_up",
        "shift",
        "generated_through",
        "next_run_on",
        "assignee",
    )
    list_filter = ("enabled", "catch_up", "shift")
    search_fields = ("title", "seed_key")
    list_select_related = ("assignee",)


@admin.register(TemplateSchedule)
class TemplateScheduleAdmin(ReadOnlyAdmin):
    """Derived from the template's schedule when templates load; paused on Recurring."""

    list_display = ("template", "rrule", "enabled", "generated_through", "next_run_on")
    list_select_related = ("template",)


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    """Days nobody works besides weekends and public holidays: shifted chores avoid them."""

    list_display = ("date", "reason", "created_by")
    fields = ("date", "reason")
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        closure_day_save(closure=obj, by=request.user)

    def delete_model(self, request, obj):
        closure_day_delete(closure=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for closure in queryset:
            closure_day_delete(closure=closure, by=request.user)
