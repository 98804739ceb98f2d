import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings

from conftest import PASSWORD
from dataops.forms import LOGIN_FAILED
from dataops.models import User


@pytest.mark.django_db
def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {"operator", "admin"}


@pytest.mark.django_db
def test_admin_role_has_model_permissions():
    perms = Group.objects.get(name="admin").permissions.values_list("codename", flat=True)
    assert "change_jobrun" in perms


@pytest.mark.django_db
def test_login_and_logout(client, operator):
    response = client.post("/login/", {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_login_follows_next(client, operator):
    response = client.post(
        "/login/?next=/notifications/",
        {"username": "grace", "password": PASSWORD, "next": "/notifications/"},
    )
    assert response["Location"] == "/notifications/"


@pytest.mark.django_db
def test_wrong_password_and_unknown_user_get_the_same_message(client, operator):
    wrong = client.post("/login/", {"username": "grace", "password": "nope"})
    unknown = client.post("/login/", {"username": "nobody-here", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert LOGIN_FAILED in wrong.content.decode()
    assert LOGIN_FAILED in unknown.content.decode()
    assert "grace" not in LOGIN_FAILED


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_out(client, operator):
    for _ in range(2):
        assert client.post("/login/", {"username": "grace", "password": "bad"}).status_code == 200
    locked = client.post("/login/", {"username": "grace", "password": "bad"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # even the right password is refused while locked
    again = client.post("/login/", {"username": "grace", "password": PASSWORD})
    assert again.status_code == 429
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user("hashme", password="s3cret-Passw0rd")
    assert isinstance(identify_hasher(user.password), Argon2PasswordHasher)
    assert user.check_password("s3cret-Passw0rd")


@pytest.mark.django_db
def test_createsuperuser_works_and_is_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-Password-123")
    call_command("createsuperuser", "--noinput", "--username", "root", "--email", "r@example.org")
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_admin


@pytest.mark.django_db
def test_operator_is_not_admin(operator, admin_user):
    assert not operator.is_admin
    assert admin_user.is_admin


@pytest.mark.django_db
def test_login_page_shows_demo_logins_only_in_demo_mode(client, settings):
    settings.DEMO_MODE = False
    assert "Demo logins" not in client.get("/login/").content.decode()
    settings.DEMO_MODE = True
    assert "Demo logins" in client.get("/login/").content.decode()
