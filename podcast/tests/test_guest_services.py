"""Guests: normalised keys, the duplicate guard, status reasons, merge, the profile upsert and
the list's search and tag filter (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import pytest

from dataops.errors import ServiceError
from dataops.models import AuditEvent
from podcast import messages
from podcast.keys import linkedin_key, name_key
from podcast.models import Guest, GuestFormLink, IntakeItem
from podcast.selectors import guest_list, guest_tags
from podcast.services.guests import (
    PossibleDuplicate,
    guest_create,
    guest_merge,
    guest_set_status,
    guest_update,
    guest_upsert_from_profile,
)
from podcast.tests.core_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


def test_name_key_folds_case_accents_punctuation_and_spaces():
    assert name_key("  José   O'Brien-Smith ") == name_key("jose obriensmith") == "jose obriensmith"
    assert name_key("Ünal Çelik") == "unal celik"


def test_linkedin_key_is_the_profile_path_whatever_the_spelling():
    a = linkedin_key("https://www.linkedin.com/in/Dana-Reyes/?trk=public")
    assert a == linkedin_key("linkedin.com/in/dana-reyes") == "in/dana-reyes"
    assert linkedin_key("https://example.org/in/dana-reyes") == ""
    assert linkedin_key("") == ""


@pytest.mark.parametrize(
    "data",
    [
        {"name": "DANA  REYES"},
        {"name": "Someone Else", "email": "Dana@Example.org"},
        {"name": "D. R.", "linkedin_url": "https://linkedin.com/in/dana-reyes/"},
    ],
)
def test_a_guest_matching_by_name_email_or_linkedin_is_refused_with_the_match(
    make_guest, operator, data
):
    dana = make_guest(
        "Dana Reyes",
        email="dana@example.org",
        linkedin_url="https://www.linkedin.com/in/Dana-Reyes",
    )
    with pytest.raises(PossibleDuplicate) as refused:
        guest_create(data=data, by=operator)
    assert refused.value.matches == [dana]
    assert str(refused.value) == messages.GUEST_POSSIBLE_DUPLICATE
    assert Guest.objects.count() == 1


def test_confirming_creates_the_guest_with_a_history_note(make_guest, operator):
    make_guest("Dana Reyes")
    guest = guest_create(
        data={"name": "Dana Reyes", "tags": "ML, mlops , ml"}, by=operator, confirmed=True
    )
    assert Guest.objects.filter(name_key="dana reyes").count() == 2
    assert guest.tags == ["ml", "mlops"]
    event = guest.events.get()
    assert event.action == "created" and event.actor == operator
    assert event.note == "Created although it looked like Dana Reyes."
    assert make_guest("Someone Else").events.get().note == ""


def test_a_merged_guest_no_longer_counts_as_a_duplicate(make_guest, operator, admin_user):
    keep, other = make_guest("Dana Reyes"), make_guest("Dana Reyes ")
    guest_merge(keep=keep, other=other, by=admin_user)
    with pytest.raises(PossibleDuplicate) as refused:
        guest_create(data={"name": "dana reyes"}, by=operator)
    assert refused.value.matches == [keep]


def test_edit_keeps_each_changed_field_before_and_after(make_guest, operator):
    guest = make_guest("Dana Reyes", company="Acme")
    guest_update(guest=guest, data={"name": "Dana Reyes", "company": "Initech"}, by=operator)
    guest.refresh_from_db()
    assert guest.company == "Initech"
    assert guest.events.filter(action="edited").get().changes == {"company": ["Acme", "Initech"]}


@pytest.mark.parametrize("status", ["declined", "on_hold"])
def test_declined_and_on_hold_need_a_reason(make_guest, operator, status):
    guest = make_guest()
    with pytest.raises(ServiceError) as refused:
        guest_set_status(guest=guest, status=status, reason="  ", by=operator)
    assert refused.value.field == "reason"
    guest_set_status(guest=guest, status=status, reason="Busy until spring", by=operator)
    guest.refresh_from_db()
    assert (guest.status, guest.status_reason) == (status, "Busy until spring")


def test_a_status_without_reason_clears_the_old_reason(make_guest, operator):
    guest = make_guest()
    guest_set_status(guest=guest, status="on_hold", reason="Travelling", by=operator)
    guest_set_status(guest=guest, status="confirmed", by=operator)
    guest.refresh_from_db()
    assert (guest.status, guest.status_reason) == ("confirmed", "")
    event = guest.events.filter(action="status_changed").first()
    assert event.changes["status"] == ["on_hold", "confirmed"]


def test_merge_moves_everything_to_the_guest_kept(make_guest, make_episode, operator, admin_user):
    keep = make_guest("Dana Reyes", tags="ml")
    other = make_guest("Dana R.", email="dana@example.org", kb_id="", tags="mlops")
    Guest.objects.filter(pk=other.pk).update(kb_id="dana-reyes")
    other.refresh_from_db()
    episode = make_episode([other])
    item = IntakeItem.objects.create(source="manual", text="Bio", guest=other)
    link = GuestFormLink.objects.create(guest=other, nonce="n" * 32)
    guest_merge(keep=keep, other=other, by=admin_user)
    keep.refresh_from_db()
    other.refresh_from_db()
    assert other.merged_into == keep and other.kb_id == ""
    assert list(episode.guests.all()) == [keep]
    assert IntakeItem.objects.get(pk=item.pk).guest == keep
    assert GuestFormLink.objects.get(pk=link.pk).guest == keep
    assert not other.events.exists() and keep.events.filter(action="merged").exists()
    assert keep.email == "dana@example.org" and keep.kb_id == "dana-reyes"
    assert keep.tags == ["ml", "mlops"]
    audit = AuditEvent.objects.get(action="podcast.guest.merge")
    assert audit.actor == admin_user and audit.changes["moved"]["episodes"] == 1


def test_merge_is_refused_to_operators_into_itself_and_twice(make_guest, operator, admin_user):
    keep, other = make_guest("A"), make_guest("B")
    with pytest.raises(ServiceError, match="Only an admin"):
        guest_merge(keep=keep, other=other, by=operator)
    with pytest.raises(ServiceError, match="into itself"):
        guest_merge(keep=keep, other=keep, by=admin_user)
    guest_merge(keep=keep, other=other, by=admin_user)
    with pytest.raises(ServiceError, match="merged already"):
        guest_merge(keep=keep, other=other, by=admin_user)


# --- the knowledge base's people profiles ---------------------------------------------------


def test_profile_upsert_creates_then_updates_by_id(db):
    guest, created = guest_upsert_from_profile(
        "dana-reyes", name="Dana Reyes", x_url="https://x.com/dana", bio="Data person."
    )
    assert created and guest.kb_id == "dana-reyes" and guest.status == "published"
    again, created = guest_upsert_from_profile("dana-reyes", name="Dana Reyes", bio="New bio.")
    assert (again.pk, created) == (guest.pk, False)
    again.refresh_from_db()
    assert again.bio == "New bio." and again.x_url == "https://x.com/dana"


def test_profile_upsert_never_clears_with_an_empty_value(make_guest, operator):
    guest, _ = guest_upsert_from_profile(
        "dana", name="Dana Reyes", github_url="https://github.com/d"
    )
    guest_update(guest=guest, data={"bio": "Written by us."}, by=operator)
    guest_upsert_from_profile("dana", name="Dana Reyes", github_url="", bio="")
    guest.refresh_from_db()
    assert guest.github_url == "https://github.com/d" and guest.bio == "Written by us."


def test_profile_upsert_adopts_a_guest_entered_by_hand_by_name(make_guest):
    by_hand = make_guest("José Núñez", email="jose@example.org")
    guest, created = guest_upsert_from_profile(
        "jose", name="Jose Nunez", linkedin_url="not a link", website_url="https://jn.dev"
    )
    assert (guest.pk, created) == (by_hand.pk, False)
    guest.refresh_from_db()
    assert guest.kb_id == "jose" and guest.website_url == "https://jn.dev"
    assert guest.linkedin_url == "" and guest.email == "jose@example.org"
    assert guest.events.filter(action="kb_updated").exists()


def test_profile_upsert_without_an_id_is_refused(db):
    with pytest.raises(ServiceError):
        guest_upsert_from_profile("  ", name="Someone")


# --- the list -------------------------------------------------------------------------------


def test_tag_filter_matches_whole_tags_only(make_guest):
    ml = make_guest("Ana", tags="ml, data")
    make_guest("Ben", tags="mlops")
    make_guest("Cy")
    assert list(guest_list(tag="ml")) == [ml]
    assert list(guest_list(tag="nothing")) == []
    assert guest_tags() == ["data", "ml", "mlops"]


def test_search_finds_name_company_bio_tags_and_episode_topic(make_guest, make_episode):
    ana = make_guest("Ana Lima", company="Initech")
    ben = make_guest("Ben Ode", bio="Builds feature stores")
    cy = make_guest("Cy Park", tags="streaming")
    dee = make_guest("Dee Fox")
    make_episode([dee], topic="Vector databases")
    assert list(guest_list(q="initech")) == [ana]
    assert list(guest_list(q="feature store")) == [ben]
    assert list(guest_list(q="stream")) == [cy]
    assert list(guest_list(q="vector")) == [dee]
    assert list(guest_list(q="lima", status="idea")) == [ana]
    assert list(guest_list(q="lima", status="declined")) == []
