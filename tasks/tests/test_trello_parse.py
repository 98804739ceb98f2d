"""Reading a Trello export: records, redaction, bad input, the mapping file. No database."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tasks.importers.mapping import (
    MAPPING_BAD_DONE,
    MAPPING_UNKNOWN_KEYS,
    MappingError,
    parse_mapping,
)
from tasks.importers.trello import (
    MASK,
    NO_CARDS,
    BoardError,
    Redactor,
    load_json,
    parse_board,
)

SAMPLE = Path(__file__).resolve().parents[1] / "importers" / "fixtures" / "sample_board.json"


def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def parse(data: dict, **redactor) -> object:
    return parse_board(load_json(json.dumps(data)), Redactor(**redactor))


def card_named(board, name: str):
    return next(card for card in board.cards if card.name == name)


def test_sample_board_is_read_whole():
    board = parse(sample())
    assert len(board.lists) == 6 and sum(lst.closed for lst in board.lists.values()) == 1
    assert len(board.cards) == 66
    assert sum(card.closed for card in board.cards) == 3
    assert sum(len(c.checklists) for c in board.cards) == 66
    assert sum(len(c.comments) for c in board.cards) == 22
    assert board.other_actions == 1
    assert board.labels and board.members


def test_checklist_items_keep_state_due_and_order():
    card = card_named(parse(sample()), "Venue booking #4")
    items = card.checklists[0].items
    assert [item.name for item in items] == sorted(item.name for item in items)
    assert any(item.complete for item in items) and any(not item.complete for item in items)
    assert items[1].due is not None and items[1].due.tzinfo is not None


def test_trello_tokens_and_keys_are_masked():
    card = card_named(parse(sample()), "Webinar #25")
    assert "ATTA" not in card.desc and "0123456789abcdef" not in card.desc
    assert card.desc.count(MASK) == 2


def test_signed_attachment_urls_lose_their_query_string():
    card = card_named(parse(sample()), "Webinar #1")
    signed = card.links[0].url
    assert signed.endswith("/brief-1.pdf") and "?" not in signed
    assert card.links[-1].title == "Trello card"


def test_plain_links_are_kept_as_they_are():
    card = card_named(parse(sample()), "Webinar #1")
    assert "https://docs.example.com/d/abc123/edit" in [link.url for link in card.links]


def test_email_addresses_are_masked_unless_kept():
    masked = card_named(parse(sample()), "Sponsor call #5")
    kept = card_named(parse(sample(), keep_emails=True), "Sponsor call #5")
    assert "jane.doe@example.com" not in masked.desc and MASK in masked.desc
    assert "jane.doe@example.com" in kept.desc


def test_general_secrets_go_through_the_given_masker():
    board = parse(sample(), secrets=lambda text: text.replace("hunter2hunter2", MASK))
    assert "hunter2" not in card_named(board, "Guest outreach #15").desc
    assert {"where": "card “Guest outreach #15” description", "kind": "secret"} in [
        r.__dict__ for r in board.redactions
    ]


def test_redactions_are_listed_with_where_and_kind():
    board = parse(sample())
    kinds = {r.kind for r in board.redactions}
    assert {"signed url", "email address", "trello token", "trello key"} <= kinds
    assert all(r.where for r in board.redactions)


def _shuffled(value):
    if isinstance(value, dict):
        keys = list(value)
        random.Random(7).shuffle(keys)
        return {key: _shuffled(value[key]) for key in keys}
    if isinstance(value, list):
        return [_shuffled(item) for item in value]
    return value


def test_field_order_does_not_matter():
    assert parse(_shuffled(sample())) == parse(sample())


def test_optional_fields_may_be_missing():
    data = {
        "id": "b1",
        "lists": [{"id": "l1"}],
        "cards": [{"id": "c1", "idList": "l1"}, {"id": "c2", "name": "Pay rent", "due": "soon"}],
    }
    board = parse(data)
    assert [card.name for card in board.cards] == ["Untitled card", "Pay rent"]
    assert board.cards[1].due is None and board.cards[1].links == []


@pytest.mark.parametrize(
    "raw, phrase",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a Trello board"),
        ('{"name": "x", "cards": []}', "not a Trello board"),
        ('{"id": "b", "lists": "x", "cards": []}', "not a Trello board"),
    ],
)
def test_bad_files_are_refused_with_the_reason(raw, phrase):
    with pytest.raises(BoardError, match=phrase):
        load_json(raw)


def test_a_board_without_cards_is_refused():
    with pytest.raises(BoardError) as refused:
        load_json('{"id": "b", "name": "Empty", "lists": [], "cards": []}')
    assert str(refused.value) == NO_CARDS.format(name="Empty")


def test_mapping_reads_every_key():
    mapping = parse_mapping(
        "lists: [Backlog]\ntargets: {Backlog: standalone, Podcast episodes: podcast}\n"
        "labels: {urgent: hot}\nmembers: {samstranger: mallory}\ndone: list:Done\n"
        "keep_emails: true\n"
    )
    assert mapping.imports_list("Backlog", "x") and not mapping.imports_list("Done", "y")
    assert mapping.template_slugs() == {"podcast"}
    assert mapping.done_list == "Done" and mapping.keep_emails


def test_an_empty_mapping_is_the_default():
    mapping = parse_mapping("")
    assert mapping.imports_list("anything", "id") and mapping.done == "default"


@pytest.mark.parametrize(
    "text, message",
    [
        ("colour: red\n", MAPPING_UNKNOWN_KEYS.format(keys="colour")),
        ("done: sometimes\n", MAPPING_BAD_DONE),
    ],
)
def test_bad_mappings_are_refused_with_the_reason(text, message):
    with pytest.raises(MappingError) as refused:
        parse_mapping(text)
    assert str(refused.value) == message


def test_a_mapping_that_is_not_yaml_is_refused():
    with pytest.raises(MappingError, match="not valid YAML"):
        parse_mapping("targets: {a: [b\n")
