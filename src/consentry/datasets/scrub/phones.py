"""Phone numbers: a cheap regex proposes digit runs, `phonenumbers` decides.

International numbers (`+CC ...` or `00CC ...`) are parsed without a region. National
numbers are tried against the author's region first, then a fixed list of common regions;
one that is a valid number for some region is a phone. Dates, year ranges, thousands and
IPv4-looking runs are refused before `phonenumbers` is asked, which keeps years, versions
and amounts out of the PHONE placeholder and keeps the expensive parser off most runs.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

# Regions tried for a national-format number, most common in the network first.
DEFAULT_REGIONS: tuple[str, ...] = (
    "US", "GB", "DE", "FR", "ES", "IT", "NL", "PL", "SE", "CA", "BE", "AT", "CH", "IE", "PT",
    "DK", "FI", "NO", "CZ", "IN", "AU", "BR",
)  # fmt: skip
# Regions whose national numbers start with a trunk prefix `0`; the others never do.
_NO_TRUNK_ZERO = frozenset({"US", "CA", "ES", "PL", "DK", "NO", "PT"})

# A run of digits with the separators people put in phone numbers, optionally +CC or (0).
PHONE_CANDIDATE = re.compile(
    r"(?<![\w+/.\-])(?:(?:\+|00)\s?)?(?:\(\d{1,5}\)\s?|\d)"
    r"(?:\d|[ \-./](?=\d)|\s?\(\d{1,5}\)\s?(?=\d))*\d(?![\w]|[.\-/]\d)"
)
_DATE_LIKE = re.compile(
    r"\d{1,4}([./\-])\d{1,2}\1\d{1,4}|(?:19|20)\d\d\s?[\-/]\s?(?:19|20)?\d\d"
    r"|\d{1,2}[./]\d{1,2}|(?:19|20)\d\d/\d+"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_IPV4_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_NON_DIGITS = re.compile(r"\D")


def _region_country(region: str | None) -> str | None:
    """`US` for `US-CA`; None for an empty hint."""
    if not region:
        return None
    return region.split("-", 1)[0].upper()


@lru_cache(maxsize=65536)
def phone_valid(candidate: str, region: str | None = None) -> bool:
    """Whether `candidate` (as written in the text) is a phone number.

    `region` is a hint (ISO 3166 code of the author's jurisdiction) tried before the
    defaults for national-format numbers.
    """
    digits = _NON_DIGITS.sub("", candidate)
    if not 7 <= len(digits) <= 15:
        return False
    if candidate[0] == "+" or candidate.startswith("00"):
        number = "+" + candidate[2:] if candidate[0] == "0" else candidate
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            return False
        if phonenumbers.is_valid_number(parsed):
            return True
        # "+" is a strong signal: a possible number of a real country is enough.
        return (
            len(str(parsed.national_number)) >= 7
            and phonenumbers.is_possible_number(parsed)
            and phonenumbers.region_code_for_number(parsed) is not None
        )
    if _DATE_LIKE.fullmatch(candidate) or _THOUSANDS.fullmatch(candidate):
        return False
    if _IPV4_LIKE.fullmatch(candidate):
        return False
    hint = _region_country(region)
    regions = (hint, *DEFAULT_REGIONS) if hint else DEFAULT_REGIONS
    seen: set[str] = set()
    for code in regions:
        if code in seen:
            continue
        seen.add(code)
        if digits[0] == "0" and code in _NO_TRUNK_ZERO:
            continue
        try:
            parsed = phonenumbers.parse(candidate, code)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number_for_region(parsed, code):
            return True
    return False


def find_phones(text: str, region: str | None) -> list[tuple[int, int, str]]:
    """PHONE spans in `text` (which the caller knows contains a digit)."""
    out = []
    for m in PHONE_CANDIDATE.finditer(text):
        if phone_valid(m.group(), region):
            out.append((m.start(), m.end(), "PHONE"))
    return out
