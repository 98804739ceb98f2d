import pytest
from django.urls import reverse

from dataops.models import Notification
from dataops.services import notify


@pytest.mark.django_db
def test_same_event_notifies_each_person_once(operator, admin_user):
    for _ in range(3):
        notify(recipients=[operator, admin_user], kind="x", text="Hello", dedup_key="event:1")
    assert Notification.objects.filter(dedup_key="event:1").count() == 2


@pytest.mark.django_db
def test_bell_shows_unread_count(operator_client, operator):
    notify(recipients=[operator], kind="x", text="One", dedup_key="a")
    notify(recipients=[operator], kind="x", text="Two", dedup_key="b")
    page = operator_client.get("/").content.decode()
    assert "data-unread-count>2<" in page


@pytest.mark.django_db
def test_mark_read_and_all_read(operator_client, operator):
    first = Notification.objects.create(recipient=operator, kind="x", text="One", dedup_key="a")
    Notification.objects.create(recipient=operator, kind="x", text="Two", dedup_key="b")
    response = operator_client.post(
        reverse("notification-read", args=[first.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Mark read" not in response.content.decode()
    first.refresh_from_db()
    assert first.read_at is not None
    operator_client.post(reverse("notifications-read-all"))
    assert not Notification.objects.filter(recipient=operator, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_open_marks_read_and_follows_internal_links_only(operator_client, operator):
    inside = Notification.objects.create(
        recipient=operator, kind="x", text="a", dedup_key="a", link="/notifications/?x=1"
    )
    outside = Notification.objects.create(
        recipient=operator, kind="x", text="b", dedup_key="b", link="https://evil.example/"
    )
    r1 = operator_client.post(reverse("notification-read", args=[inside.pk]), {"open": "1"})
    assert r1["Location"] == "/notifications/?x=1"
    r2 = operator_client.post(reverse("notification-read", args=[outside.pk]), {"open": "1"})
    assert r2["Location"] == reverse("notifications")


@pytest.mark.django_db
def test_cannot_touch_someone_elses_notification(operator_client, admin_user):
    theirs = Notification.objects.create(recipient=admin_user, kind="x", text="t", dedup_key="t")
    response = operator_client.post(reverse("notification-read", args=[theirs.pk]), follow=True)
    assert "does not exist" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_list_has_an_empty_state(operator_client):
    assert "No notifications" in operator_client.get(reverse("notifications")).content.decode()


@pytest.mark.django_db
def test_list_says_when_and_what_in_words(operator_client, operator):
    from datetime import timedelta

    from django.utils import timezone

    Notification.objects.create(recipient=operator, kind="task_overdue", text="New", dedup_key="a")
    Notification.objects.create(
        recipient=operator,
        kind="follow_up_due",
        text="Old",
        dedup_key="b",
        created_at=timezone.now() - timedelta(hours=3),
    )
    page = operator_client.get(reverse("notifications")).content.decode()
    assert "just now · Task overdue" in page
    assert "3\xa0hours ago · Follow up due" in page
    assert "task_overdue" not in page and "0\xa0minutes" not in page
