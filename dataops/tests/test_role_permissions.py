"""After migrate, the admin role holds every model permission of the apps it sets up, the
last app in INSTALLED_APPS included (its permissions are made in the same post_migrate)."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from dataops.models import ADMIN_GROUP
from dataops.signals import ADMIN_APPS


@pytest.mark.django_db
def test_the_admin_role_can_change_every_model_of_the_apps_it_sets_up():
    granted = set(
        Group.objects.get(name=ADMIN_GROUP).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    wanted = {
        (label, f"change_{model._meta.model_name}")
        for label in ADMIN_APPS
        for model in apps.get_app_config(label).get_models()
    }
    assert wanted and wanted <= granted
    assert any(label == "tasks" for label, _ in wanted)
