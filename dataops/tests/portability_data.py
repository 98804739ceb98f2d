"""One or more rows of every exported entity, made through the services where one exists."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def fill_every_entity() -> None:
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    from accounts.models import Invite
    from dataops.models import JobRun, User
    from dataops.services import audit_record, notify
    from docs_app.models import DocDraft, DocView, PinnedDoc
    from tasks import services
    from tasks.models import ClosureDay, TemplateSchedule, WorkflowTemplate
    from tasks.services.common import local_today
    from tasks.services.templates import SHIPPED_DIR

    admin = User.objects.create_user(username="ada", password="pw-Ada-2026", is_staff=True)
    admin.groups.add(Group.objects.get(name="admin"))
    grace = User.objects.create_user(username="grace", password="pw-Grace-2026", email="g@x.org")
    grace.groups.add(Group.objects.get(name="operator"))
    grace.user_permissions.add(Permission.objects.get(codename="view_task"))
    today = local_today()

    services.templates_load(paths=[SHIPPED_DIR / "podcast.yaml"])
    template = WorkflowTemplate.objects.get(slug="podcast")
    workflow = services.workflow_start(template=template, anchor_date=today, by=grace)
    task = services.task_create(title="Book the studio", due_date=today, by=grace, assignee=grace)
    upload = SimpleUploadedFile("banner.png", PNG, content_type="image/png")
    services.task_attach_proof_file(task=task, by=grace, upload=upload)
    services.task_add_comment(task=task, by=grace, text="Called, waiting for a reply")
    rule = services.recurring_rule_create(
        data=services.RuleInput(title="Water plants", rrule="FREQ=DAILY", start_date=today),
        by=admin,
    )
    services.recurring_generate(through=today + timedelta(days=2))
    TemplateSchedule.objects.create(template=template, rrule="FREQ=WEEKLY", start_date=today)
    ClosureDay.objects.create(date=date(today.year, 12, 24), reason="Christmas Eve")

    notify(recipients=[grace], kind="task_due", text="Due today", dedup_key=f"due:{task.pk}")
    audit_record(actor=admin, action="rule.create", target=rule, changes={"title": rule.title})
    # A retried run points at its retry, a later row: the import must not depend on row order.
    retry = JobRun.objects.create(kind="docs_sync", task_name="docs_app.tasks.sync_docs")
    failed = JobRun.objects.create(kind="docs_sync", task_name="docs_app.tasks.sync_docs")
    JobRun.objects.filter(pk=retry.pk).update(retried_as=failed, counts={"n": 1})
    Invite.objects.create(
        email="new@x.org",
        role="operator",
        invited_by=admin,
        expires_at=timezone.now() + timedelta(days=7),
    )
    EmailAddress.objects.create(user=grace, email="g@x.org", verified=True, primary=True)
    SocialAccount.objects.create(user=admin, provider="openid_connect", uid="ada-1")
    PinnedDoc.objects.create(user=grace, doc_id="SOP-001")
    DocView.objects.create(user=grace, doc_id="SOP-001")
    DocDraft.objects.create(user=grace, path="ops/a.md", base_blob="a" * 40, text="# Draft\n")
    _import_batch(task=task, by=admin)
    _telegram(linked=grace, by=admin)
    _notify_preference(grace)
    _podcast(workflow=workflow, task=task, by=grace)
    assert workflow.tasks.exists()


def _notify_preference(user) -> None:
    from datetime import time

    from dataops.notify.services import preferences_save

    preferences_save(
        user=user,
        disabled=["job_failed:email"],
        digest_hour=7,
        quiet_start=time(22),
        quiet_end=time(6, 30),
        time_zone="Europe/Berlin",
    )


def _import_batch(*, task, by) -> None:
    from tasks.models import ImportBatch

    batch = ImportBatch.objects.create(
        source="trello", external_id="b1", name="Board", created_by=by
    )
    batch.items.create(model="tasks.task", object_id=task.pk, external_id="card-1")


def _telegram(*, linked, by) -> None:
    from dataops.models import TelegramChat

    TelegramChat.objects.create(chat_id="-1001234", label="Podcast intake", created_by=by)
    linked.telegram_chat_id = "4242"
    linked.save(update_fields=["telegram_chat_id"])


def _podcast(*, workflow, task, by) -> None:
    from podcast.models import Episode, Guest, GuestFormLink, IntakeAttachment

    guest = Guest.objects.create(name="Ada Byron", email="ada@example.org", created_by=by)
    guest.events.create(actor=by, action="created", changes={"name": guest.name})
    episode = Episode.objects.create(working_title="Engines", workflow=workflow, owner=by)
    episode.guests.add(guest)
    item = guest.intake_items.create(
        source="form", text="Bio", episode=episode, converted_task=task
    )
    item.events.create(actor=by, action="attach", before={}, after={"guest": guest.pk})
    # No stored file: the archive tests count exactly one file (the proof file above).
    IntakeAttachment.objects.create(
        item=item, name="notes.png", size=len(PNG), sha256="0" * 64, content_type="image/png"
    )
    GuestFormLink.objects.create(guest=guest, episode=episode, nonce="n" * 32, item=item)
    _assistant(episode=episode, task=task, by=by)


def _assistant(*, episode, task, by) -> None:
    from podcast.models import AssistantArtifact, AssistantEvent, AssistantJob

    job = AssistantJob.objects.create(
        episode=episode,
        task=task,
        requested_by=by,
        inputs={"guests": [], "intake_items": []},
        status="waiting_approval",
        attempts=1,
    )
    AssistantEvent.objects.create(job=job, kind="created", actor=by, summary="Requested.")
    AssistantArtifact.objects.create(
        job=job, revision=1, markdown="# Prep", sha256="1" * 64, size=6, drafter="offline"
    )
