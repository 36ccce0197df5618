"""National identification numbers with valid check digits, and their validators.

Each generator takes a `random.Random` and returns the number as people write it. Each
validator accepts the written form (spaces and dashes allowed) and checks the country's
checksum, so a scrubber's tests and the generator agree on what "valid" means.
"""

from __future__ import annotations

from random import Random


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check of cards, Canadian SINs and Swedish personnummer."""
    digits = _digits(number)
    if not digits:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    """`partial` with the one check digit appended that makes it Luhn-valid."""
    for check in "0123456789":
        if luhn_valid(partial + check):
            return partial + check
    raise AssertionError("unreachable: one digit always completes a Luhn number")


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
    key = 97 - int(body) % 97
    b = body
    return f"{b[0]} {b[1:3]} {b[3:5]} {b[5:7]} {b[7:10]} {b[10:13]} {key:02d}"


def fr_nir_valid(text: str) -> bool:
    d = _digits(text)
    return len(d) == 15 and 97 - int(d[:13]) % 97 == int(d[13:])


def _mod11_10(digits: str) -> int:
    # ISO 7064 MOD 11,10, the check digit of the German tax identification number.
    product = 10
    for ch in digits:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return 0 if check == 10 else check


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
    number = ten + str(_mod11_10(ten))
    if rng.random() < 0.5:
        return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
    return number


def de_steuer_id_valid(text: str) -> bool:
    d = _digits(text)
    return len(d) == 11 and d[0] != "0" and _mod11_10(d[:10]) == int(d[10])


_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def es_dni(rng: Random) -> str:
    """A Spanish DNI: 8 digits and the check letter of n mod 23, `12345678Z`."""
    n = rng.randint(1_000_000, 99_999_999)
    sep = rng.choice(("", "", "-"))
    return f"{n:08d}{sep}{_DNI_LETTERS[n % 23]}"


def es_dni_valid(text: str) -> bool:
    t = text.replace("-", "").replace(" ", "").upper()
    return len(t) == 9 and t[:8].isdigit() and _DNI_LETTERS[int(t[:8]) % 23] == t[8]


_CF_ODD = [
    1,
    0,
    5,
    7,
    9,
    13,
    15,
    17,
    19,
    21,
    2,
    4,
    18,
    20,
    11,
    3,
    6,
    8,
    12,
    14,
    16,
    10,
    22,
    25,
    24,
    23,
]
_CF_MONTHS = "ABCDEHLMPRST"
_CF_PLACES = ("F205", "H501", "L219", "A944", "D612", "F839", "G273", "L736", "C351", "A662")


def _cf_value(ch: str, odd: bool) -> int:
    index = int(ch) if ch.isdigit() else ord(ch) - ord("A")
    return _CF_ODD[index] if odd else index


def it_check_letter(first15: str) -> str:
    """The check letter of an Italian fiscal code from its first 15 characters (digits or,
    in omocodia codes, letters standing for them: both map through the same table)."""
    total = sum(_cf_value(ch, i % 2 == 0) for i, ch in enumerate(first15))
    return chr(ord("A") + total % 26)


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
    return body + it_check_letter(body)


def it_codice_fiscale_valid(text: str) -> bool:
    t = text.upper()
    return len(t) == 16 and t.isalnum() and it_check_letter(t[:15]) == t[15]


def nl_bsn(rng: Random) -> str:
    """A Dutch BSN: 9 digits passing the 11-check (weights 9..2, and -1 for the last)."""
    while True:
        d = [rng.randint(0, 9) for _ in range(8)]
        if d[0] == 0:
            continue
        partial = sum(w * x for w, x in zip(range(9, 1, -1), d, strict=True))
        last = partial % 11
        if last < 10:
            return "".join(map(str, d)) + str(last)


def nl_bsn_valid(text: str) -> bool:
    d = _digits(text)
    if len(d) != 9:
        return False
    total = sum(w * int(x) for w, x in zip(range(9, 1, -1), d[:8], strict=True)) - int(d[8])
    return total % 11 == 0


def se_personnummer(rng: Random) -> str:
    """A Swedish personnummer `YYMMDD-NNNC`, C the Luhn digit of the nine before it."""
    stem = f"{rng.randint(50, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    serial = f"{rng.randint(0, 999):03d}"
    full = luhn_complete(stem + serial)
    return f"{full[:6]}-{full[6:]}"


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


def pl_pesel(rng: Random) -> str:
    """A Polish PESEL: birth date (months +20 after 2000), serial and a weighted check digit."""
    year = rng.randint(1950, 2008)
    month = rng.randint(1, 12) + (20 if year >= 2000 else 0)
    body = f"{year % 100:02d}{month:02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"
    check = (10 - sum(w * int(x) for w, x in zip(_PESEL_WEIGHTS, body, strict=True)) % 10) % 10
    return body + str(check)


def pl_pesel_valid(text: str) -> bool:
    d = _digits(text)
    if len(d) != 11:
        return False
    total = sum(w * int(x) for w, x in zip(_PESEL_WEIGHTS, d[:10], strict=True))
    return (10 - total % 10) % 10 == int(d[10])


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
    "US": lambda t: len(_digits(t)) == 9,
    "GB": lambda t: len(t.replace(" ", "")) == 9,
    "CA": luhn_valid,
    "FR": fr_nir_valid,
    "DE": de_steuer_id_valid,
    "ES": es_dni_valid,
    "IT": it_codice_fiscale_valid,
    "NL": nl_bsn_valid,
    "SE": luhn_valid,
    "PL": pl_pesel_valid,
}
