"""Demo data for `make run`: only ever loaded when DEMO_MODE is on."""

from django.conf import settings
from django.contrib.auth.models import Group

from dataops.models import ADMIN_GROUP, OPERATOR_GROUP, User
from dataops.roles import grant_role

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    # username, first, last, role, email
    ("grace", "Grace", "Ops", OPERATOR_GROUP, "grace@example.org"),
    ("valeriia", "Valeriia", "Newsletter", OPERATOR_GROUP, "valeriia@example.org"),
    ("alexey", "Alexey", "Founder", OPERATOR_GROUP, "alexey@example.org"),
    ("admin", "Ada", "Admin", ADMIN_GROUP, "admin@example.org"),
]


def demo_logins() -> list[tuple[str, str]]:
    """(username, role) pairs shown on the login page in demo mode."""
    return [(username, role) for username, _, _, role, _ in DEMO_USERS]


class DemoModeOff(Exception):
    """Raised when demo data is requested outside demo mode."""


def ensure_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise DemoModeOff("Demo data is only loaded with DEMO_MODE=1 (as `make run` sets it).")


def load_users() -> dict[str, int]:
    """Create the demo people (idempotent); passwords are reset to the demo password."""
    ensure_demo_mode()
    created = 0
    for username, first, last, role, email in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": email}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
        if not user.groups.filter(name=role).exists():
            Group.objects.get_or_create(name=role)
            grant_role(user, role)
    return {"users created": created}
