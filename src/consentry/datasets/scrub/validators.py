"""Check-digit validators for the numbers the scrubber recognises by their arithmetic.

Every function takes the candidate as written (separators allowed where the format allows
them) and returns True only for a well-formed, checksum-valid number. A number that fails
its check is not personal data of that type, whatever it looks like: that is what keeps
order numbers, version strings and years out of the CARD, IBAN and ID placeholders.
"""

from __future__ import annotations

import re

from consentry.synthetic.national_ids import it_check_letter

_SEPARATORS = re.compile(r"[\s\-./]")


def compact(value: str) -> str:
    """The value without spaces, dashes, dots and slashes."""
    return _SEPARATORS.sub("", value)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards, Canadian SINs and Swedish IDs."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# Issuer identification number prefixes of the card schemes in use, with their lengths.
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


# IBAN length per country (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_valid(value: str) -> bool:
    """An IBAN: a known country, that country's length, and mod-97 of the rearranged number == 1."""
    s = compact(value).upper()
    if len(s) < 15 or not s.isalnum() or IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    if not s[2:4].isdigit():
        return False
    rearranged = s[4:] + s[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def us_ssn_valid(value: str) -> bool:
    """A US Social Security number: area not 000, 666 or 9xx; group not 00; serial not 0000."""
    d = compact(value)
    if len(d) != 9 or not d.isdigit():
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    return not (area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000")


_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]")
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


def uk_nino_valid(value: str) -> bool:
    """A UK National Insurance number: two prefix letters under HMRC's rules, six digits, A-D."""
    s = compact(value).upper()
    return bool(_NINO.fullmatch(s)) and s[:2] not in _NINO_BAD_PREFIXES


def ca_sin_valid(value: str) -> bool:
    """A Canadian Social Insurance number: nine digits, Luhn-valid, not starting 0 or 8."""
    d = compact(value)
    return len(d) == 9 and d.isdigit() and d[0] not in "08" and luhn_valid(d)


def nl_bsn_valid(value: str) -> bool:
    """A Dutch citizen service number (BSN): nine digits passing the 11-check."""
    d = compact(value)
    if len(d) != 9 or not d.isdigit() or d[0] == "0":
        return False
    total = sum(int(d[i]) * (9 - i) for i in range(8)) - int(d[8])
    return total % 11 == 0


def fr_nir_valid(value: str) -> bool:
    """A French social security number (NIR/INSEE): 13 characters and a two-digit key."""
    s = compact(value).upper()
    if len(s) != 15 or s[0] not in "12":
        return False
    body, key = s[:13], s[13:]
    if not key.isdigit():
        return False
    # Corsica: department 2A and 2B count as 19 and 18 in the key computation.
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return False
    month = int(body[3:5])
    # 20-42 and 50-99 are used when the birth month is unknown.
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        return False
    return 97 - int(body) % 97 == int(key)


def de_steuer_id_valid(value: str) -> bool:
    """A German tax ID (Steuer-ID): eleven digits, ISO 7064 MOD 11,10, and its digit rule."""
    d = compact(value)
    if len(d) != 11 or not d.isdigit() or d[0] == "0":
        return False
    counts = sorted((d[:10].count(c) for c in set(d[:10])), reverse=True)
    # In the first ten digits exactly one digit repeats (twice or three times).
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] > 1):
        return False
    product = 10
    for ch in d[:10]:
        s = (int(ch) + product) % 10 or 10
        product = (s * 2) % 11
    check = (11 - product) % 10
    return check == int(d[10])


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def es_dni_valid(value: str) -> bool:
    """A Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter)."""
    s = compact(value).upper()
    if len(s) != 9:
        return False
    head, letter = s[:8], s[8]
    if head[0] in "XYZ":
        head = str("XYZ".index(head[0])) + head[1:]
    return head.isdigit() and _DNI_LETTERS[int(head) % 23] == letter


_CF_SHAPE = re.compile(
    r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"
)


def it_codice_fiscale_valid(value: str) -> bool:
    """An Italian fiscal code: 16 characters of the official shape with its check letter."""
    s = value.upper()
    if not _CF_SHAPE.fullmatch(s):
        return False
    return it_check_letter(s[:15]) == s[15]


def se_personnummer_valid(value: str) -> bool:
    """A Swedish personal identity number (YYMMDD-NNNC or YYYYMMDDNNNC), Luhn on 10 digits."""
    d = compact(value.replace("+", ""))
    if len(d) == 12:
        d = d[2:]
    if len(d) != 10 or not d.isdigit():
        return False
    month, day = int(d[2:4]), int(d[4:6])
    if day > 60:  # co-ordination numbers add 60 to the day
        day -= 60
    return 1 <= month <= 12 and 1 <= day <= 31 and luhn_valid(d)


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


def pl_pesel_valid(value: str) -> bool:
    """A Polish PESEL: eleven digits, a birth date with century-coded month, weighted check."""
    d = compact(value)
    if len(d) != 11 or not d.isdigit():
        return False
    month, day = int(d[2:4]) % 20, int(d[4:6])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    check = (10 - sum(int(d[i]) * w for i, w in enumerate(_PESEL_WEIGHTS)) % 10) % 10
    return check == int(d[10])
