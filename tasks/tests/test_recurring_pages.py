"""The recurring pages: list, editor with its live preview, rule page, controls."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dataops.models import AuditEvent, JobRun
from tasks import messages
from tasks.models import RecurringRule, TemplateSchedule
from tasks.recurring_forms import INTERVAL_ERROR
from tasks.schedules import errors
from tasks.services import templates_load
from tasks.tests.conftest import at, occurrences, tick

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 23)  # the example: every 2nd Monday from here


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(at(MONDAY, 10), tick=False):
        yield


def form_data(**changes) -> dict:
    data = {
        "title": "Water the plants",
        "kind": "every_n_weeks",
        "interval": "2",
        "weekdays": ["0"],
        "day": "23",
        "nth": "1",
        "weekday": "0",
        "month": "11",
        "start_date": MONDAY.isoformat(),
        "time_of_day": "09:00",
        "timezone": "Europe/Berlin",
        "catch_up": "latest",
        "shift": "none",
        "proof_kind": "none",
        "assignee": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


SIX = [
    "Mon 23 Nov 2026",
    "Mon 7 Dec 2026",
    "Mon 21 Dec 2026",
    "Mon 4 Jan 2027",
    "Mon 18 Jan 2027",
    "Mon 1 Feb 2027",
]


# --- the editor -------------------------------------------------------------------------------


def test_creating_a_rule_from_the_plain_language_form(operator_client, operator):
    response = operator_client.post(
        reverse("tasks:recurring-create"),
        form_data(
            assignee=str(operator.pk),
            systems="slack, trello",
            tags="home",
            instruction_doc="sop.plants",
        ),
    )
    rule = RecurringRule.objects.get()
    assert response.status_code == 302 and response["Location"] == rule.get_absolute_url()
    assert (rule.rrule, rule.start_date, rule.timezone) == (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        MONDAY,
        "Europe/Berlin",
    )
    assert (rule.assignee, rule.systems, rule.tags, rule.created_by) == (
        operator,
        ["slack", "trello"],
        ["home"],
        operator,
    )
    assert rule.sentence == "Every 2 weeks on Monday at 09:00, Europe/Berlin"
    assert rule.next_run_on == MONDAY
    event = AuditEvent.objects.get(action="recurring.created")
    assert (event.actor, event.changes["rrule"]) == (operator, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO")
    page = operator_client.get(response["Location"]).content.decode()
    assert "Saved “Water the plants”. Next: Mon 23 Nov 2026." in page


def test_the_live_preview_shows_the_sentence_and_six_dates(operator_client):
    response = operator_client.get(
        reverse("tasks:recurring-preview"), form_data(), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "Every 2 weeks on Monday at 09:00, Europe/Berlin" in html
    assert [day in html for day in SIX] == [True] * 6
    assert "<html" not in html  # a fragment for htmx
    assert RecurringRule.objects.count() == 0


def test_the_preview_button_works_without_javascript(operator_client):
    response = operator_client.post(
        reverse("tasks:recurring-create"),
        form_data(
            preview="1", kind="monthly_on_day", day="31", interval="1", short_month="last_day"
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200 and RecurringRule.objects.count() == 0
    assert "Monthly on day 31 (or the last day of shorter months)" in html
    assert "Mon 30 Nov 2026" in html and "Sun 28 Feb 2027" in html


def test_the_preview_shows_shifted_due_dates_and_folded_days(operator_client):
    html = operator_client.get(
        reverse("tasks:recurring-preview"),
        form_data(kind="daily", shift="next", start_date=date(2026, 11, 27).isoformat()),
    ).content.decode()
    assert "Fri 27 Nov 2026" in html and "Mon 30 Nov 2026" in html
    assert "Sat 28 Nov, Sun 29 Nov: no task of its own" in html


def test_month_end_needs_an_explicit_choice(operator_client):
    response = operator_client.post(
        reverse("tasks:recurring-create"), form_data(kind="monthly_on_day", day="31")
    )
    assert response.status_code == 422
    expected = errors.NEED_SHORT_MONTH_POLICY.format(day=31).replace("'", "&#x27;")
    assert expected in response.content.decode()
    assert RecurringRule.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"kind": "advanced", "rrule": "FREQ=SOMETIMES"},
            errors.UNKNOWN_FREQ.format(value="SOMETIMES"),
        ),
        (
            {"kind": "advanced", "rrule": "FREQ=DAILY;INTERVAL=0"},
            errors.BAD_INTERVAL.format(value=0),
        ),
        (
            {"kind": "advanced", "rrule": "FREQ=DAILY;COUNT=3", "start_date": "2026-10-01"},
            errors.NO_FUTURE,
        ),
        (
            {"kind": "advanced", "rrule": "FREQ=DAILY;UNTIL=20261101", "start_date": "2026-10-01"},
            errors.UNTIL_PAST.format(until="2026-11-01"),
        ),
        (
            {"kind": "daily", "until": "2026-11-01", "start_date": "2026-10-01"},
            errors.UNTIL_PAST.format(until="2026-11-01"),
        ),
        ({"kind": "advanced", "rrule": ""}, errors.EMPTY_RULE),
        ({"kind": "every_n_days", "interval": "0"}, INTERVAL_ERROR),
        ({"kind": "every_n_days", "interval": ""}, INTERVAL_ERROR),
        ({"kind": "weekly", "weekdays": None}, errors.NEED_WEEKDAYS),
        ({"timezone": "Mars/Base"}, errors.BAD_TZ.format(tz="Mars/Base")),
        ({"start_date": "2026-02-30"}, "Enter a real date (YYYY-MM-DD)."),
        (
            {"start_date": "3500-01-01"},
            errors.START_OUT_OF_RANGE.format(value="3500-01-01", lo=1900, hi=2999),
        ),
        ({"time_of_day": "25:00"}, "Enter a time of day (HH:MM)."),
        (
            {"kind": "daily", "catch_up": "all", "start_date": "2025-01-01"},
            errors.TOO_MANY_AT_ONCE.format(count=692, limit=500),
        ),
        ({"title": ""}, "This field is required."),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_saved(operator_client, changes, message):
    response = operator_client.post(reverse("tasks:recurring-create"), form_data(**changes))
    html = response.content.decode()
    assert response.status_code == 422
    assert message.replace("'", "&#x27;") in html, message
    assert RecurringRule.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_the_preview_explains_a_bad_rule_instead_of_failing(operator_client):
    response = operator_client.get(
        reverse("tasks:recurring-preview"), form_data(kind="advanced", rrule="FREQ=HOURLY")
    )
    assert response.status_code == 200
    assert "repeats within a day" in response.content.decode()


def test_editing_opens_with_the_rule_in_plain_words_and_keeps_the_checkpoint(
    operator_client, make_rule, operator
):
    rule = make_rule(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        start=MONDAY - timedelta(days=14),
        catch_up="all",
        by=operator,
    )
    tick()
    assert occurrences(rule) == [MONDAY - timedelta(days=14), MONDAY]
    page = operator_client.get(reverse("tasks:recurring-edit", args=[rule.pk])).content.decode()
    assert '<option value="every_n_weeks" selected>' in page
    assert 'name="interval" value="2"' in page
    assert 'name="weekdays" value="0" id="id_weekdays_0" checked' in page
    assert "Mon 7 Dec 2026" in page and "Mon 23 Nov 2026" not in page.split("Next 6 dates")[1]
    response = operator_client.post(
        reverse("tasks:recurring-edit", args=[rule.pk]),
        form_data(kind="weekly", weekdays=["0", "3"], start_date="2026-01-01", catch_up="all"),
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.rrule, rule.generated_through, rule.updated_by) == (
        "FREQ=WEEKLY;BYDAY=MO,TH",
        MONDAY,
        operator,
    )
    assert tick().tasks == 0  # nothing from 2026 is generated again
    event = AuditEvent.objects.get(action="recurring.edited")
    assert event.changes["rrule"] == ["FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO,TH"]


def test_a_rule_the_form_cannot_say_opens_in_the_advanced_kind(
    operator_client, make_rule, operator
):
    rule = make_rule("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", by=operator)
    page = operator_client.get(reverse("tasks:recurring-edit", args=[rule.pk])).content.decode()
    assert '<option value="advanced" selected>' in page
    assert "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1" in page


# --- list, page, controls ----------------------------------------------------------------------


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("tasks:recurring-list")).status_code == 200
    return len(queries)


def test_the_list_shows_schedules_next_dates_and_a_fixed_number_of_queries(
    operator_client, make_rule, operator
):
    templates_load()
    make_rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", title="Water the plants", assignee=operator)
    paused = make_rule(title="Paused one")
    paused.enabled = False
    paused.save()
    html = operator_client.get(reverse("tasks:recurring-list")).content.decode()
    assert "Every 2 weeks on Monday at 09:00, Europe/Berlin" in html
    assert "Mon 23 Nov" in html and "Mon 7 Dec" in html and "Mon 21 Dec" in html
    assert "Paused" in html and "📰 Newsletter" in html and "Every Monday at 09:00" in html
    few = _list_queries(operator_client)
    for i in range(15):
        make_rule(f"FREQ=MONTHLY;BYMONTHDAY={i + 1}", title=f"Rule {i}", assignee=operator)
    tick()
    assert _list_queries(operator_client) == few == RECURRING_LIST_QUERIES


RECURRING_LIST_QUERIES = 6


def test_next_dates_are_due_dates_after_the_working_day_shift(operator_client, make_rule):
    friday = MONDAY + timedelta(days=4)
    daily = make_rule(start=friday, title="Daily chore", shift="next")
    make_rule("FREQ=WEEKLY;BYDAY=SA", start=friday, title="Saturday chore", shift="next")
    html = operator_client.get(reverse("tasks:recurring-list")).content.decode()
    # The daily rule's weekend folds into Monday's own task; Saturday's moves to Monday.
    daily_chips = html.split("Daily chore")[1].split("Saturday chore")[0]
    assert re.findall(r'<span class="chip[^"]*" title="[^"]*">([^<]+)</span>', daily_chips) == [
        "Fri 27 Nov",
        "Mon 30 Nov",
        "Tue 1 Dec",
    ]
    assert 'title="Monday 30 November 2026 (for Saturday 28 November, not a working day)"' in html
    assert ">Sat 28 Nov<" not in html and ">Sun 29 Nov<" not in html
    page = operator_client.get(daily.get_absolute_url()).content.decode()
    assert "Sat 28 Nov 2026" not in page
    assert [day in page for day in ("Fri 27 Nov 2026", "Mon 30 Nov 2026", "Fri 4 Dec 2026")] == [
        True,
        True,
        True,
    ]


def test_the_rule_page_shows_its_tasks_runs_and_changes(
    operator_client, make_rule, operator, django_capture_on_commit_callbacks
):
    rule = make_rule(start=MONDAY - timedelta(days=2), catch_up="all", by=operator)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs once queued
        operator_client.post(reverse("tasks:recurring-generate", args=[rule.pk]))
    html = operator_client.get(rule.get_absolute_url()).content.decode()
    assert "3 in all · 3 open" in html
    assert "Sat 21 Nov 2026" in html and "Mon 23 Nov 2026" in html
    assert "created 3, skipped 0" in html  # the generate-now run
    assert "generate now" in html and "rrule</span>: FREQ=DAILY" in html  # the audit trail


def test_pause_resume_and_generate_now_as_plain_forms(
    operator_client, make_rule, operator, django_capture_on_commit_callbacks
):
    rule = make_rule(by=operator)
    url = reverse("tasks:recurring-pause", args=[rule.pk])
    response = operator_client.post(url, {"next": rule.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == rule.get_absolute_url()
    rule.refresh_from_db()
    assert not rule.enabled
    again = operator_client.post(url, follow=True)
    assert messages.ALREADY_PAUSED.format(title="Chore") in again.content.decode()
    operator_client.post(reverse("tasks:recurring-resume", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.enabled
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(reverse("tasks:recurring-generate", args=[rule.pk]))
    assert occurrences(rule) == [MONDAY]
    run = JobRun.objects.get(kind="recurring.generate")
    assert (run.trigger, run.triggered_by, run.target_id, run.counts["created"]) == (
        "manual",
        operator,
        str(rule.pk),
        1,
    )
    assert list(
        AuditEvent.objects.filter(target_id=str(rule.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["recurring.created", "recurring.paused", "recurring.resumed", "recurring.generate_now"]


def test_controls_answer_htmx_with_the_row_in_place(operator_client, make_rule, operator):
    rule = make_rule(title="Inline", by=operator)
    response = operator_client.post(
        reverse("tasks:recurring-pause", args=[rule.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="recurring-row is-paused" id="rule-{rule.pk}"')
    assert messages.PAUSED.format(title="Inline") in html and 'hx-swap-oob="true"' in html
    assert "Resume" in html


def test_automatic_templates_can_be_paused_and_generated_from_the_list(
    admin_client_, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(MONDAY, 8), tick=False):
        templates_load()
    schedule = TemplateSchedule.objects.get(template__slug="newsletter")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(reverse("tasks:recurring-template-generate", args=[schedule.pk]))
    assert schedule.template.workflows.get().anchor_date == MONDAY + timedelta(days=14)
    admin_client_.post(reverse("tasks:recurring-template-pause", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert not schedule.enabled


def test_deleting_a_rule_with_tasks_is_refused_with_the_count(admin_client_, make_rule):
    rule = make_rule()
    tick()
    response = admin_client_.post(reverse("tasks:recurring-delete", args=[rule.pk]), follow=True)
    assert messages.RULE_DELETE_REFUSED.format(count=1, s="") in response.content.decode()
    assert RecurringRule.objects.filter(pk=rule.pk).exists()
    unused = make_rule(start=MONDAY + timedelta(days=3), title="Unused")
    response = admin_client_.post(reverse("tasks:recurring-delete", args=[unused.pk]))
    assert response["Location"] == reverse("tasks:recurring-list")
    assert not RecurringRule.objects.filter(pk=unused.pk).exists()
    assert AuditEvent.objects.filter(action="recurring.deleted", target_label="Unused").exists()


def test_the_top_bar_has_recurring(operator_client):
    html = operator_client.get(reverse("tasks:recurring-list")).content.decode()
    assert 'href="/recurring/" class="nav-link is-active" aria-current="page">Recurring' in html


def test_home_offers_a_recurring_chore_and_the_editor_takes_its_title(operator_client):
    home = operator_client.get("/").content.decode()
    assert f'action="{reverse("tasks:recurring-create")}"' in home
    page = operator_client.get(reverse("tasks:recurring-create"), {"title": "Order coffee"})
    assert 'value="Order coffee"' in page.content.decode()
