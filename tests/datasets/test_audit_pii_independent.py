"""The audit's residual-PII check is its own implementation: hand-written texts (not the
generator's) with members' names written every way people write them, an erased member's
name, e-mail addresses, phone numbers of several countries, an IBAN and a card number are
found; clean professional text and the build's placeholders are not; its erased-name
hashes are the ones erasure stores; and a name written into a built dataset's record
fails `consentry datasets audit`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select, update

from builders import build as build_dataset
from builders import new_member, publish_default_policy, rewrite_record, seed_network
from consentry.cli import main
from consentry.datasets.audit_pii import (
    ResidualFinding,
    ResidualScanner,
    erased_name_digest,
    folded_tokens,
    where,
)
from consentry.keys import KeyPurpose, Keyring
from consentry.rights.erasure import erase
from consentry.store.dataset_tables import DatasetLineageRow
from consentry.store.engine import session_scope
from consentry.store.rights_tables import ErasedNameHash
from consentry.store.tables import Member

ADULT = date(1984, 3, 9)


def _member(engine, first: str, last: str, handle: str | None = None) -> int:
    member = new_member(engine, "DE", ADULT, first=first, last=last)
    if handle:
        with session_scope(engine) as s:
            s.execute(update(Member).where(Member.id == member).values(handle=handle))
    return member


def _scanner(engine, settings) -> ResidualScanner:
    with session_scope(engine) as s:
        return ResidualScanner(s, settings)


def _found(scanner: ResidualScanner, text: str, region: str | None = None) -> list[tuple]:
    return [(text[a:b], kind) for a, b, kind in scanner.find(text, region)]


@pytest.fixture
def world(sqlite_engine, sqlite_settings):
    publish_default_policy(sqlite_engine, sqlite_settings)
    _member(sqlite_engine, "Zoë", "Kowalczyk-Brandt", handle="zoe.kowalczyk87")
    _member(sqlite_engine, "Tobias", "Lindqvist", handle="tobi")
    return sqlite_engine, sqlite_settings


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("great talk by zoë kowalczyk-brandt today", "zoë kowalczyk-brandt"),
        ("GREAT TALK BY ZOË KOWALCZYK-BRANDT", "ZOË KOWALCZYK-BRANDT"),
        ("thanks Zoe Kowalczyk-Brandt!", "Zoe Kowalczyk-Brandt"),
        ("with Tobias   \n  Lindqvist on the panel", "Tobias   \n  Lindqvist"),
        ("Speakers: Lindqvist, Tobias (Stockholm)", "Lindqvist, Tobias"),
        ("Speakers: LINDQVIST,TOBIAS; Others", "LINDQVIST,TOBIAS"),
        ("(Tobias Lindqvist's team)", "Tobias Lindqvist's"),
        ("ping zoe.kowalczyk87 about the deck", "zoe.kowalczyk87"),
        ("ping @Zoe.Kowalczyk87 about the deck", "Zoe.Kowalczyk87"),
        ("cc @tobi, please review", "tobi"),
        ("Tobias Lindqvist", "Tobias Lindqvist"),
    ],
)
def test_a_members_name_or_handle_is_found_however_it_is_written(world, text, span):
    assert _found(_scanner(*world), text) == [(span, "PERSON")]


@pytest.mark.parametrize(
    "text",
    [
        "Tobias joined the team; Lindqvist is a common Swedish surname.",  # one word alone
        "we tobi-tested it",  # a one-word handle without its @
        "Tobias <PERSON> and <PERSON>, Tobias",  # a name never runs across a placeholder
    ],
)
def test_what_is_not_a_members_name_is_not_found(world, text):
    assert _found(_scanner(*world), text) == []


def test_an_erased_members_name_is_found_by_its_hashes_only(world):
    engine, settings = world
    erased = _member(engine, "Xanthippe", "Vördermeyer", handle="xv_42")
    erase(engine, settings, erased, source="settings", actor=f"member:{erased}")
    with session_scope(engine) as s:
        assert "Xanthippe" not in s.get(Member, erased).display_name  # only hashes remain
    scanner = _scanner(engine, settings)
    assert _found(scanner, "Lunch with xanthippe VORDERMEYER today") == [
        ("xanthippe VORDERMEYER", "PERSON")
    ]
    assert _found(scanner, "Vördermeyer, Xanthippe wrote") == [("Vördermeyer, Xanthippe", "PERSON")]
    assert _found(scanner, "ask xv_42") == [("xv_42", "PERSON")]
    assert _found(scanner, "Xanthippe was a philosopher's wife") == []


def test_the_erased_name_hashes_are_the_ones_erasure_stores(world):
    # The hash is a contract between erasure and the audit, computed twice: a change on
    # either side (folding, separator, key, forms) fails here before it blinds the audit.
    engine, settings = world
    first, last, handle = "Mary Ann", "O’Brien-Lüdenscheidt", "mary.obrien"
    erased = _member(engine, first, last, handle=handle)
    with session_scope(engine) as s:
        before = set(s.scalars(select(ErasedNameHash.digest)))
    erase(engine, settings, erased, source="settings", actor=f"member:{erased}")
    with session_scope(engine) as s:
        stored = set(s.scalars(select(ErasedNameHash.digest))) - before
    key = Keyring.load(settings).key(KeyPurpose.ERASED_NAMES).secret
    given, family = folded_tokens(first), folded_tokens(last)
    assert family == ["o'brien-ludenscheidt"]
    forms = [
        folded_tokens(f"{first} {last}"),  # the display name
        given + family,
        family + given,
        [given[0], *family],
        folded_tokens(handle),
    ]
    assert stored == {erased_name_digest(key, f) for f in forms if len(f) >= 2}


@pytest.mark.parametrize(
    "text",
    [
        "write to zoe.k+jobs@example.co.uk today",
        "reach me: recruiting at northwind dot io",
        "recruiting [at] northwind [dot] io",
        "recruiting(AT)northwind.io",
    ],
)
def test_email_addresses_plain_and_spelled_out_are_found(world, text):
    assert [kind for _, kind in _found(_scanner(*world), text)] == ["EMAIL"]


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Call (650) 253-0000 after 5", "US"),
        ("Tel. 030 901820 oder mobil", "DE"),
        ("Appelez le 06 12 34 56 78 demain", "FR"),
        ("Ring 020 7946 0958 tomorrow", "GB"),
        ("Office: +81 3-3224-9999", None),
        ("WhatsApp +91 98765 43210", "US"),
        ("Phone +55 11 2345-6789", None),
    ],
)
def test_phone_numbers_of_several_countries_are_found(world, text, region):
    assert [kind for _, kind in _found(_scanner(*world), text, region)] == ["PHONE"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Pay to DE89 3704 0044 0532 0130 00 by Friday", "IBAN"),
        ("IBAN: GB82WEST12345698765432.", "IBAN"),
        ("card 4111-1111-1111-1111 exp 12/29", "CARD"),
    ],
)
def test_bank_and_card_numbers_are_found(world, text, kind):
    assert [k for _, k in _found(_scanner(*world), text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "Released v2.14.3 on 2024-03-15; notes at https://example.com/releases/v2.14",
        "Acme Corp and Globex GmbH closed the merger in Q3 2023 for $4,200,000.",
        "Stack: Python 3.11, PostgreSQL 16.2 on port 5432, Kafka 3.6, 128 GB RAM.",
        "Meeting on 12/05/2024 at 10:30 in room 4.12, building 7 of 10.",
        "Revenue grew 12.5% year over year (FY2023: 1,234,567 units).",
        "ISO 27001 and SOC 2 Type II audits passed; RFC 9110 compliant API.",
        "Senior Data Engineer at Contoso Ltd, 2019-2023, Berlin.",
        "Lunch with <PERSON> at <EMAIL>, call <PHONE>, IBAN <IBAN>, card <CARD>.",
    ],
)
def test_clean_professional_text_and_placeholders_give_no_finding(world, text):
    scanner = _scanner(*world)
    assert _found(scanner, text) == []
    for region in ("US", "DE", "FR", "GB", "IN"):
        assert _found(scanner, text, region) == []


def test_findings_name_the_record_column_item_type_and_offsets(world):
    record = {
        "record_id": "r1",
        "data_class": "post",
        "title": "Weekly notes",
        "text": "Thanks Tobias Lindqvist for the review",
        "industry": "Software",
        "country": "FR",
        "seniority": "senior",
        "titles": ["Engineer"],
        "companies": ["Acme", "Globex, call 06 12 34 56 78"],
        "skills": ["python"],
        "year": 2024,
        "record_hash": "x",
    }
    found = _scanner(*world).scan([record])
    assert found == [
        ResidualFinding("r1", "companies", 1, "PHONE", 13, 27),
        ResidualFinding("r1", "text", -1, "PERSON", 7, 23),
    ]
    assert [where(f) for f in found] == ["companies[1] 13-27", "text 7-23"]


def test_a_name_written_into_a_built_dataset_fails_the_audit_command(
    sqlite_engine, sqlite_settings, capsys
):
    engine, settings = sqlite_engine, sqlite_settings
    seed_network(engine, settings, members=30, seed=4, recruiters_consent=True)
    dataset = build_dataset(engine, settings, "train-ai", 2)
    assert main(["datasets", "audit", dataset]) == 0
    capsys.readouterr()
    with session_scope(engine) as s:
        rid = s.scalars(
            select(DatasetLineageRow.record_id)
            .where(DatasetLineageRow.dataset_id == dataset)
            .order_by(DatasetLineageRow.record_id)
        ).first()
        first, last = s.execute(
            select(Member.first_name, Member.last_name).order_by(Member.id).limit(1)
        ).one()
    # After the build: the name in lower case, as a scrubber keyed on capitals misses it.
    rewrite_record(
        engine, settings, dataset, rid, title=f"notes for {first.lower()} {last.lower()}"
    )
    assert main(["datasets", "audit", dataset, "--json"]) == 1
    out = capsys.readouterr().out
    findings = json.loads(out)["findings"]
    pii = [f for f in findings if f["check"] == "residual-pii"]
    assert [(f["kind"], f["record_id"]) for f in pii] == [("personal-data", rid)]
    assert "PERSON at title 10-" in pii[0]["message"]
    assert f"{first} {last}".lower() not in out.lower()  # the report never repeats the name
