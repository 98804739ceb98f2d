"""The audit log page: filters by person, kind and dates, pages, and the CSV download."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from dataops.models import AuditEvent
from dataops.services import audit_record

URL = reverse("audit-log")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def events(admin_user, operator, settings):
    settings.TIME_ZONE = "Europe/Berlin"

    def at(day: int, hour: int) -> datetime:
        return datetime(2026, 11, day, hour, 0, tzinfo=BERLIN)

    made = [
        (admin_user, "recurring.created", "Weekly newsletter", at(2, 9)),
        (admin_user, "recurring.deleted", "Old chore", at(3, 23)),  # late evening, local time
        (operator, "recurring.paused", "Slack dump", at(4, 0)),  # just after midnight
        (None, "user.sso_joined", "grace@example.org", at(5, 12)),
        (admin_user, "import.trello", '=HYPERLINK("http://x.example")', at(6, 8)),
    ]
    for actor, action, label, when in made:
        event = audit_record(actor=actor, action=action, target_label=label)
        AuditEvent.objects.filter(pk=event.pk).update(at=when)
    return made


def test_filters_by_person_system_kind_and_local_days(admin_client_, events, admin_user):
    def labels(**params) -> set[str]:
        page = admin_client_.get(URL, params).context["page_obj"]
        return {event.target_label for event in page}

    assert len(labels()) == 5
    assert labels(actor=str(admin_user.pk)) == {
        "Weekly newsletter",
        "Old chore",
        '=HYPERLINK("http://x.example")',
    }
    assert labels(actor="system") == {"grace@example.org"}
    assert labels(kind="recurring") == {"Weekly newsletter", "Old chore", "Slack dump"}
    assert labels(kind="recurring.paused") == {"Slack dump"}
    # 3 Nov 23:00 and 4 Nov 00:00 in Berlin are on different days (UTC would merge them).
    assert labels(since="2026-11-03", until="2026-11-03") == {"Old chore"}
    assert labels(since="2026-11-04", until="2026-11-05") == {"Slack dump", "grace@example.org"}


@pytest.mark.parametrize(
    "params, message",
    [
        ({"since": "yesterday"}, "Enter a valid date."),
        ({"since": "2026-11-05", "until": "2026-11-01"}, "The end date is before the start date."),
        ({"actor": "'; drop table"}, "Pick a person from the list."),
    ],
)
def test_bad_filters_say_what_is_wrong_and_never_fail(admin_client_, events, params, message):
    response = admin_client_.get(URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    csv_response = admin_client_.get(URL, {**params, "format": "csv"})
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/html")


def test_a_wrong_field_is_named_and_the_others_still_filter(admin_client_, events):
    response = admin_client_.get(URL, {"kind": "recurring", "since": "2026-11-05", "until": "x"})
    assert "Enter a valid date." in response.content.decode()
    assert {e.target_label for e in response.context["page_obj"]} == set()  # from 5 Nov on
    response = admin_client_.get(URL, {"kind": "user", "until": "not a date"})
    assert {e.target_label for e in response.context["page_obj"]} == {"grace@example.org"}


def test_no_match_has_its_own_empty_state(admin_client_, events):
    html = admin_client_.get(URL, {"since": "2027-01-01"}).content.decode()
    assert "No events match" in html and "Clear" in html


def test_csv_holds_every_matching_event_and_formulas_stay_text(admin_client_, events, admin_user):
    for n in range(60):  # more than a page
        audit_record(actor=admin_user, action="template.updated", target_label=f"Template {n}")
    response = admin_client_.get(URL, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0] == [
        "at", "actor", "action", "target_type", "target_id", "target", "changes", "note"
    ]  # fmt: skip
    assert len(table) == 1 + 65
    trello = next(line for line in table if line[2] == "import.trello")
    assert trello[5] == '\'=HYPERLINK("http://x.example")' and trello[1] == admin_user.username
    assert trello[0].startswith("2026-11-06T08:00:00+01:00")
    only = admin_client_.get(URL, {"format": "csv", "kind": "user"})
    lines = list(csv.reader(io.StringIO(b"".join(only.streaming_content).decode())))
    assert [line[1] for line in lines[1:]] == ["system"]


def test_pages_keep_the_filters(admin_client_, admin_user):
    for n in range(55):
        audit_record(actor=admin_user, action="recurring.edited", target_label=f"Rule {n}")
    html = admin_client_.get(URL, {"kind": "recurring"}).content.decode()
    assert "?kind=recurring&amp;page=2" in html


def test_only_admins_see_the_log(operator_client, events):
    assert operator_client.get(URL).status_code == 403
    assert operator_client.get(URL, {"format": "csv"}).status_code == 403
    anonymous = Client()
    assert anonymous.get(URL).status_code == 302
    assert anonymous.get(URL, {"format": "csv"}).status_code == 302
