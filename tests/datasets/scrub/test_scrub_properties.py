"""Properties that hold for any text: spans are well-formed, scrubbing is idempotent,
replacement removes the values, and any Luhn-valid card number in random words is found."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consentry.datasets.scrub import Scrubber, validators
from consentry.datasets.scrub.scrubber import apply
from consentry.synthetic import pii

SCRUBBER = Scrubber(known_names=["Anna Müller", "Jan de Vries"], known_handles=["anna.mueller84"])

# Words, digits, punctuation and planted-looking values, so detectors actually fire.
_words = st.sampled_from(
    ["the", "Anna", "Müller", "call", "born", "on", "12", "March", "1990", "+49", "151",
     "2345", "6789", "@bob", "x@y.com", "Street", "Via", "Roma", "10", "DE89", "3704",
     "0044", "0532", "0130", "00", "https://a.example.com/x", "Jan", "de", "Vries", "Dr.",
     "Hauptstraße", "5,", "10115", "Berlin", ".", ",", "\n", "192.168.0.1", "née", "ID:",
     # The context rules, de-obfuscation and the NER stage (on by default)
     "Margarethe", "Oppenheimer", "Lisbon", "thanks", "met", "lives", "in", "T.", "Quennell",
     "anna", "müller", "dot", "at", "gmail", "com", "[at]", "zero", "one", "five", "Mme",
     "Python", "#Career", "Springfield,", "IL", "62704", "merci", "pour"]
)  # fmt: skip
texts = st.lists(st.one_of(_words, st.text(max_size=8)), max_size=40).map(" ".join)
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(texts)
def test_spans_are_sorted_disjoint_and_inside_the_text(text: str) -> None:
    spans = SCRUBBER.find(text)
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start


@fast
@given(texts)
def test_scrubbing_twice_finds_nothing_new(text: str) -> None:
    once = SCRUBBER.scrub(text).text
    assert SCRUBBER.scrub(once).text == once


@fast
@given(texts)
def test_replaced_values_are_gone(text: str) -> None:
    result = SCRUBBER.scrub(text)
    assert result.text.count("<") - text.count("<") == len(result.spans)
    for span in result.spans:
        value = text[span.start : span.end]
        # A value may survive only where it also occurs in a context that is not personal
        # data ("10115 1990 1990" is a postcode and years; "1990 1990" alone may dial).
        if len(value) >= 6 and value in result.text:
            assert text.count(value) > 1


@fast
@given(texts)
def test_batch_equals_single(text: str) -> None:
    [batch] = SCRUBBER.scrub_batch([text], [["Quinlan Zebrowski"]])
    assert batch.spans == SCRUBBER.find(text, author_names=["Quinlan Zebrowski"])


@fast
@given(
    st.randoms(use_true_random=False),
    st.lists(st.sampled_from(["paid", "with", "card", "thanks", "ok", "the", "Anna"]), max_size=6),
    st.lists(st.sampled_from(["expiry", "soon", "please", "refund", "now"]), max_size=6),
)
def test_any_luhn_valid_card_in_words_is_found(rng, before, after) -> None:
    number = pii.card(rng)
    assert validators.card_valid(number)
    prefix = " ".join(before) + (" " if before else "")
    text = prefix + number + (" " if after else "") + " ".join(after)
    spans = SCRUBBER.find(text)
    assert any(
        s.type == "CARD" and s.start <= len(prefix) and s.end >= len(prefix) + len(number)
        for s in spans
    ), (text, spans)


@pytest.mark.parametrize(
    "text",
    [
        "Via Anna Anna 12 1990 1990",  # what the address left became a phone of its own
        "Hauptstraße 5, 10115 Berlin x@y.com",
    ],
)
def test_what_a_first_pass_leaves_is_scrubbed_in_the_same_pass(text: str) -> None:
    once = SCRUBBER.scrub(text)
    assert SCRUBBER.scrub(once.text).text == once.text
    assert once.text == apply(text, once.spans)  # the spans are offsets into the input
