"""The scrubber benchmark's evaluation sets and scoring rule (bench/scrub_eval).

The sets are made with Faker (the `bench` extra); their tests are skipped where it is not
installed. The scoring rule needs nothing but the standard library and always runs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

from scrub_eval.scoring import score


def case(text, spans=(), kind="positive"):
    return SimpleNamespace(text=text, spans=list(spans), kind=kind)


def test_a_value_counts_as_caught_when_half_of_it_is_covered_by_its_type():
    text = "call Anna Maria Meyer today"
    gold = [(5, 21, "PERSON")]  # "Anna Maria Meyer": 14 non-space characters
    half = score([case(text, gold)], [[(5, 15, "PERSON")]])  # "Anna Maria": 9 of 14
    less = score([case(text, gold)], [[(5, 9, "PERSON")]])  # "Anna": 4 of 14
    other_type = score([case(text, gold)], [[(5, 21, "ADDRESS")]])
    assert half.recall("PERSON") == 1.0
    assert less.recall("PERSON") == 0.0
    assert other_type.recall("PERSON") == 0.0
    assert other_type.recall("PERSON", typed=False) == 1.0
    assert other_type.precision("ADDRESS") == 0.0
    assert other_type.precision("ADDRESS", typed=False) == 1.0


def test_false_positives_are_counted_on_clean_text_and_negatives():
    clean = case("We moved to Kubernetes in Berlin last year", kind="clean")
    negative = case("we migrated to Node.js", kind="url-like")
    quiet = case("see report.pdf", kind="url-like")
    out = score(
        [clean, negative, quiet], [[(26, 32, "ADDRESS")], [(15, 22, "URL")], []]
    )  # "Berlin", "Node.js"
    assert (out.words_flagged, out.words) == (1, 8)
    assert out.negatives["url-like"] == 2 and out.negatives_flagged["url-like"] == 1
    assert out.recall() != out.recall()  # nothing labelled: no recall at all (NaN)


def test_unlabelled_names_are_left_out_of_precision_only_when_asked():
    text = "thanks Anna, mail x@y.org"
    gold = [(18, 25, "EMAIL")]
    spans = [(7, 11, "PERSON"), (18, 25, "EMAIL")]
    assert score([case(text, gold)], [spans]).precision("PERSON") == 0.0
    relaxed = score([case(text, gold)], [spans], unlabelled_persons_ok=True)
    assert relaxed.predicted["PERSON"] == 0 and relaxed.precision("EMAIL") == 1.0


@pytest.fixture(scope="module")
def sets():
    pytest.importorskip("faker")
    from scrub_eval.sets import make_sets

    return make_sets(5, long=60, short=120, negatives=46, clean=30)


def test_sets_are_reproducible_from_their_seed(sets):
    from scrub_eval.sets import make_sets

    again = make_sets(5, long=60, short=120, negatives=46, clean=30)
    other = make_sets(6, long=60, short=120, negatives=46, clean=30)
    assert {k: s.digest for k, s in sets.items()} == {k: s.digest for k, s in again.items()}
    assert sets["A"].digest != other["A"].digest


def test_checksummed_values_are_valid_and_their_look_alikes_are_not(sets):
    import phonenumbers
    from stdnum import iban, luhn
    from stdnum.br import cpf
    from stdnum.es import nie, nif
    from stdnum.fr import nir
    from stdnum.it import codicefiscale
    from stdnum.nl import bsn
    from stdnum.pl import pesel
    from stdnum.us import ssn

    ids = (ssn, nir, codicefiscale, nif, nie, bsn, pesel, cpf)
    seen = set()
    for c in [*sets["A"].cases, *sets["B"].cases]:
        for start, end, kind in c.spans:
            value = c.text[start:end]
            seen.add(kind)
            if kind == "IBAN":
                assert iban.is_valid(value), value
            elif kind == "CARD":
                assert luhn.is_valid(value.replace(" ", "").replace("-", "")), value
            elif kind == "ID":
                assert any(m.is_valid(value) for m in ids), value
            elif kind == "PHONE":
                assert phonenumbers.is_valid_number(phonenumbers.parse(value, c.region)), value
        if c.kind == "iban-bad":
            shapes = re.findall(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,}", c.text)
            assert shapes and not any(iban.is_valid(x) for x in shapes), c.text
        if c.kind == "card-bad":
            shapes = re.findall(r"\d[\d -]{11,21}\d", c.text)
            assert shapes and not any(luhn.is_valid(re.sub(r"\D", "", x)) for x in shapes)
    assert seen == {"EMAIL", "PHONE", "PERSON", "ADDRESS", "URL", "ID", "CARD", "IBAN", "IP", "DOB"}


def test_labels_mark_exactly_the_inserted_values(sets):
    for c in sets["B"].cases:
        if c.kind != "positive":
            assert not c.spans
            continue
        assert len(c.spans) == 1  # short cases hold one value each
        start, end, _ = c.spans[0]
        assert c.text[start:end].strip() == c.text[start:end] != ""
    assert all(not c.spans for c in sets["clean"].cases)
    kinds = {c.kind for c in sets["B"].cases} - {"positive"}
    assert {"url-like", "iban-bad", "card-bad", "company", "technology", "job-title"} <= kinds
