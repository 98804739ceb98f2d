"""Views of the work engine (thin: parse, authorize, call one service, render)."""

from tasks.views.home_views import home

__all__ = ["home"]
