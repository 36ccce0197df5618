"""Spelled-out emails and phone numbers are found, and the span covers the original
characters ("dot", "at" and all); everyday "at" and number words are left alone."""

from __future__ import annotations

import pytest

from consentry.datasets.scrub import Scrubber

RULES = Scrubber(ner=False)


def _found(text: str) -> list[tuple[str, str, str]]:
    return [(text[s.start : s.end], s.type, s.detector) for s in RULES.find(text, explain=True)]


@pytest.mark.parametrize(
    "email",
    [
        "marta dot ilic at gmail dot com",
        "marta [at] gmail [dot] com",
        "marta(at)gmail.com",
        "marta at gmail.com",
        "marta {at} example (dot) org",
        "MARTA AT EXAMPLE DOT ORG",
        "j.doe at acme.com",
        "anna at acme dot de",
    ],
)
def test_spelled_out_emails(email: str) -> None:
    text = f"write to {email} if you like."
    assert _found(text) == [(email, "EMAIL", "deobfuscated:email")]
    assert RULES.scrub(text).text == "write to <EMAIL> if you like."


def test_a_plain_email_stays_the_format_detectors() -> None:
    assert _found("mail marta@gmail.com") == [("marta@gmail.com", "EMAIL", "format:email")]


@pytest.mark.parametrize(
    "text",
    [
        "we met at acme.com last year",
        "look at this dot, then at that one",
        "meet at 5 at the cafe",
        "I presented at kubecon.io and at devoxx.fr",
        "arrive at noon dot",
        "The agile at scale point is underrated.",
    ],
)
def test_everyday_at_and_dot_are_not_an_email(text: str) -> None:
    assert [f for f in _found(text) if f[1] == "EMAIL"] == []


@pytest.mark.parametrize(
    "phone",
    [
        "zero one five one two three four five six seven eight",
        "plus four nine one five one two three four five six seven eight",
        "0151 . 2345 . 6789",
        "null eins fünf eins zwei drei vier fünf sechs sieben acht",
    ],
)
def test_phones_in_words_or_spread_out(phone: str) -> None:
    text = f"call me on {phone} tomorrow"
    assert _found(text) == [(phone, "PHONE", "deobfuscated:phone")]


@pytest.mark.parametrize(
    "text",
    [
        "I have two kids, one dog and three cats",
        "one two three four, let's go",
        "We grew from 1.250.000 to 2,500,000 users.",
        "scores: 1, 2, 3, 4, 5, 6, 7, 8",
    ],
)
def test_number_words_and_amounts_are_not_phones(text: str) -> None:
    assert [f for f in _found(text) if f[1] == "PHONE"] == []
