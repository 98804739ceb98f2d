"""Values every page needs: the navigation, the unread count, the viewer's role."""

from functools import cache

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

# (label, url name, namespace or url name that marks it active, "g <key>" shortcut)
SECTIONS = [
    ("Home", "home", "home", "h"),
    ("Workflows", "tasks:workflow-list", "workflows", "w"),
    ("Tasks", "tasks:task-list", "tasks", "t"),
    ("Recurring", "tasks:recurring-list", "recurring", "r"),
    ("Podcast", "podcast:episode-list", "podcast", "p"),
    ("Docs", "docs:index", "docs", "d"),
]


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@cache
def _existing_sections() -> tuple[tuple[str, str, str, str], ...]:
    """Sections whose page exists: the bar grows as the apps gain pages."""
    found = []
    for label, name, section, key in SECTIONS:
        url = _url_or_none(name)
        if url:
            found.append((label, url, section, key))
    return tuple(found)


def _active_section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return getattr(request, "nav_section", "") or (
        "home" if match.url_name == "home" else match.namespace
    )


def _unread_count(user) -> int:
    """Counted with the person as the request loaded them (dataops.backends), or now."""
    known = getattr(user, "unread_count", None)
    if known is not None:
        return known
    return user.notifications.filter(read_at__isnull=True).count()


def portal(request):
    user = getattr(request, "user", None)  # absent when a middleware answers early
    active = _active_section(request)
    sections = _existing_sections()
    nav = [
        {"label": label, "url": url, "key": key, "active": section == active}
        for label, url, section, key in sections
    ]
    authenticated = getattr(user, "is_authenticated", False)
    return {
        "portal": {
            "org_name": settings.ORG_NAME,
            "nav": nav,
            "nav_shortcuts": {key: url for _, url, _, key in sections},
            "search_url": _url_or_none("docs:search"),
            "suggest_url": _url_or_none("docs:suggest"),
            "quickopen_url": _url_or_none("docs:quickopen"),
            "demo_mode": settings.DEMO_MODE,
            "is_admin": SimpleLazyObject(lambda: authenticated and user.is_admin),
            "unread_count": SimpleLazyObject(lambda: _unread_count(user) if authenticated else 0),
        }
    }
