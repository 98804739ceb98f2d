"""The Django admin ("Setup") shares our login page: admins get in, a logged-in operator is
told no (403) instead of bouncing between the two login pages, anonymous people log in."""

from urllib.parse import parse_qs, urlsplit

import pytest

MAX_HOPS = 5


def _hops(client, url: str) -> list[tuple[int, str]]:
    """Follow redirects by hand, at most MAX_HOPS, so a loop fails the test instead of
    raising inside the test client."""
    chain = []
    for _ in range(MAX_HOPS):
        response = client.get(url)
        chain.append((response.status_code, url))
        if response.status_code not in (301, 302):
            return chain
        url = response["Location"]
    return chain


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/", "/admin/tasks/recurringrule/", "/admin/login/"])
def test_operator_gets_403_not_a_redirect_loop(operator_client, url):
    chain = _hops(operator_client, url)
    assert chain[-1][0] == 403, f"{url} went {chain}"
    assert len(chain) <= 3, f"{url} went {chain}"


@pytest.mark.django_db
def test_operator_403_page_is_the_designed_one_and_names_admins(operator_client):
    response = operator_client.get("/admin/", follow=True)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="error-page"' in page and "for admins" in page


@pytest.mark.django_db
def test_user_without_role_gets_403(client, outsider):
    client.force_login(outsider)
    assert _hops(client, "/admin/")[-1][0] == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_our_login_page_with_next(client):
    response = client.get("/admin/tasks/recurringrule/", follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/login/"
    final_url = urlsplit(response.redirect_chain[-1][0])
    assert parse_qs(final_url.query)["next"] == ["/admin/tasks/recurringrule/"]


@pytest.mark.django_db
def test_admin_reaches_setup(admin_client_):
    response = admin_client_.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/admin/"
    assert "DataOps setup" in response.content.decode()


@pytest.mark.django_db
def test_logged_in_admin_on_the_admin_login_url_goes_to_setup(admin_client_):
    response = admin_client_.get("/admin/login/?next=/admin/tasks/", follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/admin/tasks/"


@pytest.mark.django_db
def test_admin_login_redirect_refuses_foreign_next(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response.status_code == 302
    assert "evil" not in response["Location"]
