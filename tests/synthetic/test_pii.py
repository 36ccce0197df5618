"""Planted personal data is valid by each format's own rules (the scrubber is measured on it)."""

from __future__ import annotations

from datetime import date
from random import Random

import phonenumbers
import pytest

from consentry.datasets.scrub import validators as v
from consentry.synthetic import national_ids as ids
from consentry.synthetic import pii
from consentry.synthetic.texts import assemble, mention_insert, pii_insert

PERSON = pii.Person("Giulia", "Bianchi", "giulia.bianchi", "IT", date(1990, 3, 12), "Jan Novák")


@pytest.mark.parametrize(
    ("valid", "number"),
    [
        (v.es_dni_valid, "12345678Z"),
        (v.nl_bsn_valid, "111222333"),
        (v.pl_pesel_valid, "44051401359"),
        (v.it_codice_fiscale_valid, "RSSMRA85T10A562S"),
        (v.ca_sin_valid, "130 692 544"),
        (v.se_personnummer_valid, "811228-9874"),
        (v.de_steuer_id_valid, "86095742719"),
        (v.fr_nir_valid, "2 55 08 14 168 025 38"),
        (v.iban_valid, "GB82 WEST 1234 5698 7654 32"),
        (v.iban_valid, "DE89370400440532013000"),
    ],
)
def test_validators_accept_published_specimens(valid, number):
    assert valid(number)


@pytest.mark.parametrize(
    ("valid", "number"),
    [
        (v.es_dni_valid, "12345678A"),
        (v.nl_bsn_valid, "111222334"),
        (v.pl_pesel_valid, "44051401358"),
        (v.card_valid, "4111 1111 1111 1112"),
        (v.iban_valid, "DE89370400440532013001"),
        (v.fr_nir_valid, "2 55 08 14 168 025 39"),
    ],
)
def test_validators_reject_a_wrong_check_digit(valid, number):
    assert not valid(number)


@pytest.mark.parametrize("country", sorted(ids.ID_BY_COUNTRY))
def test_national_ids_pass_their_checksum(country):
    rng = Random(country)
    for _ in range(300):
        number = pii.national_id(rng, country, "Giulia", "Bianchi")
        assert ids.VALIDATORS[country](number), number


def test_cards_ibans_and_phones_are_valid():
    rng = Random(5)
    cards = [pii.card(rng) for _ in range(500)]
    assert all(v.card_valid(c) for c in cards)
    assert {c[0] for c in cards} >= {"3", "4", "5", "6"} and any("-" in c for c in cards)
    ibans = [pii.iban(rng, country) for country in ("DE", "FR", "GB", "ES", "IT", "NL", "PL") * 50]
    assert all(v.iban_valid(i) for i in ibans) and any(" " in i for i in ibans)
    assert any(" " not in i for i in ibans)
    for country in pii.PHONE_COUNTRIES:
        for _ in range(20):
            written = pii.phone(rng, country)
            number = phonenumbers.parse(written, country)
            assert phonenumbers.is_valid_number(number), (country, written)
    formats = {pii.phone(rng, "DE")[:1] for _ in range(60)}
    assert formats == {"+", "0"}  # international and national forms both occur


def test_dates_of_birth_in_three_forms():
    rng = Random(1)
    forms = {pii.date_of_birth(rng, date(1990, 3, 12)) for _ in range(50)}
    assert forms == {"12 March 1990", "1990-03-12", "03/12/1990"}


def test_every_type_has_a_maker_and_frames():
    assert set(pii.VALUE_MAKERS) == set(pii.FRAMES) == set(pii.TYPE_WEIGHTS) == set(pii.PII_TYPES)
    rng = Random(2)
    ips = [pii.ip_address(rng) for _ in range(200)]
    assert any(":" in ip for ip in ips) and any(ip.count(".") == 3 for ip in ips)


def test_assembled_spans_point_at_the_values():
    rng = Random(9)
    for _ in range(300):
        inserts = [pii_insert(rng, kind, PERSON) for kind in rng.sample(pii.PII_TYPES, 3)]
        inserts.append(mention_insert(rng, "jan.novak"))
        text, spans = assemble(rng, ["One sentence.", "Another one.", "A third."], inserts)
        assert len(spans) == 4
        for span in spans:
            assert text[span.start : span.end] == span.value
        assert any(s.value == "@jan.novak" and s.type == "PERSON" for s in spans)


def test_names_in_greetings_and_sign_offs_are_planted():
    from consentry.synthetic.careers import OCCUPATIONS
    from consentry.synthetic.texts import message
    from consentry.synthetic.vocabulary import Author

    rng = Random(4)
    author = Author(
        "Wing Yan", OCCUPATIONS[0], "Data Engineer", "Nordwind Labs", "Kowloon", ("SQL", "Spark"), 4
    )
    for _ in range(200):
        text, spans = message(rng, author, "Aoife", [pii_insert(rng, "IBAN", PERSON)])
        for span in spans:
            assert text[span.start : span.end] == span.value
        names = [s.value for s in spans if s.type == "PERSON"]
        assert names.count("Aoife") == text.count("Aoife")
        assert names.count("Wing Yan") == text.count("Wing Yan")
