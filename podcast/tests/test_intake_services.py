"""Intake services: creation (idempotent), attachments, every triage action, and undo."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dataops.errors import ServiceError
from dataops.models import AuditEvent
from podcast.intake import messages
from podcast.intake import services as s
from podcast.models import IntakeEvent, IntakeItem
from podcast.tests.intake_fixtures import *  # noqa: F403 (fixtures)
from tasks.models import Task
from tasks.services.common import local_today

pytestmark = pytest.mark.django_db
Status = IntakeItem.Status


def last_event(item) -> IntakeEvent:
    return item.events.order_by("-id").first()


def test_create_is_idempotent_on_source_and_external_id(operator):
    first, created = s.intake_create(
        source="telegram", external_id="chat-1:42", text="A guest idea", by=None
    )
    again, created_again = s.intake_create(
        source="telegram", external_id="chat-1:42", text="A guest idea (redelivered)", by=None
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert IntakeItem.objects.count() == 1
    assert IntakeItem.objects.get().text == "A guest idea"
    other, created_other = s.intake_create(
        source="email", external_id="chat-1:42", text="Same id, other source", by=None
    )
    assert created_other and other.pk != first.pk


def test_create_refuses_empty_text_and_non_web_links(operator):
    with pytest.raises(ServiceError, match="cannot be empty"):
        s.intake_create(source="manual", text="   ", by=operator)
    with pytest.raises(ServiceError, match="not a web address"):
        s.intake_create(source="manual", text="x", links=["javascript:alert(1)"], by=operator)
    assert not IntakeItem.objects.exists()


def test_create_writes_history_and_audit(make_item):
    item = make_item()
    assert last_event(item).action == "created"
    assert AuditEvent.objects.filter(action="intake.created", target_id=str(item.pk)).exists()


def test_attach_sets_guest_and_episode_and_records_before_after(
    make_item, operator, guest, episode
):
    item = make_item()
    s.intake_attach(item=item, by=operator, guest=guest, episode=episode)
    item.refresh_from_db()
    assert (item.status, item.guest, item.episode) == (Status.ATTACHED, guest, episode)
    event = last_event(item)
    assert event.action == "attached" and event.actor == operator
    assert event.before == {"status": "new", "guest_id": None, "episode_id": None}
    assert event.after == {"status": "attached", "guest_id": guest.pk, "episode_id": episode.pk}
    assert AuditEvent.objects.filter(action="intake.attached").count() == 1


def test_attach_needs_a_target(make_item, operator):
    with pytest.raises(ServiceError, match=messages.ATTACH_NEEDS_TARGET):
        s.intake_attach(item=make_item(), by=operator)


def test_convert_to_task_goes_through_the_work_engine(make_item, operator):
    item = make_item("Book the studio for Dana\nShe prefers mornings")
    prefill = s.prefilled_task(item)
    assert prefill["title"] == "Book the studio for Dana"
    assert f"From intake item #{item.pk}" in prefill["description"]
    task = s.intake_convert_to_task(
        item=item,
        by=operator,
        title=prefill["title"],
        due_date=local_today() + timedelta(days=2),
        assignee=operator,
        description=prefill["description"],
    )
    item.refresh_from_db()
    assert item.status == Status.CONVERTED and item.converted_task == task
    assert task.source == Task.Source.INTAKE and task.history.filter(action="created").exists()
    with pytest.raises(ServiceError, match="already converted"):
        s.intake_ignore(item=item, by=operator, reason="late")


def test_convert_to_guest_creates_the_guest(make_item, operator):
    item = make_item("Loves talking about lakehouses", from_name="Ola Nordmann")
    guest = s.intake_convert_to_guest(item=item, by=operator, name="Ola Nordmann")
    item.refresh_from_db()
    assert item.guest == guest and item.status == Status.CONVERTED
    assert guest.bio == "Loves talking about lakehouses" and guest.name_key == "ola nordmann"


def test_duplicate_refuses_itself_and_circles(make_item, operator):
    first, second = make_item("one"), make_item("two")
    with pytest.raises(ServiceError, match=messages.DUPLICATE_OF_ITSELF):
        s.intake_mark_duplicate(item=first, by=operator, original=first)
    s.intake_mark_duplicate(item=second, by=operator, original=first)
    with pytest.raises(ServiceError, match="itself a duplicate of this item"):
        s.intake_mark_duplicate(item=first, by=operator, original=second)
    second.refresh_from_db()
    assert second.status == Status.DUPLICATE and second.duplicate_of == first


def test_ignore_needs_a_reason_within_limit(make_item, operator):
    item = make_item()
    with pytest.raises(ServiceError, match=messages.REASON_REQUIRED):
        s.intake_ignore(item=item, by=operator, reason="  ")
    with pytest.raises(ServiceError, match="under 300"):
        s.intake_ignore(item=item, by=operator, reason="x" * 301)
    s.intake_ignore(item=item, by=operator, reason="Spam")
    item.refresh_from_db()
    assert (item.status, item.status_reason) == (Status.IGNORED, "Spam")


def test_priority_and_tags_triage_a_new_item(make_item, operator):
    item = make_item()
    s.intake_set_priority(item=item, by=operator, priority=2, tags=[" Data ", "data", "ml"])
    item.refresh_from_db()
    assert (item.status, item.priority, item.tags) == (Status.TRIAGED, 2, ["data", "ml"])
    with pytest.raises(ServiceError, match="low, normal or high"):
        s.intake_set_priority(item=item, by=operator, priority=7, tags=[])
    with pytest.raises(ServiceError, match="At most 10 tags"):
        s.intake_set_priority(item=item, by=operator, priority=1, tags=[str(n) for n in range(11)])


# --- undo ----------------------------------------------------------------------------------


def test_undo_restores_before_and_marks_the_event(make_item, operator, guest):
    item = make_item()
    s.intake_attach(item=item, by=operator, guest=guest)
    event = last_event(item)
    undone = s.intake_undo(event=event, by=operator)
    item.refresh_from_db()
    event.refresh_from_db()
    assert (item.status, item.guest) == (Status.NEW, None)
    assert event.undone_at is not None
    assert last_event(item).action == "undo"
    assert undone.message == "Undone: Attached."
    assert AuditEvent.objects.filter(action="intake.undo").exists()
    with pytest.raises(ServiceError, match=messages.UNDO_DONE_ALREADY):
        s.intake_undo(event=event, by=operator)


def test_undo_of_a_conversion_keeps_the_task_and_says_so(make_item, operator):
    item = make_item()
    task = s.intake_convert_to_task(
        item=item, by=operator, title="Call Dana", due_date=local_today()
    )
    undone = s.intake_undo(event=last_event(item), by=operator)
    item.refresh_from_db()
    assert item.converted_task is None and item.status == Status.NEW
    assert Task.objects.filter(pk=task.pk).exists()
    assert undone.message == messages.UNDO_TASK_KEPT.format(title="Call Dana")


def test_undo_is_refused_when_a_later_action_changed_the_item(make_item, operator, guest):
    item = make_item()
    s.intake_attach(item=item, by=operator, guest=guest)
    attached = last_event(item)
    s.intake_ignore(item=item, by=operator, reason="Not for us")
    with pytest.raises(ServiceError, match="undo the later actions first"):
        s.intake_undo(event=attached, by=operator)
    s.intake_undo(event=last_event(item), by=operator)  # the ignore, newest first
    s.intake_undo(event=attached, by=operator)
    item.refresh_from_db()
    assert (item.status, item.guest, item.status_reason) == (Status.NEW, None, "")


def test_creation_cannot_be_undone(make_item, operator):
    item = make_item()
    with pytest.raises(ServiceError, match=messages.UNDO_NOT_POSSIBLE):
        s.intake_undo(event=last_event(item), by=operator)


# --- attachments ---------------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_attachment_is_stored_under_a_random_name(make_item, operator, media):
    item = make_item()
    attachment = s.intake_add_attachment(
        item=item, upload=upload("Slides.pdf", b"%PDF-1.7 slides"), by=operator
    )
    assert attachment.name == "Slides.pdf" and attachment.size == 15
    assert attachment.content_type == "application/pdf" and len(attachment.sha256) == 64
    assert "Slides" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert attachment.file.name.startswith("intake/")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00", "looks like a program"),
        ("run.sh", b"echo hi", "looks like a program"),
        ("notes.txt", b"#!/bin/sh\nrm -rf /", "looks like a program"),
        ("photo.png", b"MZ\x90\x00 pretending", "looks like a program"),
        ("photo.png", b"GIF89a not a png", "does not look like a .png"),
        ("archive.rar", b"Rar!", "are not accepted"),
        ("empty.txt", b"", "is empty"),
    ],
)
def test_attachment_refusals(make_item, operator, media, name, content, message):
    with pytest.raises(ServiceError, match=message):
        s.intake_add_attachment(item=make_item(), upload=upload(name, content), by=operator)
    assert not list(media.rglob("*.*"))


def test_attachment_over_the_limit_is_refused(make_item, operator, media, settings):
    settings.INTAKE_MAX_ATTACHMENT_BYTES = 100
    with pytest.raises(ServiceError, match="attachments can be at most 100"):
        s.intake_add_attachment(item=make_item(), upload=upload("a.txt", b"x" * 101), by=operator)


def test_convert_to_guest_asks_before_making_a_lookalike(make_item, operator, guest):
    item = make_item("Dana again, from another address")
    with pytest.raises(ServiceError, match=r"already have \(Dana Reyes\)"):
        s.intake_convert_to_guest(item=item, by=operator, name="dana  REYES")
    item.refresh_from_db()
    assert item.status == Status.NEW
    made = s.intake_convert_to_guest(item=item, by=operator, name="Dana Reyes", confirmed=True)
    assert made.pk != guest.pk and made.events.filter(action="created").exists()
