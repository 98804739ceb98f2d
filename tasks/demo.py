"""Demo work for `make run`: workflows at different stages around today, so every lane of
Operations Home has something on first login. Idempotent: each demo workflow carries a
marker in its notes and is created once; demo-only, like all demo data.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from dataops.demo import ensure_demo_mode
from dataops.models import User
from tasks.models import RecurringRule, Task, Workflow, WorkflowTemplate
from tasks.services import (
    ProofInput,
    RuleInput,
    recurring_generate_one,
    recurring_rule_create,
    recurring_seed_load,
    task_close_not_applicable,
    task_complete,
    task_create,
    task_mark_waiting,
    templates_load,
    workflow_archive,
    workflow_start,
)
from tasks.services.common import local_today

# 1×1 transparent PNG: enough for a proof file that passes the content check.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
MARKER = "[demo:{key}]"


def sample_proof(task: Task) -> ProofInput:
    upload = (
        SimpleUploadedFile(f"{task.template_ref or 'proof'}.png", PNG, "image/png")
        if task.proof_kind == "file"
        else None
    )
    return ProofInput(
        url=f"https://example.org/demo/{task.template_ref or task.pk}",
        note="Done, see the link." if task.proof_kind == "note" else "",
        status=task.proof_label if task.proof_kind == "external_status" else "",
        file=upload,
        slots={
            name: f"https://example.org/demo/{task.pk}/{i}"
            for i, name in enumerate(task.required_slots)
        },
    )


def _complete_before(workflow: Workflow, day: date, by: User, skip: set[str]) -> int:
    done = 0
    for task in workflow.tasks.filter(status="todo", due_date__lt=day).order_by(
        "due_date", "position"
    ):
        if task.template_ref not in skip:
            task_complete(task=task, by=by, proof=sample_proof(task))
            done += 1
    return done


def _wait(workflow: Workflow, ref: str, by: User, who: str, follow_up: date) -> None:
    task = workflow.tasks.get(template_ref=ref)
    task_mark_waiting(
        task=task,
        by=by,
        waiting_for=who,
        follow_up_date=follow_up,
        channel="email",
        note="Asked by email.",
    )


def _start(key: str, slug: str, anchor: date, by: User, **title_values) -> Workflow | None:
    marker = MARKER.format(key=key)
    if Workflow.objects.filter(notes__contains=marker).exists():
        return None
    template = WorkflowTemplate.objects.get(slug=slug)
    return workflow_start(
        template=template,
        anchor_date=anchor,
        by=by,
        title_values=title_values,
        notes=f"Sample workflow for trying DataOps out {marker}.",
    )


def _podcast_in_setup(today: date, grace: User) -> Workflow | None:
    """Stream in 17 days: the Luma event is due today, the banner is late, a bio is awaited."""
    wf = _start(
        "podcast-setup",
        "podcast",
        today + timedelta(17),
        grace,
        topic="Data contracts in practice",
        guest="Maria Lopez",
    )
    if wf:
        _wait(wf, "add-guest-bio-to-document", grace, "Maria (bio and links)", today)
        _complete_before(wf, today - timedelta(1), grace, skip={"add-guest-bio-to-document"})
    return wf


def _podcast_after_stream(today: date, grace: User) -> Workflow | None:
    """Streamed three days ago: post-production is under way, one upload is overdue."""
    wf = _start(
        "podcast-after",
        "podcast",
        today - timedelta(3),
        grace,
        topic="Shipping ML models on a budget",
        guest="Arjun Mehta",
    )
    if wf:
        _complete_before(
            wf,
            today,
            grace,
            skip={
                "upload-recording-dropbox",
                "ask-guest-for-links",
                "create-transcript-document",
                "recheck-video-edit",
            },
        )
        _wait(wf, "ask-guest-for-links", grace, "Arjun's post-stream links", today + timedelta(2))
        _wait(
            wf,
            "create-transcript-document",
            grace,
            "the freelancer's transcript",
            today + timedelta(1),
        )
    return wf


def _newsletter(today: date, grace: User) -> Workflow | None:
    wf = _start("newsletter", "newsletter", today + timedelta(6), grace)
    if wf:
        no_book = wf.tasks.get(template_ref="fill-book-of-the-week-block")
        task_close_not_applicable(task=no_book, by=grace, reason="no book this week")
        _complete_before(wf, today - timedelta(1), grace, skip=set())
    return wf


def _tax_report_done(today: date, grace: User) -> Workflow | None:
    """Last month's tax report: finished and archived, with its history."""
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    wf = _start("tax-report", "tax-report", first, grace)
    if wf:
        _complete_before(wf, first + timedelta(30), grace, skip=set())
        workflow_archive(workflow=wf, by=grace, note="Sent to the accountants.")
    return wf


STANDALONE = [
    # title, due offset, assignee username ("" = unassigned)
    ("Renew the Zoom subscription", 0, ""),
    ("Send the sponsor deck to Acme Analytics", -2, "grace"),
    ("Check the community calendar for clashes next month", 2, "grace"),
    ("Reply to the meetup venue about the projector", 1, ""),
]


def _exists(title: str) -> bool:
    # JSON "contains" is not available on SQLite (the embedded mode): check tags in Python.
    return any("demo" in task.tags for task in Task.objects.filter(title=title, workflow=None))


def _standalone(today: date, grace: User, people: dict[str, User]) -> int:
    created = 0
    for title, offset, username in STANDALONE:
        if _exists(title):
            continue
        task_create(
            title=title,
            due_date=today + timedelta(offset),
            by=grace,
            assignee=people.get(username),
            tags=["demo"],
        )
        created += 1
    ask = "Ask Alexey about the course launch date"
    if not _exists(ask):
        task = task_create(
            title=ask, due_date=today - timedelta(1), by=grace, assignee=grace, tags=["demo"]
        )
        task_mark_waiting(
            task=task,
            by=grace,
            waiting_for="Alexey",
            follow_up_date=today + timedelta(1),
            channel="telegram",
        )
        created += 1
    return created


# Demo-only chores (the real ones come from tasks/seed/recurring.yaml): seed key, title,
# RRULE, days since the start, catch-up policy. Started in the past so the Recurring page
# shows history: their past occurrences are generated and the older ones completed.
DEMO_RULES = [
    ("demo-guest-pipeline", "Review the podcast guest pipeline", "FREQ=WEEKLY;BYDAY=FR", 28, "all"),
    (
        "demo-community-stats",
        "Post the monthly community stats",
        "FREQ=MONTHLY;BYDAY=1MO",
        70,
        "all",
    ),
    (
        "demo-subscriptions",
        "Check SaaS subscriptions and renewals",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        45,
        "latest",
    ),
    ("demo-plants", "Water the office plants", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", 30, "none"),
]


def _recurring(today: date, grace: User) -> int:
    created = 0
    for key, title, rrule, days_ago, policy in DEMO_RULES:
        if RecurringRule.objects.filter(seed_key=key).exists():
            continue
        rule = recurring_rule_create(
            data=RuleInput(
                title=title,
                rrule=rrule,
                start_date=today - timedelta(days=days_ago),
                catch_up=policy,
                shift="next",
                assignee=grace,
                tags=["demo"],
            ),
            by=grace,
            seed_key=key,
        )
        recurring_generate_one(schedule=rule)
        for task in rule.tasks.filter(due_date__lt=today - timedelta(days=1)):
            task_complete(task=task, by=grace, proof=sample_proof(task))
        created += 1
    return created


@transaction.atomic
def load(**kwargs) -> dict[str, int]:
    """Create the demo workflows and tasks (once); returns what was created."""
    ensure_demo_mode()
    if not WorkflowTemplate.objects.filter(slug="podcast").exists():
        templates_load()
    people = {
        u.username: u for u in User.objects.filter(username__in=["grace", "valeriia", "alexey"])
    }
    grace = people.get("grace") or User.objects.filter(is_superuser=True).first()
    today = local_today()
    started = [
        builder(today, grace)
        for builder in (_podcast_in_setup, _podcast_after_stream, _newsletter, _tax_report_done)
    ]
    recurring_seed_load(by=None)  # the real chores get their assignee once grace exists
    return {
        "workflows created": sum(1 for wf in started if wf),
        "standalone tasks created": _standalone(today, grace, people),
        "recurring rules created": _recurring(today, grace),
    }
