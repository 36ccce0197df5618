"""Erased names, matched by keyed hashes alone: any case, any accents, either order; never
one word alone, never without the key."""

from __future__ import annotations

import unicodedata

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from consentry.datasets.scrub import Scrubber
from consentry.datasets.scrub.erased import ErasedNames, fold, name_forms, name_hashes

KEY = b"k" * 32
_LETTERS = "abcdefghijklmnopqrstuvwxyzéèüöäåøñçłšž"
_FILLER = [
    "lunch",
    "with",
    "today",
    "and",
    "the",
    "team",
    "met",
    "at",
    "our",
    "office",
    "thanks",
    "for",
    "a",
    "great",
    "talk",
]

word = st.text(alphabet=_LETTERS, min_size=2, max_size=10).map(str.capitalize)


def _erased(*names: tuple[str, str]) -> Scrubber:
    rows = [
        (h.digest, h.words, h.gate)
        for first, last in names
        for h in name_hashes(KEY, first, last, f"{first} {last}")
    ]
    return Scrubber(erased=ErasedNames(KEY, rows))


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_RENDERINGS = (
    lambda g, s: f"{g} {s}",
    lambda g, s: f"{g} {s}".upper(),
    lambda g, s: f"{g} {s}".lower(),
    lambda g, s: _plain(f"{g} {s}"),
    lambda g, s: f"{g} {s}'s",
    lambda g, s: f"{s}, {g}",
)


# No deadline: the first example may load the NER model and the lexicon (seconds, once).
@settings(deadline=None)
@given(
    first=word,
    last=word,
    render=st.sampled_from(_RENDERINGS),
    before=st.lists(st.sampled_from(_FILLER), max_size=4),
    after=st.lists(st.sampled_from(_FILLER), max_size=4),
)
def test_an_erased_name_is_found_however_it_is_written(first, last, render, before, after):
    name = {fold(first), fold(last)}
    assume(not name & {fold(w) for w in _FILLER})
    text = " ".join([*before, render(first, last), *after])
    scrubbed = _erased((first, last)).scrub(text).text
    assert not name & {fold(w) for w in scrubbed.replace(",", " ").split()}, scrubbed
    assert scrubbed == " ".join([*before, "<PERSON>", *after])


@given(first=word, last=word, other=word)
def test_one_word_of_an_erased_name_or_another_persons_name_is_left_alone(first, last, other):
    assume(fold(other) not in {fold(first), fold(last)})
    scrubber = _erased((first, last))
    for text in (f"met {last} today", f"met {first} today", f"met {first} {other} today"):
        assert _erased_spans(scrubber, text) == []


def _erased_spans(scrubber: Scrubber, text: str):
    assert scrubber.erased is not None
    return scrubber.erased.find(text)


def test_the_hashes_are_keyed_and_hold_no_one_word_form():
    forms = name_forms("Mary Ann", "van der Berg", "Mary Ann van der Berg")
    assert ("mary", "van", "der", "berg") in forms and (
        "van",
        "der",
        "berg",
        "mary",
        "ann",
    ) in forms
    assert all(len(f) >= 2 for f in forms)
    assert name_forms("Cher", "", "Cher", "cher") == set()
    assert ("anna", "mueller84") in name_forms("Anna", "Müller", "Anna Müller", "anna.mueller84")
    hashes = name_hashes(KEY, "Xanthippe", "Vordermeyer", "Xanthippe Vordermeyer")
    assert hashes == name_hashes(KEY, "XANTHIPPE", "Vördermeyer", "xanthippe vordermeyer")
    other = name_hashes(b"o" * 32, "Xanthippe", "Vordermeyer", "Xanthippe Vordermeyer")
    assert {h.digest for h in hashes}.isdisjoint(h.digest for h in other)
    # Rules only: the NER stage would find the name on its own.
    wrong_key = Scrubber(
        erased=ErasedNames(b"o" * 32, [(h.digest, h.words, h.gate) for h in hashes]), ner=False
    )
    assert wrong_key.scrub("Lunch with Xanthippe Vordermeyer").spans == []


def test_a_middle_name_may_be_left_out_and_words_far_apart_are_not_a_name():
    scrubber = _erased(("Mary Ann", "Quennell"))
    assert scrubber.scrub("Mary Quennell and Mary Ann Quennell").text == "<PERSON> and <PERSON>"
    assert _erased_spans(scrubber, "Mary went home.   Quennell stayed") == []
