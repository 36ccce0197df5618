"""Names that only their context gives away: initials and surname, known names in lower
case, a known person's given name after a cue, titles. Rules only (`ner=False`), so each
case shows what the rule itself finds."""

from __future__ import annotations

import pytest

from consentry.datasets.scrub import Scrubber

KNOWN = ["Theodora Quennell", "Zoë Kowalczyk", "Will Summers", "Rose Baker"]


@pytest.fixture(scope="module")
def rules() -> Scrubber:
    return Scrubber(known_names=KNOWN, ner=False)


def _found(scrubber: Scrubber, text: str) -> list[tuple[str, str, str]]:
    return [(text[s.start : s.end], s.type, s.detector) for s in scrubber.find(text, explain=True)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Great session with T. Quennell today", "T. Quennell"),
        ("as J.R.R. Tolkien wrote", "J.R.R. Tolkien"),
        ("signed, A. B. Okonkwo-Smith", "A. B. Okonkwo-Smith"),
        ("Merci à J. Lefèvre pour la relecture", "J. Lefèvre"),
    ],
)
def test_initials_and_a_surname_are_a_person(rules, text, name) -> None:
    assert (name, "PERSON", "rule:initial-surname") in _found(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "Our U.S. Army contract renews in May.",
        "We went with plan B. Then it worked.",
        "Take vitamin D. Sources vary.",
        "Use e.g. Python or i.e. Go.",
        "R&D. New role, same city.",
        "Q. What changed? A. Everything.",
    ],
)
def test_abbreviations_and_labels_are_not_initials(rules, text) -> None:
    assert [f for f in _found(rules, text) if f[2] == "rule:initial-surname"] == []


def test_a_known_name_is_found_in_lower_case(rules) -> None:
    text = "thanks theodora quennell and zoë kowalczyk for the intro"
    assert _found(rules, text) == [
        ("theodora quennell", "PERSON", "known-name"),
        ("zoë kowalczyk", "PERSON", "known-name"),
    ]


def test_one_lower_case_word_of_a_known_name_is_an_ordinary_word(rules) -> None:
    assert rules.find("a rose garden and a baker's dozen, will do") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("thanks theodora, that helped", "theodora"),
        ("Met Theodora at the meetup", "Theodora"),
        ("merci Zoë pour tout", "Zoë"),
        ("cc: Theodora", "Theodora"),
    ],
)
def test_a_known_given_name_after_a_person_cue(rules, text, name) -> None:
    assert (name, "PERSON", "rule:cue-given-name") in _found(rules, text)


def test_a_given_name_that_is_a_common_word_needs_its_capital(rules) -> None:
    assert rules.find("met with will and thanks rose for nothing") == []
    assert [f[0] for f in _found(rules, "thanks Will, great talk")] == ["Will"]


def test_an_unknown_given_name_after_a_cue_is_left_to_the_model(rules) -> None:
    assert rules.find("thanks xanthe for the review") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Herr Schmidt kommt morgen", "Schmidt"),
        ("Frau Okonjo-Iweala sprach", "Okonjo-Iweala"),
        ("Rendez-vous avec Mme Lefèvre", "Lefèvre"),
        ("Reunión con Sr. García mañana", "García"),
        ("Gracias, Sra. López", "López"),
        ("Prof. Ada Lovelace opened", "Ada Lovelace"),
        ("Mrs. Dalloway bought flowers", "Dalloway"),
        ("Dr. Amara Okafor joins us", "Amara Okafor"),
    ],
)
def test_titles_then_capitalised_words(rules, text, name) -> None:
    assert [f[0] for f in _found(rules, text) if f[1] == "PERSON"] == [name]


def test_empty_blank_and_malformed_text(rules) -> None:
    assert rules.find("") == []
    assert rules.find("   \n\t ") == []
    # A NUL, a lone surrogate and control characters next to a name do not break it.
    text = "\x00\ud800\x07 T. Quennell\x1b"
    assert _found(rules, text) == [("T. Quennell", "PERSON", "rule:initial-surname")]


def test_very_long_text_keeps_its_offsets(rules) -> None:
    filler = "the quarterly numbers were fine and nobody complained about them. " * 3000
    text = filler + "thanks theodora quennell!"
    [span] = rules.find(text)
    assert text[span.start : span.end] == "theodora quennell"
