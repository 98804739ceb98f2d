"""People without a role: their waiting page, and the admins' list with a Grant button."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts import messages
from dataops.models import AuditEvent

pytestmark = pytest.mark.django_db
QUERIES = 5  # user with the unread count, admin check, people, their SSO accounts, SSO apps


def test_admins_see_who_is_waiting(admin_client_, outsider, operator):
    page = admin_client_.get(reverse("accounts:people-waiting")).content.decode()
    assert "mallory" in page and "Grant" in page
    assert "Grace Hopper" not in page


def test_nobody_waiting_has_a_designed_empty_state(admin_client_):
    assert (
        "Nobody is waiting"
        in admin_client_.get(reverse("accounts:people-waiting")).content.decode()
    )


def test_granting_a_role_lets_the_person_in(admin_client_, admin_user, outsider, client):
    response = admin_client_.post(
        reverse("accounts:role-grant", args=[outsider.pk]), {"role": "operator"}, follow=True
    )
    assert "mallory is now an operator." in response.content.decode()
    assert list(outsider.groups.values_list("name", flat=True)) == ["operator"]
    assert AuditEvent.objects.filter(
        action="user.role_granted", actor=admin_user, target_id=str(outsider.pk)
    ).exists()
    assert "mallory" not in admin_client_.get(reverse("accounts:people-waiting")).content.decode()
    client.force_login(outsider)
    assert client.get(reverse("accounts:waiting"))["Location"] == "/"


def test_granting_twice_is_refused_with_a_message(admin_client_, operator):
    response = admin_client_.post(
        reverse("accounts:role-grant", args=[operator.pk]), {"role": "admin"}, follow=True
    )
    assert messages.ROLE_ALREADY.format(name="Grace Hopper") in response.content.decode()
    assert not operator.is_admin


def test_an_unknown_role_is_refused(admin_client_, outsider):
    response = admin_client_.post(
        reverse("accounts:role-grant", args=[outsider.pk]), {"role": "owner"}, follow=True
    )
    assert "Choose a role to grant." in response.content.decode()
    assert not outsider.groups.exists()


def test_operators_cannot_grant_or_list(operator_client, outsider):
    assert operator_client.get(reverse("accounts:people-waiting")).status_code == 403
    assert (
        operator_client.post(
            reverse("accounts:role-grant", args=[outsider.pk]), {"role": "admin"}
        ).status_code
        == 403
    )
    assert not outsider.groups.exists()


def test_the_waiting_page_explains_what_happens_next(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("accounts:waiting")).content.decode()
    assert "Waiting for access" in page and "no role yet" in page


def test_the_waiting_list_pins_its_query_count(
    admin_client_, make_user, oidc, django_assert_num_queries
):
    def add_sso_people(count):
        for _ in range(count):
            person = make_user(f"waiting{SocialAccount.objects.count()}", None)
            SocialAccount.objects.create(user=person, provider="acme", uid=person.username)

    add_sso_people(2)
    with django_assert_num_queries(QUERIES) as few:
        page = admin_client_.get(reverse("accounts:people-waiting")).content.decode()
    assert page.count("Acme SSO") == 2
    add_sso_people(8)
    with django_assert_num_queries(len(few.captured_queries)):
        page = admin_client_.get(reverse("accounts:people-waiting")).content.decode()
    assert page.count("Acme SSO") == 10
