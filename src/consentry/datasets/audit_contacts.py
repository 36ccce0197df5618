"""The audit's own finder of contact and payment data: e-mail addresses, phone numbers,
IBANs and card numbers, for the residual-PII check (`audit_pii`).

A second, deliberately simple implementation, sharing no code with the scrubber
(`datasets/scrub/`): a short regex for e-mail addresses and their spelled-out forms
("anna at example dot com", "anna [at] example [dot] com"); `phonenumbers`'
`PhoneNumberMatcher` at `Leniency.VALID` for phone numbers; and python-stdnum's validators
over candidate runs for IBANs (`stdnum.iban`) and card numbers (`stdnum.luhn`, 13 to 19
digits, a card network's leading digit). It is meant to be read in one sitting, not to
be fast or clever.

`find_contacts(text, region)` returns `(start, end, type)` spans, types as the scrubber
names them (EMAIL, PHONE, IBAN, CARD), sorted and non-overlapping: of two overlapping
spans the longer is kept (an IBAN's digits are not reported again as a card number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum import iban, luhn

# user@host.tld — the top-level domain in letters, so "v1.2@3.4" is not an address.
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-']+@(?:[\w\-]+\.)+[^\W\d_]{2,}(?![\w\-])")
# "anna at example dot com", "anna (at) example (dot) com", "anna[at]example.com". A
# bracketed "at" may be followed by real dots; a bare " at " needs a spelled " dot " at
# every step, or every "works at acme.com" would read as an address.
_BRACKETED = re.compile(
    r"(?<![\w.])[\w.+\-]+\s*[\[({]\s*at\s*[\])}]\s*[\w\-]+"
    r"(?:(?:\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+|\.)[\w\-]+)+",
    re.IGNORECASE,
)
_SPELLED = re.compile(
    r"(?<![\w.])[\w.+\-]+\s+at\s+[\w\-]+(?:\s+dot\s+[\w\-]+)+(?![\w\-])", re.IGNORECASE
)

# Where the record's region is unknown, numbers written in national form are tried as
# these countries write them (international "+CC ..." forms are found under any region).
FALLBACK_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN")
# Fewer digits than this in a whole text: no phone number, no card, no IBAN to look for.
_MIN_DIGITS = 7

# Candidate IBANs: a country code, two check digits, then groups of letters and digits.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{1,4}){3,9}")
# Candidate card numbers: 13 to 19 digits, single spaces or hyphens between groups.
_CARD = re.compile(r"(?<![\d\-])\d(?:[ \-]?\d){12,18}(?![\d\-])")


def _regions(region: str | None) -> Sequence[str]:
    code = (region or "").split("-")[0].upper()
    if code and code in phonenumbers.SUPPORTED_REGIONS:
        return (code,)
    return FALLBACK_REGIONS


def emails(text: str) -> Iterator[tuple[int, int, str]]:
    """EMAIL spans: plain addresses and their spelled-out forms."""
    if "@" in text:
        for m in _EMAIL.finditer(text):
            yield m.start(), m.end(), "EMAIL"
    lowered = text.casefold()
    if " at" in lowered or "at " in lowered or "at]" in lowered or "at)" in lowered:
        for pattern in (_BRACKETED, _SPELLED):
            for m in pattern.finditer(text):
                yield m.start(), m.end(), "EMAIL"


def phones(text: str, region: str | None) -> Iterator[tuple[int, int, str]]:
    """PHONE spans that `phonenumbers` finds valid for `region` (else the fallbacks)."""
    for code in _regions(region):
        for m in PhoneNumberMatcher(text, code, leniency=Leniency.VALID):
            yield m.start, m.end, "PHONE"


def ibans(text: str) -> Iterator[tuple[int, int, str]]:
    """IBAN spans: a candidate run, or the longest prefix of it by groups, that
    `stdnum.iban` validates (country length and check digits)."""
    for m in _IBAN.finditer(text):
        candidate = m.group()
        while candidate:
            if iban.is_valid(candidate):
                yield m.start(), m.start() + len(candidate), "IBAN"
                break
            # Drop the last group: the run may have swallowed a following word.
            cut = max(candidate.rfind(" "), candidate.rfind("-"))
            candidate = candidate[:cut] if cut > 0 else ""


def cards(text: str) -> Iterator[tuple[int, int, str]]:
    """CARD spans: 13 to 19 digits passing the Luhn check, led by a card network's digit
    (2 to 6: Mastercard, Amex, Visa, Mastercard, Discover/UnionPay)."""
    for m in _CARD.finditer(text):
        digits = re.sub(r"[ \-]", "", m.group())
        if digits[0] in "23456" and luhn.is_valid(digits):
            yield m.start(), m.end(), "CARD"


def find_contacts(text: str, region: str | None = None) -> list[tuple[int, int, str]]:
    """Every EMAIL, PHONE, IBAN and CARD span of `text`, sorted, the longer of two
    overlapping spans kept. `region`: the record's country (ISO 3166-1, or a 3166-2
    subdivision), used to read national phone numbers; None or unknown: the fallbacks."""
    found = list(emails(text))
    if sum(c.isdigit() for c in text) >= _MIN_DIGITS:
        found += ibans(text)
        found += cards(text)
        found += phones(text, region)
    return longest_first(found)


def longest_first(spans: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`spans` without overlaps, the longer span kept, sorted by start."""
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= k[0] or k[1] <= span[0] for k in kept):
            kept.append(span)
    return sorted(kept)
