"""Each type on hand-made cases, including the look-alikes that must be left alone."""

from __future__ import annotations

import pytest

from consentry.datasets.scrub import Scrubber
from consentry.datasets.scrub import validators as ck


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber(known_names=["Anna Müller", "Jan de Vries"], known_handles=["anna.mueller84"])


def typed(scrubber: Scrubber, text: str, **kw) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.type) for s in scrubber.find(text, **kw)]


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Reach me at anna.mueller84@example.org.", "anna.mueller84@example.org", "EMAIL"),
        ("CVs to j_doe+jobs@post.example.de please.", "j_doe+jobs@post.example.de", "EMAIL"),
        ("Call me on +49 1512 3456789.", "+49 1512 3456789", "PHONE"),
        ("WhatsApp: +447911123456", "+447911123456", "PHONE"),
        ("My number is (212) 555-0123, text first.", "(212) 555-0123", "PHONE"),
        ("Mobile 06 12 34 56 78 works best.", "06 12 34 56 78", "PHONE"),
        ("Ring 030 1234567 after 6pm", "030 1234567", "PHONE"),
        ("Hauptstraße 5, 10115 Berlin is home.", "Hauptstraße 5, 10115 Berlin", "ADDRESS"),
        ("Send it to 5 rue de la Paix, 75002 Paris.", "5 rue de la Paix, 75002 Paris", "ADDRESS"),
        (
            "Office: 221B Baker Street, London NW1 6XE.",
            "221B Baker Street, London NW1 6XE",
            "ADDRESS",
        ),
        ("At Calle Mayor, 3, 28013 Madrid.", "Calle Mayor, 3, 28013 Madrid", "ADDRESS"),
        ("Via Roma 10, 10121 Torino", "Via Roma 10, 10121 Torino", "ADDRESS"),
        ("Kerkstraat 12, 1011 AB Amsterdam.", "Kerkstraat 12, 1011 AB Amsterdam", "ADDRESS"),
        ("1200 Maple Street, Austin, TX 78701", "1200 Maple Street, Austin, TX 78701", "ADDRESS"),
        (
            "See https://www.linkedin.com/in/anna-mueller.",
            "https://www.linkedin.com/in/anna-mueller",
            "URL",
        ),
        ("Profile: linkedin.com/in/anna-mueller-123", "linkedin.com/in/anna-mueller-123", "URL"),
        ("Code is on https://github.com/annam (mine).", "https://github.com/annam", "URL"),
        ("Blocked from 85.214.132.117 again.", "85.214.132.117", "IP"),
        ("From 2001:db8:85a3:0:0:8a2e:370:7334 today", "2001:db8:85a3:0:0:8a2e:370:7334", "IP"),
        ("Via 2a02:8108:1b::4f, not me.", "2a02:8108:1b::4f", "IP"),
        ("Card 4111 1111 1111 1111 was charged.", "4111 1111 1111 1111", "CARD"),
        ("Amex 3782-822463-10005 ok", "3782-822463-10005", "CARD"),
        ("Paid with 5555555555554444, expiry 09/27.", "5555555555554444", "CARD"),
        ("My IBAN is DE89 3704 0044 0532 0130 00.", "DE89 3704 0044 0532 0130 00", "IBAN"),
        ("IBAN: GB82WEST12345698765432", "GB82WEST12345698765432", "IBAN"),
        (
            "Transfer to FR14 2004 1010 0505 0001 3M02 606 please",
            "FR14 2004 1010 0505 0001 3M02 606",
            "IBAN",
        ),
        ("SSN 536-90-4399 on the form.", "536-90-4399", "ID"),
        ("NINO AB 12 34 56 C please", "AB 12 34 56 C", "ID"),
        ("SIN 130 692 544 here", "130 692 544", "ID"),
        ("BSN 111222333 for the contract", "111222333", "ID"),
        ("DNI 12345678Z for the invoice", "12345678Z", "ID"),
        ("NIE X1234567L ok", "X1234567L", "ID"),
        ("CF RSSMRA85T10A562S, grazie", "RSSMRA85T10A562S", "ID"),
        ("PESEL 44051401359 ok", "44051401359", "ID"),
        ("Personnummer 811228-9874 ok", "811228-9874", "ID"),
        ("Steuer-ID 86 095 742 719 bitte", "86 095 742 719", "ID"),
        ("NIR 2 55 08 14 168 025 38 merci", "2 55 08 14 168 025 38", "ID"),
        ("I was born on 12 March 1990.", "12 March 1990", "DOB"),
        ("DOB: 1990-03-12", "1990-03-12", "DOB"),
        ("Date of birth 03/12/1990 on the form.", "03/12/1990", "DOB"),
        ("Ich bin am 12.03.1985 geboren.", "12.03.1985", "DOB"),
        ("Née le 4 juillet 1979 à Lyon.", "4 juillet 1979", "DOB"),
        ("Thanks to Jan de Vries for the help.", "Jan de Vries", "PERSON"),
        ("Spoke with Dr. Zanele Mokoena today.", "Zanele Mokoena", "PERSON"),
        ("Shout-out to @bob_smith!", "@bob_smith", "PERSON"),
        ("Great working with Katarzyna Nowak this year.", "Katarzyna Nowak", "PERSON"),
        ("Ping anna.mueller84 about it", "anna.mueller84", "PERSON"),
    ],
)
def test_each_type_is_found_whole(scrubber: Scrubber, text: str, value: str, kind: str) -> None:
    assert (value, kind) in typed(scrubber, text)


@pytest.mark.parametrize(
    "text",
    [
        "Card 4111 1111 1111 1112 was charged.",  # fails Luhn
        "Order 1234 5678 9012 3456 shipped.",  # fails Luhn
        "IBAN DE89 3704 0044 0532 0130 01 bounced.",  # fails mod-97
        "Ref GB00WEST12345698765432",  # wrong check digits
        "Released v2.13.1 in 2019, then 2020-2021 was busy.",  # versions and year ranges
        "We grew from 1.250.000 to 2,500,000 users.",  # amounts are not phones
        "Meeting on 12.03.2024 at 10:30:45.",  # a date and a time, no birth cue
        "SSN 000-12-3456 is not valid.",  # area 000
        "Build 300.300.300.300 failed.",  # not an IP (octets > 255)
        "I live in the best street of all.",
        "May was a good month. Will it rain? Grace period ends.",
        "Invoice 2024/000117 paid.",  # an invoice number
    ],
)
def test_look_alikes_are_left_alone(scrubber: Scrubber, text: str) -> None:
    assert typed(scrubber, text) == []


def test_the_authors_own_names_are_scrubbed_even_alone(scrubber: Scrubber) -> None:
    text = "Quinlan here. The Zebrowski family says hi. Best, Quinlan Zebrowski"
    found = typed(scrubber, text, author_names=["Quinlan Zebrowski"])
    assert found == [
        ("Quinlan", "PERSON"),
        ("Zebrowski", "PERSON"),
        ("Quinlan Zebrowski", "PERSON"),
    ]


def test_checksums_beat_phone_on_the_same_digits(scrubber: Scrubber) -> None:
    # 111222333 is a valid BSN and also dials somewhere; the checksum type wins.
    assert typed(scrubber, "BSN 111222333") == [("111222333", "ID")]


def test_scrub_replaces_spans_with_placeholders(scrubber: Scrubber) -> None:
    result = scrubber.scrub("Mail anna@example.org or call +49 1512 3456789, Anna Müller")
    assert result.text == "Mail <EMAIL> or call <PHONE>, <PERSON>"
    assert [s.type for s in result.spans] == ["EMAIL", "PHONE", "PERSON"]


def test_region_hint_decides_ambiguous_national_numbers() -> None:
    # A Hong Kong mobile number is valid nowhere else in the default regions.
    assert Scrubber(region="HK").find("Call 5123 4567 now")[0].type == "PHONE"


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (ck.luhn_valid, "79927398713", "79927398710"),
        (ck.iban_valid, "NL91ABNA0417164300", "NL91ABNA0417164301"),
        (ck.uk_nino_valid, "AB123456C", "GB123456C"),
        (ck.ca_sin_valid, "130692544", "130692545"),
        (ck.nl_bsn_valid, "111222333", "111222334"),
        (ck.es_dni_valid, "12345678Z", "12345678A"),
        (ck.it_codice_fiscale_valid, "RSSMRA85T10A562S", "RSSMRA85T10A562T"),
        (ck.pl_pesel_valid, "44051401359", "44051401358"),
        (ck.se_personnummer_valid, "811228-9874", "811228-9875"),
        (ck.de_steuer_id_valid, "86095742719", "86095742718"),
        (ck.fr_nir_valid, "255081416802538", "255081416802539"),
        (ck.us_ssn_valid, "536-90-4399", "666-90-4399"),
    ],
)
def test_validators_accept_the_good_and_refuse_the_bad(check, good: str, bad: str) -> None:
    assert check(good)
    assert not check(bad)


def test_a_hundred_thousand_known_names_stay_fast() -> None:
    import time

    names = [f"Given{i} Family{i % 997}" for i in range(100_000)]
    started = time.perf_counter()
    scrubber = Scrubber(known_names=names)
    text = "Lunch with Given73321 Family540 and Given5 Family5 went well. " * 5
    spans = [scrubber.find(text) for _ in range(200)][-1]
    assert time.perf_counter() - started < 10
    assert [text[s.start : s.end] for s in spans][:2] == ["Given73321 Family540", "Given5 Family5"]


# RSSMRA85T10A562S with some or all of its seven digits written as omocodia letters
# (0-9 -> L M N P Q R S T U V), each with its own check letter.
OMOCODIA = ["RSSMRA85TMLARSNC", "RSSMRAURTMLARSNL"]


@pytest.mark.parametrize("code", OMOCODIA)
def test_omocodia_fiscal_codes_are_found_one_by_one_and_in_batches(
    scrubber: Scrubber, code: str
) -> None:
    text = f"Il mio codice fiscale è {code}, grazie."
    assert ck.it_codice_fiscale_valid(code)
    assert typed(scrubber, text) == [(code, "ID")]
    # A code without a single digit used to slip past the batch path's digit gate.
    [result] = scrubber.scrub_batch([text])
    assert result.text == "Il mio codice fiscale è <ID>, grazie."


def test_a_wrong_omocodia_check_letter_is_left_alone(scrubber: Scrubber) -> None:
    assert not ck.it_codice_fiscale_valid("RSSMRAURTMLARSNA")
    assert scrubber.scrub_batch(["Codice RSSMRAURTMLARSNA"])[0].spans == []


def test_swedish_co_ordination_numbers_are_ids(scrubber: Scrubber) -> None:
    # The day plus 60; the date is checked with the day brought back (38 is no day).
    assert typed(scrubber, "Samordningsnummer 811288-9871 ok") == [("811288-9871", "ID")]
    assert not ck.se_personnummer_valid("811298-9879")
