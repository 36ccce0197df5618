"""The RE2 gates only skip detectors that could not have found anything: with every gate
forced open the scrubber finds exactly the same spans, and each gate opens wherever its
detector's own Python pattern matches (Unicode digits and white space included)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consentry.datasets.scrub import (
    Scrubber,
    context,
    deobfuscate,
    formats,
    handles,
    persons,
    phones,
    triggers,
)

# The gates choose among the rules; the NER stage reads the same texts either way
# (test_scrub_ner.py shows `find` and `scrub_batch` agree with it on).
SCRUBBER = Scrubber(
    known_names=["Anna Müller", "Jan de Vries"], known_handles=["anna.mueller84"], ner=False
)

# Pieces that sit right at the edge of the gates: Unicode digits (Arabic-Indic, Devanagari,
# full-width), Python-only white space (NBSP, figure space, \x1c), separators and shapes.
_pieces = st.sampled_from(
    ["٠١٢٣٤٥٦٧٨٩", "१२३", "１２３４", "\u00a0", "\u2007", "\x1c", "\x85", "\t", "-", ".",
     "/", "(", ")", "+", ":", " ", "0", "1", "2", "5", "9", "12", "123", "4111", "1111",
     "DE89", "AB", "C", "X", "2A", "RSSMRA85T10A562S", "RSSMRAURTMLARSNL", "Street", "St.", "rue", "Via",
     "Hauptstraße", "Platz", "Calle", "C/", "ul.", "de la", "Baker", "Mayor", "221B",
     "Kerkstraat", "bis", "Élysées", "al.", "Dr.", "Mme", "born", "@", "a.b", "x1", "www.", ".com", "::1",
     "2001:db8::1", "536-90-4399", "811228-9874", "+49 151 2345 6789", "(212) 555-0123",
     # cues, number words and spelled-out separators; Python's (?i) folds ı and İ to i
     "thanks", "Hı", "hİ", "merci", "it's", "ıt's", "so", "here", "anna", "joy", "Quinn",
     "one", "zwei", "ONE", "sıx", "at", "AT", "[at]", "(dot)", "dot", "poınt", "gmail",
     "bırth", "\n", "! "]
)  # fmt: skip
texts = st.lists(st.one_of(_pieces, st.text(max_size=6)), max_size=30).map("".join)
fast = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_PHONE_DIGITS = 7
_DIGIT = re.compile(r"\d")


def _matches(*patterns):
    return lambda text: any(p.search(text) for p in patterns)


# Each gate with what must open it: its detector's own pattern, or what its detector finds
# where the detector refuses some matches of its pattern before any check (an IPv6 shape
# without a digit). The codice fiscale's gate opens on its hint, digits or none.
GATE_CASES = [
    (triggers.AT, _matches(formats.EMAIL, formats.MENTION)),
    (triggers.URL, _matches(formats.URL)),
    (triggers.HANDLE, _matches(handles.HANDLE)),
    (triggers.IBAN, _matches(formats.IBAN_START)),
    (triggers.CARD, _matches(formats.CARD)),
    (triggers.IPV4, _matches(formats.IPV4)),
    (triggers.IPV6, formats.find_ipv6s),
    (triggers.ADDRESS, _matches(formats.ADDRESS)),
    *[
        (bit, _matches(formats.ID_SHAPES[name][0]))
        for name, bit in triggers.ID_SHAPE_BITS.items()
        if name != "codice_fiscale"
    ],
    (triggers.ID_SHAPE_BITS["codice_fiscale"], _matches(formats._CF_HINT)),
    (triggers.BIRTH, _matches(formats.BIRTH_CUE)),
    (triggers.GREETING, _matches(context._GREETING)),
    (triggers.INTRO, _matches(context._INTRO)),
    (triggers.OPENING, _matches(context._OPENING, context._HERE)),
    (triggers.NUMBER_WORD, _matches(deobfuscate._NUMBER_WORD)),
    (triggers.SPELLED_AT, deobfuscate.find_emails),
]


def _title_before_any_run(text: str) -> bool:
    return any(
        persons._TITLE_BEFORE.search(text, max(0, m.start() - 12), m.start())
        for m in persons.RUN.finditer(text)
    )


def _phone_candidate(text: str) -> bool:
    return any(
        len(_DIGIT.findall(m.group())) >= _PHONE_DIGITS
        for m in phones.PHONE_CANDIDATE.finditer(text)
    )


def _check_gates(text: str) -> None:
    [bits] = triggers.triggers_batch([text])
    for bit, opens in GATE_CASES:
        if opens(text):
            assert bits & bit, (ascii(text), bit)
    if _DIGIT.search(text):
        assert bits & triggers.DIGIT
    if _phone_candidate(text):
        assert bits & triggers.PHONE, ascii(text)
    if _title_before_any_run(text):
        assert bits & triggers.TITLE, ascii(text)


@fast
@given(texts)
def test_every_gate_opens_where_its_detector_matches(text: str) -> None:
    _check_gates(text)


@fast
@given(texts)
def test_gates_never_change_the_spans(text: str) -> None:
    [batch] = SCRUBBER.scrub_batch([text], [["Quinlan Zebrowski"]])
    assert batch.spans == SCRUBBER.find(text, author_names=["Quinlan Zebrowski"])


@pytest.mark.parametrize(
    "text",
    [
        "Call ٠١٢٣٤٥٦٧٨٩ now",  # Arabic-Indic digits are digits to Python's \d
        "Tel\u00a0+49\u00a0151\u00a02345\u00a06789",  # NBSP between groups
        "Card 4111\u20071111\u20071111\u20071111",  # figure space is \s, not a card separator
        "(0) 30 1234567",
        "Dr.\tAnna",
        "5 rue\u00a0de Rivoli",
        "bırth date 12.03.1990",  # Python's (?i) reads "ı" as "i", RE2 does not
        "Hİ Quinn, call zwei drei vier fünf sechs sieben acht",
        "ıt's joy meijer. anna ortiz here",
        "marta at gmaıl dot com",
    ],
)
def test_gates_hold_on_unicode_digits_and_white_space(text: str) -> None:
    _check_gates(text)
    assert SCRUBBER.scrub_batch([text])[0].spans == SCRUBBER.find(text)


def test_a_batch_gets_the_same_gates_as_each_text_alone() -> None:
    batch = ["no digits here", "SSN 536-90-4399", "", "mail a@b.example", "Via Roma 10"]
    alone = [triggers.triggers_batch([t])[0] for t in batch]
    assert triggers.triggers_batch(batch) == alone
    assert triggers.triggers_batch([]) == []
    assert not alone[0] & triggers.DIGIT
    assert alone[1] & triggers.ID_SHAPE_BITS["ssn"]
