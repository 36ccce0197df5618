"""National identification numbers with valid check digits, as people write them.

Each generator takes a `random.Random` and returns a number of one country. The check
digits come from the scrubber's own rules (`consentry.datasets.scrub.validators`, built on
python-stdnum), and `VALIDATORS` names the rule each country's numbers pass, so the
generator and the scrubber agree on what "valid" means by construction.
"""

from __future__ import annotations

from random import Random

from consentry.datasets.scrub import validators as v


def luhn_complete(partial: str) -> str:
    """`partial` with the one check digit appended that makes it Luhn-valid."""
    return partial + v.luhn_check_digit(partial)


def us_ssn(rng: Random) -> str:
    """`123-45-6789`: area 001-899 except 666, group 01-99, serial 0001-9999."""
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def uk_nino(rng: Random) -> str:
    """A UK National Insurance number, `QQ 12 34 56 C` or `QQ123456C`."""
    while True:
        prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
        if prefix not in _NINO_BAD:
            break
    digits = f"{rng.randint(0, 999999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


def ca_sin(rng: Random) -> str:
    """A Canadian Social Insurance Number: 9 digits, Luhn-valid, written `123 456 782`."""
    first = rng.choice("1234567")
    number = luhn_complete(first + "".join(rng.choice("0123456789") for _ in range(7)))
    sep = rng.choice((" ", "-"))
    return sep.join((number[:3], number[3:6], number[6:]))


def fr_nir(rng: Random) -> str:
    """A French INSEE number (NIR): 13 digits and a 2-digit key, 97 - (n mod 97)."""
    sex = rng.choice("12")
    body = (
        f"{sex}{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}"
        f"{rng.randint(1, 990):03d}{rng.randint(1, 999):03d}"
    )
    key = v.fr_nir_key(body)
    b = body
    return f"{b[0]} {b[1:3]} {b[3:5]} {b[5:7]} {b[7:10]} {b[10:13]} {key}"


def de_steuer_id(rng: Random) -> str:
    """A German Steuer-ID: 11 digits; in the first ten one digit appears twice, one never."""
    while True:
        pool = list("0123456789")
        rng.shuffle(pool)
        missing, doubled = pool[0], pool[1]
        body = [d for d in pool if d != missing] + [doubled]
        rng.shuffle(body)
        if body[0] != "0":
            break
    ten = "".join(body)
    number = ten + v.de_steuer_id_check_digit(ten)
    if rng.random() < 0.5:
        return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
    return number


def es_dni(rng: Random) -> str:
    """A Spanish DNI: 8 digits and the check letter of n mod 23, `12345678Z`."""
    n = rng.randint(1_000_000, 99_999_999)
    sep = rng.choice(("", "", "-"))
    return f"{n:08d}{sep}{v.es_dni_letter(f'{n:08d}')}"


_CF_MONTHS = "ABCDEHLMPRST"
_CF_PLACES = ("F205", "H501", "L219", "A944", "D612", "F839", "G273", "L736", "C351", "A662")


def _cf_letters(name: str, given: bool) -> str:
    letters = [c for c in name.upper() if c.isalpha() and c.isascii()]
    consonants = [c for c in letters if c not in "AEIOU"]
    vowels = [c for c in letters if c in "AEIOU"]
    if given and len(consonants) > 3:
        consonants = [consonants[0], consonants[2], consonants[3]]
    return ("".join(consonants + vowels) + "XXX")[:3]


def it_codice_fiscale(rng: Random, first: str = "Mario", last: str = "Rossi") -> str:
    """An Italian codice fiscale for a person of that name, with its check letter."""
    from consentry.synthetic.names import ascii_fold

    female = rng.random() < 0.5
    day = rng.randint(1, 28) + (40 if female else 0)
    body = (
        _cf_letters(ascii_fold(last), False)
        + _cf_letters(ascii_fold(first), True)
        + f"{rng.randint(50, 99):02d}{rng.choice(_CF_MONTHS)}{day:02d}{rng.choice(_CF_PLACES)}"
    )
    return body + v.it_check_letter(body)


def nl_bsn(rng: Random) -> str:
    """A Dutch BSN: 9 digits passing the 11-check (weights 9..2, and -1 for the last)."""
    while True:
        d = [rng.randint(0, 9) for _ in range(8)]
        if d[0] == 0:
            continue
        first8 = "".join(map(str, d))
        last = v.nl_bsn_check_digit(first8)
        if last is not None:
            return first8 + last


def se_personnummer(rng: Random) -> str:
    """A Swedish personnummer `YYMMDD-NNNC`, C the Luhn digit of the nine before it."""
    stem = f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    serial = f"{rng.randint(0, 999):03d}"
    full = luhn_complete(stem + serial)
    return f"{full[:6]}-{full[6:]}"


def pl_pesel(rng: Random) -> str:
    """A Polish PESEL: birth date (months +20 after 2000), serial and a weighted check digit."""
    year = rng.randint(1950, 2008)
    month = rng.randint(1, 12) + (20 if year >= 2000 else 0)
    body = f"{year % 100:02d}{month:02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"
    return body + v.pl_pesel_check_digit(body)


# Which number a member of a country would quote, and how to check it.
ID_BY_COUNTRY = {
    "US": us_ssn,
    "GB": uk_nino,
    "CA": ca_sin,
    "FR": fr_nir,
    "DE": de_steuer_id,
    "ES": es_dni,
    "IT": it_codice_fiscale,
    "NL": nl_bsn,
    "SE": se_personnummer,
    "PL": pl_pesel,
}
VALIDATORS = {
    "US": v.us_ssn_valid,
    "GB": v.uk_nino_valid,
    "CA": v.ca_sin_valid,
    "FR": v.fr_nir_valid,
    "DE": v.de_steuer_id_valid,
    "ES": v.es_dni_valid,
    "IT": v.it_codice_fiscale_valid,
    "NL": v.nl_bsn_valid,
    "SE": v.se_personnummer_valid,
    "PL": v.pl_pesel_valid,
}
