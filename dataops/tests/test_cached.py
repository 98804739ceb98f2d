"""Cached slow-changing lists: read from the cache, forgotten as soon as their rows change."""

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dataops import cached
from dataops.models import ADMIN_GROUP, OPERATOR_GROUP
from tasks.models import WorkflowTemplate
from tasks.services import templates_load


def test_a_filled_list_is_read_without_a_query(operator, admin_user):
    cached.people(), cached.roles()
    with CaptureQueriesContext(connection) as queries:
        people = cached.people()
        found = cached.roles()
    assert len(queries) == 0
    assert {p.username for p in people} == {"grace", "ada"}
    assert found.admins == {admin_user.pk}
    assert found.members == {operator.pk, admin_user.pk}


def test_a_new_role_counts_at_once(make_user):
    newcomer = make_user("newcomer", None)
    assert newcomer.pk not in cached.roles().members
    newcomer.groups.add(Group.objects.get_or_create(name=OPERATOR_GROUP)[0])
    assert newcomer.pk in cached.roles().members
    assert "newcomer" in {p.username for p in cached.people()}


def test_a_removed_admin_role_is_gone_at_once(admin_user):
    assert admin_user.pk in cached.roles().admins
    admin_user.groups.remove(Group.objects.get(name=ADMIN_GROUP))
    assert admin_user.pk not in cached.roles().admins


def test_a_deactivated_person_leaves_the_pickers(operator):
    assert [p.username for p in cached.people()] == ["grace"]
    operator.is_active = False
    operator.save()
    assert cached.people() == []


def test_a_renamed_person_shows_the_new_name(operator):
    cached.people()
    operator.first_name = "Gracie"
    operator.save(update_fields=["first_name"])
    assert [p.first_name for p in cached.people()] == ["Gracie"]


def test_logging_in_keeps_the_lists(client, operator, django_assert_num_queries):
    cached.people()
    response = client.post("/login/", {"username": "grace", "password": "correct-horse-battery"})
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.last_login is not None
    with django_assert_num_queries(0):
        cached.people()


def test_loaded_templates_are_offered_at_once(db):
    assert cached.start_templates() == []
    templates_load()
    offered = cached.start_templates()
    assert {t.slug for t in offered} == set(WorkflowTemplate.objects.values_list("slug", flat=True))
    podcast = next(t for t in offered if t.slug == "podcast")
    assert podcast.task_count == podcast.task_definitions.count()
