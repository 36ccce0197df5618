"""The check rules of the numbers the scrubber recognises by their arithmetic, in one place.

Every `*_valid` function takes the candidate as written (separators allowed where the
format allows them) and returns True only for a well-formed, checksum-valid number. A
number that fails its check is not personal data of that type, whatever it looks like:
that is what keeps order numbers, version strings and years out of the CARD, IBAN and ID
placeholders.

The arithmetic is python-stdnum's, a maintained library with each country's published
rules (omocodia in Italian fiscal codes, Corsican departments in French NIRs, the SSN
blacklist). What stays here is what stdnum does not cover — card scheme prefixes, the UK
National Insurance prefix rules — and a few shape guards the scrubber adds for precision
(said where they are).

The synthetic generator computes its check digits with the `*_check_*` functions below,
so a planted number is valid exactly when the scrubber would call it valid. Production
code never imports the generator; the generator imports this module.
"""

from __future__ import annotations

import re

from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum import numdb
from stdnum.ca import sin as _ca_sin
from stdnum.de import idnr as _de_idnr
from stdnum.es import dni as _es_dni
from stdnum.es import nie as _es_nie
from stdnum.exceptions import ValidationError
from stdnum.fr import nir as _fr_nir
from stdnum.iso7064 import mod_11_10
from stdnum.it import codicefiscale as _it_cf
from stdnum.nl import bsn as _nl_bsn
from stdnum.pl import pesel as _pl_pesel
from stdnum.se import personnummer as _se_pnr
from stdnum.us import ssn as _us_ssn

_SEPARATORS = re.compile(r"[\s\-./]")


def compact(value: str) -> str:
    """The value without spaces, dashes, dots and slashes."""
    return _SEPARATORS.sub("", value)


# ---- check digits, for the generator --------------------------------------------------------


def luhn_check_digit(partial: str) -> str:
    """The digit that makes `partial + digit` Luhn-valid."""
    return _luhn.calc_check_digit(partial)


def iban_check_digits(country: str, bban: str) -> str:
    """The two mod-97 check digits of the IBAN `country ?? bban`."""
    return _iban.calc_check_digits(f"{country}00{bban}")


def fr_nir_key(body: str) -> str:
    """The two-digit key of a French NIR from its first 13 characters."""
    return _fr_nir.calc_check_digits(body + "00")


def de_steuer_id_check_digit(first10: str) -> str:
    """The ISO 7064 MOD 11,10 check digit of a German Steuer-ID."""
    return mod_11_10.calc_check_digit(first10)


def es_dni_letter(digits: str) -> str:
    """The check letter of a Spanish DNI from its eight digits."""
    return _es_dni.calc_check_digit(digits)


def it_check_letter(first15: str) -> str:
    """The check letter of an Italian fiscal code from its first 15 characters (omocodia
    letters included)."""
    return _it_cf.calc_check_digit(first15)


def nl_bsn_check_digit(first8: str) -> str | None:
    """The last digit of a Dutch BSN from its first eight, or None when the 11-check leaves
    a remainder of 10 (no digit completes those eight)."""
    # stdnum's checksum is (weighted sum - last digit) mod 11: with a last digit of 0 it is
    # the digit the number needs.
    digit = _nl_bsn.checksum(first8 + "0")
    return str(digit) if digit < 10 else None


def pl_pesel_check_digit(first10: str) -> str:
    """The check digit of a Polish PESEL from its first ten digits."""
    return _pl_pesel.calc_check_digit(first10)


# ---- validators, for the scrubber ------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards, Canadian SINs and Swedish IDs."""
    return digits.isdigit() and _luhn.is_valid(digits)


# Issuer identification number prefixes of the card schemes in use, with their lengths
# (stdnum checks the Luhn digit but knows no card schemes).
def _card_scheme_ok(digits: str) -> bool:
    n = len(digits)
    p2, p4 = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:  # Mastercard
        return n == 16
    if p2 in (34, 37):  # American Express
        return n == 15
    if p4 == 6011 or p2 == 65 or 644 <= int(digits[:3]) <= 649:  # Discover
        return 16 <= n <= 19
    if 3528 <= p4 <= 3589:  # JCB
        return 16 <= n <= 19
    if p2 in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:  # Diners Club
        return 14 <= n <= 19
    if p2 == 62:  # UnionPay
        return 16 <= n <= 19
    if p2 == 50 or 56 <= p2 <= 69:  # Maestro
        return 12 <= n <= 19
    return False


def card_valid(value: str) -> bool:
    """A payment card number: 13-19 digits, a known scheme prefix and a valid Luhn digit."""
    digits = compact(value)
    return (
        13 <= len(digits) <= 19
        and digits.isdigit()
        and _card_scheme_ok(digits)
        and luhn_valid(digits)
    )


def _iban_lengths() -> dict[str, int]:
    # The SWIFT IBAN registry as stdnum ships it: country -> BBAN structure ("8!n10!n").
    lengths = {}
    for _, country, _, props, _ in numdb.get("iban").prefixes:
        bban = props.get("bban", "")
        lengths[country] = 4 + sum(int(n) for n in re.findall(r"(\d+)!", bban))
    return lengths


# IBAN length per country: where `formats.find_ibans` stops reading an IBAN.
IBAN_LENGTHS: dict[str, int] = _iban_lengths()


def iban_valid(value: str) -> bool:
    """An IBAN: a registered country, its BBAN structure, and mod-97 of the number == 1.

    The national checks inside some BBANs (Spain's, Belgium's) are not asked for: a
    mistyped national digit under a valid mod-97 is still somebody's bank account.
    """
    s = compact(value).upper()
    return IBAN_LENGTHS.get(s[:2]) == len(s) and _iban.is_valid(s, check_country=False)


def us_ssn_valid(value: str) -> bool:
    """A US Social Security number: area not 000, 666 or 9xx; group not 00; serial not 0000;
    not one of the numbers published in advertising."""
    d = compact(value)
    return len(d) == 9 and d.isdigit() and _us_ssn.is_valid(d)


_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def uk_nino_valid(value: str) -> bool:
    """A UK National Insurance number: two prefix letters under HMRC's rules, six digits, A-D.

    It has no check digit, and stdnum does not know it: the prefix rules are the check.
    """
    s = compact(value).upper()
    return bool(_NINO.fullmatch(s)) and s[:2] not in _NINO_BAD_PREFIXES


def ca_sin_valid(value: str) -> bool:
    """A Canadian Social Insurance number: nine digits, Luhn-valid, not starting 0 or 8."""
    return _ca_sin.is_valid(compact(value))


def nl_bsn_valid(value: str) -> bool:
    """A Dutch citizen service number (BSN): nine digits passing the 11-check."""
    d = compact(value)
    # stdnum pads short numbers with zeros; a bare nine-digit run starting with 0 is far
    # more often a reference number than a BSN, so the scrubber asks for nine written digits
    # and a non-zero first one.
    return len(d) == 9 and d.isdigit() and d[0] != "0" and _nl_bsn.is_valid(d)


def fr_nir_valid(value: str) -> bool:
    """A French social security number (NIR/INSEE): 13 characters and a two-digit key."""
    s = compact(value).upper()
    if len(s) != 15 or s[0] not in "12" or not s[3:5].isdigit():
        return False
    month = int(s[3:5])
    # A shape guard stdnum does not apply: 20-42 and 50-99 stand for an unknown month.
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        return False
    return _fr_nir.is_valid(s)


def de_steuer_id_valid(value: str) -> bool:
    """A German tax ID (Steuer-ID): eleven digits, ISO 7064 MOD 11,10, and its digit rule."""
    return _de_idnr.is_valid(compact(value))


def es_dni_valid(value: str) -> bool:
    """A Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter)."""
    s = compact(value).upper()
    return len(s) == 9 and (_es_dni.is_valid(s) or _es_nie.is_valid(s))


def it_codice_fiscale_valid(value: str) -> bool:
    """An Italian fiscal code of a person: 16 characters, a real birth date and the check
    letter. Omocodia codes (letters standing for digits) are valid too."""
    s = value.upper()
    # stdnum also accepts an 11-digit company code here; a person's code has 16 characters.
    return len(s) == 16 and _it_cf.is_valid(s)


def se_personnummer_valid(value: str) -> bool:
    """A Swedish personal identity number (YYMMDD-NNNC or YYYYMMDDNNNC), Luhn on 10 digits.

    Co-ordination numbers (the day plus 60) are accepted: stdnum checks the date of the
    number with the day brought back, and the Luhn digit of the number as written.
    """
    s = value.strip()
    digits = compact(s.replace("+", ""))
    if len(digits) not in (10, 12) or not digits.isdigit():
        return False
    day_at = 4 if len(digits) == 10 else 6
    day = int(digits[day_at : day_at + 2])
    if day <= 60:
        return _se_pnr.is_valid(s)
    dated = digits[:day_at] + f"{day - 60:02d}" + digits[day_at + 2 :]
    sign = "+" if "+" in s else "-"
    try:
        _se_pnr.get_birth_date(f"{dated[:-4]}{sign}{dated[-4:]}")
    except ValidationError:
        return False
    return luhn_valid(digits[-10:])


def pl_pesel_valid(value: str) -> bool:
    """A Polish PESEL: eleven digits, a real birth date with century-coded month, weighted
    check digit."""
    return _pl_pesel.is_valid(compact(value))
