"""`make run` loads the demo people before anything that names them, so a fresh start prints
no "user … does not exist yet" warning and the chores and templates start assigned."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tasks.models import RecurringRule

LOADERS = ("load_demo", "load_templates", "recurring load")


def run_recipe_loaders() -> list[str]:
    """The loading commands of the Makefile's `run` recipe, in their order."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nrun: install\n", 1)[1].split("\n\n", 1)[0]
    commands = re.findall(r"python manage\.py ([a-z_]+(?: load)?)", recipe)
    return [command for command in commands if command in LOADERS]


def test_make_run_loads_the_demo_people_first():
    assert run_recipe_loaders() == ["load_demo", "load_templates", "recurring load"]


@pytest.mark.django_db
def test_a_fresh_start_in_that_order_warns_about_no_missing_user(settings):
    settings.DEMO_MODE = True
    out = StringIO()
    for command in run_recipe_loaders():
        call_command(*command.split(), stdout=out, stderr=out)
    assert "does not exist yet" not in out.getvalue()
    assert not RecurringRule.objects.filter(assignee=None).exists()
