"""The parts of every page drawn by Jinja2: the top bar, messages and shortcuts dialog
(`{% chrome %}`), a page's busy parts (`{% jinja_part %}`) and the `url()` they call."""

import pytest
from django.contrib import messages
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
from django.utils.html import format_html

from dataops.jinja import url, url_or_none

pytestmark = pytest.mark.django_db


def test_the_top_bar_follows_the_viewer(operator_client, admin_client_):
    operator_page = operator_client.get("/").content.decode()
    assert 'class="topbar"' in operator_page
    assert reverse("health") not in operator_page  # admin links are for admins
    assert "<small>Operator</small>" in operator_page
    admin_page = admin_client_.get("/").content.decode()
    assert f'href="{reverse("health")}"' in admin_page
    assert f'href="{reverse("portability:exports")}"' in admin_page
    assert "<small>Admin</small>" in admin_page


def test_the_section_of_the_page_is_marked_active(operator_client):
    page = operator_client.get(reverse("tasks:task-list")).content.decode()
    tasks_link = (
        f'<a href="{reverse("tasks:task-list")}" class="nav-link is-active" aria-current="page">'
    )
    assert tasks_link in page
    assert f'<a href="{reverse("home")}" class="nav-link">Home</a>' in page


def test_the_data_link_is_active_on_the_data_pages(admin_client_):
    exports = reverse("portability:exports")
    page = admin_client_.get(exports).content.decode()
    assert f'<a href="{exports}" class="nav-link is-active" aria-current="page">Data</a>' in page
    home = admin_client_.get(reverse("home")).content.decode()
    assert f'<a href="{exports}" class="nav-link">Data</a>' in home


def test_messages_and_unread_count_show(operator, operator_client):
    from dataops.services import notify

    notify(recipients=[operator], kind="test", text="Hello", dedup_key="k1")
    page = operator_client.get(reverse("notifications")).content.decode()
    assert '<span class="badge-count" data-unread-count>1</span>' in page
    assert 'aria-label="Notifications, 1 unread"' in page

    request = RequestFactory().get("/")
    request.user = operator
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    messages.error(request, "Could not <save> Ana's doc")
    messages.success(request, format_html('Queued as <a href="{}">run #{}</a>.', "/jobs/7/", 7))
    html = render_to_string("base.html", request=request)
    assert '<div class="message message-error" role="alert">' in html
    # Escaped as Django templates escape, and a message built with format_html keeps its link.
    assert "Could not &lt;save&gt; Ana&#x27;s doc" in html
    assert 'Queued as <a href="/jobs/7/">run #7</a>.' in html


def test_the_base_renders_without_a_request():
    html = render_to_string("base.html", {})
    assert 'class="skip-link"' in html
    assert 'class="topbar"' not in html  # nobody is signed in
    assert 'id="messages"' in html


def test_an_unknown_chrome_part_is_a_template_error():
    template = Template('{% load jinja_parts %}{% chrome "footer" %}')
    with pytest.raises(TemplateSyntaxError, match="unknown part 'footer'"):
        template.render(Context({}))


def test_url_follows_the_script_prefix():
    assert url("home") == "/"
    set_script_prefix("/ops/")
    try:
        assert url("home") == "/ops/"
        assert url("tasks:task-detail", 7) == "/ops/tasks/7/"
    finally:
        set_script_prefix("/")
    assert url("home") == "/"
    assert url_or_none("no-such-page") is None
