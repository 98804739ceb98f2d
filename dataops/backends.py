"""How a request finds its signed-in person."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from dataops.models import Notification, User


@cache
def _person_sql() -> str:
    user, notification = User._meta, Notification._meta
    recipient = notification.get_field("recipient").column
    read_at = notification.get_field("read_at").column
    # Table and column names come from the models; the id is a bound parameter.
    return (
        f"SELECT person.*, (SELECT COUNT(*) FROM {notification.db_table} n "  # nosec B608
        f"WHERE n.{recipient} = person.{user.pk.column} AND n.{read_at} IS NULL) "
        f"AS unread_count FROM {user.db_table} person WHERE person.{user.pk.column} = %s"
    )


class PortalBackend(ModelBackend):
    """Django's username and password backend. Loading the person of a session also counts
    their unread notifications in the same query: the bell on every page shows the number,
    and asking for it separately cost a second query on every page."""

    def get_user(self, user_id) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = list(User.objects.raw(_person_sql(), [pk]))
        if not found or not self.user_can_authenticate(found[0]):
            return None
        return found[0]


PORTAL_BACKEND = f"{PortalBackend.__module__}.{PortalBackend.__qualname__}"
# Sessions signed in before the portal had its own backend name Django's.
FORMER_BACKENDS = ("django.contrib.auth.backends.ModelBackend",)


class SessionBackendMiddleware:
    """Points sessions signed in through Django's own backend at `PortalBackend`, which
    replaced it, so nobody is signed out by the change. Runs after the session middleware
    and before anything reads `request.user`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a request with a session cookie: reading the session marks it accessed.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            session = request.session
            if session.get(BACKEND_SESSION_KEY) in FORMER_BACKENDS:
                session[BACKEND_SESSION_KEY] = PORTAL_BACKEND
        return self.get_response(request)
