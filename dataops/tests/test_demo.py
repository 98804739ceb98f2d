import pytest
from django.core.management import CommandError, call_command

from dataops.demo import DEMO_PASSWORD
from dataops.models import User


@pytest.mark.django_db
def test_demo_data_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    settings.DEMO_LOADERS = ["dataops.demo.load_users"]
    with pytest.raises(CommandError, match="DEMO_MODE"):
        call_command("load_demo")
    assert not User.objects.filter(username="grace").exists()


@pytest.mark.django_db
def test_demo_users_are_created_once_with_roles(settings):
    settings.DEMO_MODE = True
    settings.DEMO_LOADERS = ["dataops.demo.load_users"]
    call_command("load_demo")
    call_command("load_demo")
    grace = User.objects.get(username="grace")
    assert grace.check_password(DEMO_PASSWORD)
    assert grace.groups.filter(name="operator").exists() and not grace.is_admin
    assert User.objects.get(username="admin").is_admin
    assert User.objects.filter(username="grace").count() == 1
