"""The backend that loads a request's person counts their unread notifications in the same
query, and sessions signed in through Django's own backend stay signed in."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from dataops.backends import PORTAL_BACKEND, PortalBackend
from dataops.models import Notification
from dataops.services import notify

pytestmark = pytest.mark.django_db


def _notify(user, *keys):
    for key in keys:
        notify(recipients=[user], kind="test", text=f"About {key}", dedup_key=key)


def test_the_person_comes_with_their_unread_count(operator, admin_user):
    _notify(operator, "a", "b", "c")
    _notify(admin_user, "d")
    Notification.objects.filter(recipient=operator, dedup_key="b").update(read_at=timezone.now())
    loaded = PortalBackend().get_user(operator.pk)
    assert loaded == operator and loaded.username == "grace"
    assert loaded.unread_count == 2
    assert PortalBackend().get_user(str(admin_user.pk)).unread_count == 1


def test_no_person_for_a_bad_missing_or_inactive_id(operator):
    backend = PortalBackend()
    assert backend.get_user("not a number") is None
    assert backend.get_user(operator.pk + 1000) is None
    operator.is_active = False
    operator.save()
    assert backend.get_user(operator.pk) is None


def test_a_page_shows_the_count_without_a_query_of_its_own(operator, operator_client):
    _notify(operator, "a", "b")
    operator_client.get(reverse("notifications"))
    with CaptureQueriesContext(connection) as queries:
        page = operator_client.get(reverse("notifications")).content.decode()
    assert '<span class="badge-count" data-unread-count>2</span>' in page
    unread_counts = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT COUNT(*)") and '"read_at" IS NULL' in q["sql"]
    ]
    assert unread_counts == []


def test_logging_in_with_the_form_uses_the_portal_backend(operator):
    client = Client()
    response = client.post(reverse("login"), {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == PORTAL_BACKEND


def test_a_session_of_djangos_own_backend_stays_signed_in(operator):
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(operator.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = operator.get_session_auth_hash()
    session.save()
    client.cookies["sessionid"] = session.session_key
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    assert response.wsgi_request.user == operator
    assert client.session[BACKEND_SESSION_KEY] == PORTAL_BACKEND
